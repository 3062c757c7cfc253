"""Record edits under the file's lock: concurrent `kb close` and `kb reopen` of one action, as real
processes started together, and a lock another process holds."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from kb.store import recordedit

ACTION = "ACT-sentinel-namespace-empty-7bg2x"
FILE = f"data/actions/{ACTION}.yaml"


READY = """
import sys
import kb.author.closing, kb.cli.close, kb.cli.reopen  # loaded before the start, so all edit at once
from kb.__main__ import main

print("ready", flush=True)
sys.stdin.readline()
sys.argv = ["kb", *sys.argv[1:]]
main()
"""


def together(root: Path, commands: list[list[str]]) -> list[tuple[int, str]]:
    """Run each `kb --root ROOT COMMAND` as its own process, all let go at the same moment."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", READY, "--root", str(root), *command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for command in commands
    ]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("\n")
        process.stdin.flush()
    return [(process.wait(timeout=120), process.communicate()[0]) for process in processes]


def test_ten_concurrent_closes_one_is_confirmed_and_the_rest_say_why_not(sample_kb: Path) -> None:
    results = together(sample_kb, [["close", ACTION, "--note", f"note {n}"] for n in range(10)])
    confirmed = [n for n, (status, _) in enumerate(results) if status == 0]
    assert len(confirmed) == 1, results
    for n, (status, output) in enumerate(results):
        if n not in confirmed:
            assert status == 1 and f"{ACTION} is already done" in output, output
    record = yaml.safe_load((sample_kb / FILE).read_text())
    assert record["status"] == "done" and record["evidence"] == {"note": f"note {confirmed[0]}"}


def test_every_confirmed_close_and_reopen_is_in_the_file(sample_kb: Path) -> None:
    """Closes and reopens racing: each reopen keeps the close it undid in its note, so every close
    confirmed is either in a reopen's note or the evidence now, and every reopen confirmed is a note."""
    commands = [
        ["close", ACTION, "--note", f"close {n}"] if n % 2 == 0 else ["reopen", ACTION, "--note", f"reopen {n}"]
        for n in range(12)
    ]
    results = together(sample_kb, commands)
    for status, output in results:
        assert status in (0, 1) and "Traceback" not in output, output
        assert status == 0 or "is already" in output, output
    closes = {n for n, (status, _) in enumerate(results) if status == 0 and n % 2 == 0}
    reopens = {n for n, (status, _) in enumerate(results) if status == 0 and n % 2 == 1}
    record = yaml.safe_load((sample_kb / FILE).read_text())
    notes = [note for note in record.get("notes", []) if "reopened" in note]
    assert {int(re.search(r"reopened: reopen (\d+)", note)[1]) for note in notes} == reopens  # type: ignore[index]
    undone = {int(re.search(r"note: close (\d+)", note)[1]) for note in notes}  # type: ignore[index]
    now = {int(record["evidence"]["note"].split()[1])} if record["status"] == "done" else set()
    assert undone | now == closes and not undone & now
    assert len(closes) - len(reopens) == (1 if record["status"] == "done" else 0)


HOLDER = """
import fcntl, sys, time
with open(sys.argv[1], "rb") as held:
    fcntl.flock(held, fcntl.LOCK_EX)
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_lock_held_too_long_is_an_error_naming_the_file(sample_kb: Path) -> None:
    path = sample_kb / FILE
    before = path.read_text()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        started = time.monotonic()
        with pytest.raises(recordedit.Busy) as raised:
            recordedit.edit(path, lambda text: (text + "# mine\n", None), wait=0.3)
        assert 0.3 <= time.monotonic() - started < 5
        assert raised.value.filename == str(path) and "another process" in str(raised.value)
    finally:
        holder.kill()
        holder.wait()
    assert path.read_text() == before


def test_an_edit_that_waited_reads_the_file_that_replaced_the_one_it_waited_on(sample_kb: Path) -> None:
    path = sample_kb / FILE
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    seen: list[str] = []
    waiting = threading.Thread(target=lambda: seen.append(recordedit.edit(path, lambda text: (text, text))))
    waiting.start()
    time.sleep(0.5)  # the edit has opened the file and waits for its lock
    replacement = path.with_name("replacement")
    replacement.write_text("status: open\n# what the holder wrote\n")
    replacement.replace(path)  # as an atomic write does: a new file at the name
    holder.kill()
    holder.wait()
    waiting.join(timeout=30)
    assert seen == ["status: open\n# what the holder wrote\n"]
