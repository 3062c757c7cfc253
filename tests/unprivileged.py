"""Running a process that file permissions stop, even when the tests run as root.

Root passes every permission check through two capabilities (CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH). A child that drops them from its bounding set before it starts `kb` keeps
root's user ID, and so owns the test's files, but a mode of 000 stops it as it stops anyone.
"""

from __future__ import annotations

import ctypes
import functools
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2


def _drop() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _denied(before: Callable[[], None] | None) -> bool:
    """Whether a child started so (`before` run in it first) is refused a file of mode 000."""
    with tempfile.TemporaryDirectory() as folder:
        locked = Path(folder, "locked")
        locked.write_text("x")
        locked.chmod(0)
        try:
            opened = subprocess.run(
                [sys.executable, "-c", f"open({str(locked)!r})"], preexec_fn=before, capture_output=True
            )
        except subprocess.SubprocessError:  # `before` failed: the capabilities cannot be dropped here
            return False
        return opened.returncode != 0 and b"PermissionError" in opened.stderr


@functools.cache
def _how() -> tuple[bool, Callable[[], None] | None]:
    """(whether permissions can be made to apply to a child, what to run in it for that)."""
    if _denied(None):
        return True, None
    if _denied(_drop):
        return True, _drop
    return False, None


def preexec() -> Callable[[], None] | None:
    """What to run in a child before it starts, so that file permissions apply to it (None: they
    do already); the test is skipped where nothing can make them apply."""
    possible, how = _how()
    if not possible:
        pytest.skip("file permissions cannot be made to apply to a child process here")
    return how
