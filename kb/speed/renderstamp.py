"""The render stamp: proof, from stat data alone, that the outputs are what the records give.

After a render or check, kb saves a fingerprint of everything rendering reads (record files,
templates, kb.toml, the extra context, the tips of each configured repository's history) with a
hash of each output it produced, under the cache key of kb's code and libraries and the output
folder. When the fingerprint still matches and every output still has its hash, nothing can
have changed, so `kb render --check` answers without loading a record. Inputs modified in the
racy window before the save are not trusted (git's "racily clean" rule): no stamp is written then.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from stat import S_ISREG
from typing import Any, NamedTuple

from kb.check.diagnostics import Diagnostic
from kb.gitlink.tips import tips
from kb.speed import filecache
from kb.store import tempfiles
from kb.store.config import CONFIG_NAME, Config
from kb.store.layout import default_templates

STAMP_FILE = "render-stamp.marshal"


def _walk(folder: Path) -> Iterator[tuple[os.DirEntry[str], os.stat_result]]:
    """Every file under `folder` with its stat, depth first, in name order; one without a stat
    (a symbolic link loop) is left out, and loading the records reports it. Temporary files a
    killed kb left are swept on the way (kb.store.tempfiles)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    hidden = [entry.name for entry in entries if entry.name.startswith(".")]
    if hidden:
        tempfiles.sweep(folder, hidden)
    for entry in entries:
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path))
            continue
        try:
            stat = entry.stat()
        except OSError:
            continue
        if S_ISREG(stat.st_mode):
            yield entry, stat


class Inputs(NamedTuple):
    """What a render reads, as seen once at its start."""

    digest: str
    """A digest of every input (paths and stamps, kb.toml, repository tips, the extra context)."""
    newest: int
    """The newest input mtime, in ns (to spot racy files)."""
    stats: dict[str, os.stat_result]
    """Each input file's stat by path, so that loading need not stat the records again."""


def fingerprint(config: Config, extra: Mapping[str, Any] | None) -> Inputs:
    """Every input of a render, seen through one stat per file and one `git` call per repository."""
    digest = hashlib.sha256(json.dumps(extra or {}, sort_keys=True, default=str).encode())
    newest = 0
    stats: dict[str, os.stat_result] = {}
    for folder in (config.records, config.templates, default_templates()):
        digest.update(f"\0{folder}".encode())
        for entry, stat in _walk(folder):
            stats[entry.path] = stat
            newest = max(newest, stat.st_mtime_ns)
            digest.update(f"{entry.path}\0{filecache.stamp(stat)}\n".encode())
    digest.update((config.root / CONFIG_NAME).read_bytes())
    digest.update(" ".join(sorted(config.ignore)).encode())  # kb.toml's with this run's --ignore
    for repo in config.repositories:
        digest.update(f"\0{repo.name}\0{repo.path}\0{tips(repo.path)}".encode())
    return Inputs(digest.hexdigest(), newest, stats)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _key(base: Path) -> str:
    return filecache.key("render stamp", str(base.resolve()))


def current(config: Config, base: Path, digest: str) -> tuple[list[str], list[Diagnostic]] | None:
    """The outputs and saved warnings when the stamp proves every output under `base` current, else None."""
    saved = filecache.read(config.cache / STAMP_FILE, _key(base))
    if saved is None or saved["fingerprint"] != digest:
        return None
    outputs: dict[str, str] = saved["outputs"]
    for relative, expected in outputs.items():
        if file_hash(base / relative) != expected:
            return None
    return sorted(outputs), [Diagnostic.from_json(d) for d in saved["warnings"]]


def save(
    config: Config, base: Path, digest: str, newest: int, outputs: Mapping[str, str], warnings: list[Diagnostic]
) -> None:
    """Record what these inputs render to, unless an input is too new to trust its mtime."""
    if filecache.racy(newest, time.time_ns()):
        return
    stamp = {
        "fingerprint": digest,
        "outputs": {relative: text_hash(text) for relative, text in outputs.items()},
        "warnings": [d.as_json() for d in warnings],
    }
    filecache.write(config.cache / STAMP_FILE, _key(base), stamp)
