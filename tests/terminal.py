"""A person at the keyboard, for tests: a pseudo-terminal to type answers into, and a scripted `$EDITOR`."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _read_until_exit(fd: int, proc: subprocess.Popen[bytes], timeout: float) -> str:
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    return b"".join(chunks).decode(errors="replace")


def on_terminal(root: Path, args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run kb with a pseudo-terminal as stdin, stdout and stderr, typing `answers`."""
    master, slave = os.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb", "--root", str(root), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    for answer in answers:
        os.write(master, answer.encode() + b"\n")
    output = _read_until_exit(master, proc, timeout=30)
    proc.wait(timeout=30)
    os.close(master)
    return proc.returncode, output


def fake_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    """Install a Python script as $EDITOR; it gets the draft's path and a run counter."""
    script = tmp_path / "fake_editor.py"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys, pathlib\n"
        "path = pathlib.Path(sys.argv[1])\n"
        "counter = pathlib.Path(__file__).with_suffix('.count')\n"
        "run = int(counter.read_text()) + 1 if counter.exists() else 1\n"
        "counter.write_text(str(run))\n"
        "pathlib.Path(__file__).with_suffix(f'.seen{run}').write_text(path.read_text())\n"
        "text = path.read_text()\n" + textwrap.dedent(body)
    )
    script.chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(script))
    return script


def drafts(root: Path) -> list[Path]:
    folder = root / ".kb-cache" / "drafts"
    return sorted(folder.iterdir()) if folder.exists() else []
