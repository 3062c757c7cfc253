"""Machinery that exists only for speed: caches, forked workers, the opt-in daemon.

None of it may change an answer, so all of it can be turned off at once with `enabled`.
"""

from __future__ import annotations

import os


def enabled() -> bool:
    """False when `KB_NO_SPEED` is set (to anything but "" or "0"): then no cache file is read or
    written, no worker is forked and the daemon is neither asked nor started, so every answer is
    computed afresh (CI runs the tests that way too, to show no answer depends on a cache)."""
    return os.environ.get("KB_NO_SPEED", "") in ("", "0")
