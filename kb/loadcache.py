"""Loading the knowledge base without parsing unchanged files again.

Parsed records are kept in the cache folder (`.kb-cache/records.pickle`), each under its file's
size, mtime and inode, the way git's index trusts stat data. A file changed since is parsed
again; files touched in the last seconds before a save are not cached (git's "racily clean"
rule), and any change to kb's record code drops the whole cache. The cache holds only what
the files say, so deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

from kb import models, store, yamlio
from kb.config import Config
from kb.models import KINDS
from kb.store import KnowledgeBase, load_entry, record_files, relative

CACHE_FILE = "records.pickle"
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
        with path.open("rb") as handle:
            saved = pickle.load(handle)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return {}
    if not isinstance(saved, dict) or saved.get("key") != key:
        return {}
    files: dict[str, Any] = saved.get("files", {})
    return files


def _write(path: Path, key: str, files: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temp.open("wb") as handle:
            pickle.dump({"key": key, "files": files}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, path)
    except OSError:
        temp.unlink(missing_ok=True)  # a cache that cannot be written is only slower


def load(config: Config) -> KnowledgeBase:
    """The same knowledge base as `kb.store.load`, parsing only the files changed since the last run."""
    key = _code_key()
    cache_path = config.cache / CACHE_FILE
    cached = _read(cache_path, key)
    fresh: dict[str, Any] = {}
    kb = KnowledgeBase(config, {kind: [] for kind in KINDS})
    changed = False
    for kind, path in record_files(config):
        file = relative(config, path)
        stamp = _stamp(path.stat())
        hit = cached.get(file)
        if hit is not None and hit[0] == stamp:
            entry, problems = hit[1], hit[2]
        else:
            entry, problems = load_entry(KINDS[kind], path, file)
            changed = True
        fresh[file] = (stamp, entry, problems)
        kb.problems.extend(problems)
        if entry is not None:
            kb.entries[kind].append(entry)
    if changed or fresh.keys() != cached.keys():
        racy = time.time_ns() - RACY_NS
        _write(cache_path, key, {f: v for f, v in fresh.items() if v[0][1] < racy})
    return kb
