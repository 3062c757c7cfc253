"""Running a process that file permissions stop, even when the tests run as root.

Root passes every permission check through two capabilities (CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH). A child that drops them from its bounding set before it starts `kb` keeps
root's user ID, and so owns the test's files, but a mode of 000 stops it as it stops anyone.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2


def _drop() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def preexec() -> Callable[[], None] | None:
    """What to run in the child before it starts, so that permissions apply to it (None: they do already)."""
    return _drop if os.geteuid() == 0 else None
