"""Editing a record file in place without losing another edit: the one read-modify-write of kb.

Every verb that changes an existing record (`kb close`, `kb reopen`, the MCP close tool, and
whatever else edits a record) goes through `edit`: it takes an exclusive lock on the file
(flock), reads the file as it is under the lock, lets the caller work out the new text from
it, and replaces the file atomically and durably before letting go. Ten `kb close` of one
action at once are then ten edits one after another: each sees what the one before it wrote,
so an edit is either in the file or refused by the caller with the file as it is.

The lock is on the file's inode, and a replacement is a new inode: whoever waited on the old
one finds the name moved on once it has the lock, and tries again on the new file.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from kb.store import tempfiles, yamlread
from kb.store.atomic import replace_atomic

T = TypeVar("T")

WAIT_SECONDS = 10.0
"""How long an edit waits for another to finish with the file before giving up."""


class Busy(OSError):
    """Another process held the file's lock for all of WAIT_SECONDS."""


def _lock(fd: int, path: Path, seconds: float) -> None:
    """Take the exclusive lock on `fd`, waiting up to `seconds` (a stuck holder must not hang kb)."""
    deadline, pause = time.monotonic() + seconds, 0.001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise Busy(errno.EAGAIN, f"another process has been editing it for {seconds:g} s", str(path)) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.05)


def _open_locked(path: Path, seconds: float) -> int:
    """A descriptor of the file now at `path`, holding its exclusive lock."""
    while True:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            _lock(fd, path, seconds)
            held, now = os.fstat(fd), os.stat(path)
        except BaseException:
            os.close(fd)
            raise
        if (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
            return fd
        os.close(fd)  # replaced while we waited: lock the file that is there now


def edit(path: Path, change: Callable[[str], tuple[str, T]], *, wait: float = WAIT_SECONDS) -> T:
    """Change the record file at `path` under its lock; what `change` returns beside the new text.

    `change` gets the file's text as it is now, read under the lock, and returns the new text
    (the same text to write nothing) with a result for the caller; it raises to refuse, and then
    nothing is written. The text is read as records are (kb.store.yamlread.read_fd: the size
    limit, UTF-8), so a file that cannot be read raises YamlProblems. The new text is on disk
    (fsync) before `edit` returns. Busy (an OSError) when another edit holds the file for `wait`
    seconds.
    """
    tempfiles.sweep(path.parent)  # what a killed edit left beside it
    fd = _open_locked(path, wait)
    try:
        text = yamlread.read_fd(fd)
        new_text, result = change(text)
        if new_text != text:
            replace_atomic(path, new_text, durable=True)
        return result
    finally:
        os.close(fd)  # lets go of the lock
