"""Tools of the crash test (tests/test_crash.py): warm `kb` processes to kill, and a watch that
says when a command is writing.

A `Zygote` is a Python process that has imported kb and its libraries once and forks a child per
command, as the kb daemon does: each child is a process of its own running `kb ARGV` from the
start of kb's main function, so the test can SIGKILL it at any moment of its work without paying
for Python's start each time. A `Watch` counts the files created, moved in and removed in some
folders (inotify), so a kill can land at the k-th of them: inside the writing, where it matters.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

ZYGOTE = """
import json, os, sys
import kb.author.closing, kb.author.create, kb.cli.close, kb.cli.link, kb.cli.new, kb.cli.render, kb.cli.site_
import kb.cli.validate, kb.gitlink.linking, kb.pipeline, kb.publish.sitebuild, kb.rendering.outputs
import kb.rendering.views, mkdocs.commands.build, mkdocs.config
from kb.__main__ import run

for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        os.chdir(job["cwd"])
        log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        try:
            status = run(job["argv"])
        except BaseException:
            status = 70
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    print(pid, flush=True)
    sys.stdin.readline()  # reaped only when the test says: till then its pid is no one else's
    _, status = os.waitpid(pid, 0)
    print(os.waitstatus_to_exitcode(status), flush=True)
"""


class Zygote:
    """A warm process that runs `kb ARGV` in a fresh child each time."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def start(self, root: Path, argv: list[str], log: Path) -> int:
        """Start `kb --root ROOT ARGV` in a child; its pid."""
        assert self.process.stdin is not None and self.process.stdout is not None
        job = {"argv": ["--root", str(root), *argv], "cwd": str(root), "log": str(log)}
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def wait(self) -> int:
        """The exit status of the child last started (negative: the signal that ended it)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("reap\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def run(self, root: Path, argv: list[str], log: Path) -> int:
        self.start(root, argv, log)
        return self.wait()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


IN_CREATE, IN_DELETE, IN_MOVED_TO = 0x100, 0x200, 0x80
_EVENT = struct.Struct("iIII")


class Watch:
    """The files created, moved in or removed in some folders, counted as they happen."""

    def __init__(self, folders: list[Path]) -> None:
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        for folder in folders:
            if folder.is_dir():
                self.libc.inotify_add_watch(self.fd, os.fsencode(folder), IN_CREATE | IN_DELETE | IN_MOVED_TO)
        self.seen = 0

    def drain(self) -> int:
        """Count what happened since; the total so far."""
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return self.seen
            offset = 0
            while offset < len(data):
                *_, length = _EVENT.unpack_from(data, offset)
                offset += _EVENT.size + length
                self.seen += 1

    def wait(self, seconds: float) -> None:
        select.select([self.fd], [], [], seconds)

    def close(self) -> None:
        os.close(self.fd)


def kill_at_event(pid: int, watch: Watch, nth: int, seconds: float) -> bool:
    """SIGKILL `pid` (a child of a Zygote, not reaped till `wait`) once `watch` has seen `nth`
    changes, or after `seconds`; False if it had ended by then."""
    deadline = time.monotonic() + seconds
    while watch.drain() < nth and time.monotonic() < deadline:
        watch.wait(0.01)
        if _ended(pid):
            return False
    if _ended(pid):
        return False
    os.kill(pid, signal.SIGKILL)
    return True


def kill_after(pid: int, seconds: float) -> bool:
    """SIGKILL `pid` (a child of a Zygote, not reaped till `wait`) after `seconds`; False if it had ended."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _ended(pid):
            return False
        time.sleep(min(0.005, max(deadline - time.monotonic(), 0)))
    os.kill(pid, signal.SIGKILL)
    return True


def _ended(pid: int) -> bool:
    """True when `pid` (a child of a Zygote) has exited, though not yet been reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")
