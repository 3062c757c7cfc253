"""Parsed record files kept between runs, so unchanged files skip YAML parsing (and the secret scan).

An entry is reused only while the file's stamp (kb.speed.filecache) is the one it was parsed
with, and only under the same cache key: kb's code and libraries. A file modified within the
racy window is not kept at all, so a same-size edit within one timestamp tick can never be
served stale. An entry also carries the secret scan's verdict on its record (`mark_clean`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kb.speed import filecache
from kb.speed.forks import fork_map
from kb.store import yamlread

PARALLEL_MIN = 1000
"""Files to parse per extra process before parsing is spread over the cores."""

Entry = tuple[filecache.Stamp, Any, bool]
"""A file's stamp, its parsed data, and whether its record was scanned and found free of secrets."""


def _parse(file: str) -> Any | yamlread.YamlProblems:
    """One file's data, or the problems that stop it being read."""
    try:
        return yamlread.loads(yamlread.read_file(file)).data
    except yamlread.YamlProblems as err:
        return err


def _stat(file: str) -> os.stat_result | None:
    """The file's stat; None when it has none (a symbolic link loop, say), which parsing then reports."""
    try:
        return os.stat(file)
    except OSError:
        return None


class ParseCache:
    """A map from record file to its parsed data, stored as one cache file (None: kept in memory only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.key = filecache.key()
        stored = filecache.read(path, self.key) if path is not None else None
        self.entries: dict[str, Entry] = stored or {}
        """What the cache file held."""
        self.used: dict[str, Entry] = {}
        """What this run read from the files or the cache and would keep: the next cache file."""
        self.seen: set[str] = set()
        self.changed = False
        """True when `used` holds what the cache file lacks: a file parsed, a verdict noted."""

    def parse_all(
        self, files: Sequence[str | Path], stats: Mapping[str, os.stat_result] | None = None
    ) -> list[Any | yamlread.YamlProblems]:
        """The data in each file (or its problems), from the cache where unchanged.

        `stats` may hold files' stats taken just before (a file not in it is stat'ed here).
        Files that must be parsed are shared among the machine's cores when there are many.
        """
        stats = stats or {}
        results: list[Any | yamlread.YamlProblems] = [None] * len(files)
        misses: list[tuple[int, str, os.stat_result | None]] = []
        for i, file in enumerate(files):
            key = str(file)
            self.seen.add(key)
            stat = stats.get(key) or _stat(key)
            hit = self.entries.get(key)
            if hit is not None and stat is not None and hit[0] == filecache.stamp(stat):
                self.used[key] = hit
                results[i] = hit[1]
            else:
                misses.append((i, key, stat))
        parsed = fork_map(_parse, [key for _, key, _ in misses], PARALLEL_MIN)
        now = time.time_ns()
        for (i, key, stat), result in zip(misses, parsed, strict=True):
            results[i] = result
            if stat is None or isinstance(result, yamlread.YamlProblems) or filecache.racy(stat.st_mtime_ns, now):
                continue
            self.used[key] = (filecache.stamp(stat), result, False)
            self.changed = True
        return results

    def clean(self, file: str) -> bool:
        """True when `file`'s record, as it is now, was scanned before and held no secret."""
        entry = self.used.get(file)
        return entry is not None and entry[2]

    def mark_clean(self, files: Iterable[str]) -> None:
        """Note that these files' records hold no secret (files too recent to keep are not noted)."""
        for file in files:
            entry = self.used.get(file)
            if entry is not None and not entry[2]:
                self.used[file] = (entry[0], entry[1], True)
                self.changed = True

    def save(self) -> None:
        """Store what this run used if it holds something new or a stored file is gone; never
        fails the run. A file left out only for being too recent is no reason to rewrite: its
        stored entry, if any, has another stamp and so is never used."""
        if self.path is None or not (self.changed or not self.entries.keys() <= self.seen):
            return
        filecache.write(self.path, self.key, self.used)
        self.entries, self.changed = dict(self.used), False
