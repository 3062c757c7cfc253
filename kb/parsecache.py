"""Parsed record files kept between runs, so unchanged files skip YAML parsing.

An entry is reused only while the file's (mtime_ns, size, inode) are those it was parsed
with. As in git's "racy" check, a file modified within the last few seconds is not cached
at all, so a same-size edit within one timestamp tick can never be served stale.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import time
from pathlib import Path
from typing import Any

from kb import yamlio
from kb.fsio import replace_atomic_bytes

RACY_SECONDS = 3
FORMAT = 1

Stamp = tuple[int, int, int]


def _stamp(stat: os.stat_result) -> Stamp:
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


class ParseCache:
    """A map from record file to its parsed data, stored as one marshal file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, tuple[Stamp, Any]] = {}
        self.used: dict[str, tuple[Stamp, Any]] = {}
        if path is not None:
            try:
                stored = marshal.loads(path.read_bytes())
                if stored.get("format") == FORMAT:
                    self.entries = stored["entries"]
            except (OSError, EOFError, ValueError, TypeError, AttributeError, KeyError):
                self.entries = {}  # missing or corrupt: start again

    def parse(self, file: Path) -> Any:
        """The data in `file`, from the cache when unchanged; raises yamlio.YamlProblems."""
        key = str(file)
        stat = os.stat(file)
        stamp = _stamp(stat)
        hit = self.entries.get(key)
        if hit is not None and tuple(hit[0]) == stamp:
            self.used[key] = hit
            return hit[1]
        data = yamlio.loads(yamlio.read_text(file.read_bytes())).data
        if time.time() - stat.st_mtime > RACY_SECONDS:
            self.used[key] = (stamp, data)
        return data

    def save(self) -> None:
        """Store what this run used, if it differs from what was stored; never fails the run."""
        if self.path is None or (
            self.used.keys() == self.entries.keys()
            and all(self.used[k][0] == tuple(self.entries[k][0]) for k in self.used)
        ):
            return
        with contextlib.suppress(OSError):  # a read-only checkout still validates, just without the cache
            replace_atomic_bytes(self.path, marshal.dumps({"format": FORMAT, "entries": self.used}))
