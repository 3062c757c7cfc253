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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kb.speed.forks import fork_map
from kb.store import yamlread
from kb.store.atomic import replace_atomic_bytes

RACY_SECONDS = 3
PARALLEL_MIN = 1000
"""Files to parse per extra process before parsing is spread over the cores."""
FORMAT = 1

Stamp = tuple[int, int, int]


def _parse(file: str) -> Any | yamlread.YamlProblems:
    """One file's data, or the problems that stop it being read."""
    try:
        with open(file, "rb") as handle:
            return yamlread.loads(yamlread.read_text(handle.read())).data
    except yamlread.YamlProblems as err:
        return err


def _stamp(stat: os.stat_result) -> Stamp:
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


class ParseCache:
    """A map from record file to its parsed data, stored as one marshal file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, tuple[Stamp, Any]] = {}
        self.used: dict[str, tuple[Stamp, Any]] = {}
        self.seen: set[str] = set()
        if path is not None:
            try:
                stored = marshal.loads(path.read_bytes())
                if stored.get("format") == FORMAT:
                    self.entries = stored["entries"]
            except (OSError, EOFError, ValueError, TypeError, AttributeError, KeyError):
                self.entries = {}  # missing or corrupt: start again

    def parse_all(
        self, files: Sequence[str | Path], stats: Mapping[str, os.stat_result] | None = None
    ) -> list[Any | yamlread.YamlProblems]:
        """The data in each file (or its problems), from the cache where unchanged.

        `stats` may hold files' stats taken just before (a file not in it is stat'ed here).
        Files that must be parsed are shared among the machine's cores when there are many.
        """
        stats = stats or {}
        results: list[Any | yamlread.YamlProblems] = [None] * len(files)
        misses: list[tuple[int, str, Stamp, float]] = []
        for i, file in enumerate(files):
            key = str(file)
            self.seen.add(key)
            stat = stats.get(key) or os.stat(key)
            stamp = _stamp(stat)
            hit = self.entries.get(key)
            if hit is not None and tuple(hit[0]) == stamp:
                self.used[key] = hit
                results[i] = hit[1]
            else:
                misses.append((i, key, stamp, stat.st_mtime))
        parsed = fork_map(_parse, [key for _, key, _, _ in misses], PARALLEL_MIN)
        now = time.time()
        for (i, key, stamp, mtime), result in zip(misses, parsed, strict=True):
            results[i] = result
            if not isinstance(result, yamlread.YamlProblems) and now - mtime > RACY_SECONDS:
                self.used[key] = (stamp, result)
        return results

    def save(self) -> None:
        """Store what this run used if it parsed a file worth keeping or a stored file is gone;
        never fails the run. A file left out only for being too recent is no reason to rewrite:
        its stored entry, if any, has another stamp and so is never used."""
        if self.path is None:
            return
        parsed = any(
            key not in self.entries or tuple(self.entries[key][0]) != stamp for key, (stamp, _) in self.used.items()
        )
        if not parsed and self.entries.keys() <= self.seen:
            return
        with contextlib.suppress(OSError):  # a read-only checkout still validates, just without the cache
            replace_atomic_bytes(self.path, marshal.dumps({"format": FORMAT, "entries": self.used}), durable=False)
