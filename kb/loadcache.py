"""Loading the knowledge base without parsing unchanged YAML files again.

The parsed YAML of each valid record (plain values and their positions) is kept in the cache
folder (`.kb-cache/records.marshal`) under its file's size, mtime and inode, the way git's
index trusts stat data; the models are validated from it again, which is fast. A file changed
since is parsed again; files touched in the last seconds before a save are not cached (git's
"racily clean" rule), and any change to kb's record code drops the whole cache. The cache
holds only what the files say, so deleting it is always safe. marshal, not pickle: plain data
only, so a tampered cache file cannot run code.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kb import models, store, yamlio
from kb.config import Config
from kb.models import KINDS
from kb.store import Entry, KnowledgeBase, load_entry, relative

CACHE_FILE = "records.marshal"
RACY_NS = 2_000_000_000
"""Files modified this close to the save are parsed again next time: their mtime cannot be trusted yet."""

Stamp = tuple[int, int, int]


def _code_key() -> str:
    """Changes whenever the code that turns a file into a record changes."""
    digest = hashlib.sha256(sys.version.encode())
    for module in (models, store, yamlio):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


def _stamp(stat: os.stat_result) -> Stamp:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)


def _read(path: Path, key: str) -> dict[str, Any]:
    try:
        saved = marshal.loads(path.read_bytes())
    except (OSError, EOFError, TypeError, ValueError):
        return {}
    if not isinstance(saved, dict) or saved.get("key") != key:
        return {}
    files: dict[str, Any] = saved.get("files", {})
    return files


def _write(path: Path, key: str, files: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_bytes(marshal.dumps({"key": key, "files": files}))
        os.replace(temp, path)
    except OSError:
        temp.unlink(missing_ok=True)  # a cache that cannot be written is only slower


def _listing(config: Config) -> Iterator[tuple[str, str, str]]:
    """(kind, absolute path, path relative to the root) of every record file, as `store.record_files` orders them.

    Plain strings: at tens of thousands of files, pathlib's object overhead costs more than parsing.
    """
    for kind, model in KINDS.items():
        folder = config.records / model.folder
        prefix = relative(config, folder)
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name.endswith(store.SUFFIXES) and not name.startswith("."):
                yield kind, os.path.join(folder, name), os.path.join(prefix, name)


def load(config: Config) -> KnowledgeBase:
    """The same knowledge base as `kb.store.load`, parsing only the files changed since the last run."""
    key = _code_key()
    cache_path = config.cache / CACHE_FILE
    cached = _read(cache_path, key)
    fresh: dict[str, Any] = {}
    kb = KnowledgeBase(config, {kind: [] for kind in KINDS})
    changed = False
    for kind, path, file in _listing(config):
        stamp = _stamp(os.stat(path))
        hit = cached.get(file)
        entry: Entry | None = None
        if hit is not None and hit[0] == stamp:
            loaded = yamlio.Loaded(hit[1], hit[2])
            entry = Entry(KINDS[kind].model_validate(loaded.data), file, loaded)
        else:
            changed = True
            entry, problems = load_entry(KINDS[kind], Path(path), file)
            kb.problems.extend(problems)
        if entry is not None:
            kb.entries[kind].append(entry)
            fresh[file] = (stamp, entry.loaded.data, entry.loaded.positions)
    if changed or fresh.keys() != cached.keys():
        racy = time.time_ns() - RACY_NS
        _write(cache_path, key, {f: v for f, v in fresh.items() if v[0][1] < racy})
    return kb
