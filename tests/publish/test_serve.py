"""`kb serve`: a real preview server that rebuilds when a record changes."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

LESSON = "L-kyverno-helm-values-8qd1t"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _poll(url: str, ready: Callable[[str], bool], seconds: float = 90) -> str:
    """The page at `url` once `ready` says so; fails after `seconds`."""
    deadline, last = time.monotonic() + seconds, ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                last = response.read().decode("utf-8")
            if ready(last):
                return last
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} not ready after {seconds} s; last page:\n{last[:500]}")


def test_serve_rebuilds_when_a_record_changes(sample_kb: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kb", "--root", str(sample_kb), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/lessons/{LESSON}.html"
        page = _poll(url, lambda html: "Kyverno Helm values" in html)
        assert "livereload" in page
        record = sample_kb / "data" / "lessons" / f"{LESSON}.yaml"
        record.write_text(record.read_text().replace("title: Kyverno Helm values", "title: Kyverno Helm keys"))
        _poll(url, lambda html: "Kyverno Helm keys" in html)
        assert not (sample_kb / "site").exists()  # the preview never touches the published site
    finally:
        server.terminate()
        server.wait(timeout=30)
