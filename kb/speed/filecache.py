"""The one owner of kb's file caches: the key every entry is kept under, the racy window, the
stamp a file is known by, and the one format of a cache file.

Every answer a cache keeps depends on more than the files it stamps: on kb's code, on the
libraries that parse, validate and render, and on settings. So every cache is kept under `key`:
kb's version, a digest of every Python file of kb, Python's version, the versions of PyYAML,
pydantic, Jinja2 and MkDocs, and the settings its caller names. A cache file written under
another key or format is not read, and the next write replaces it. A file is known by its
`stamp` (mtime, size, inode, ctime): an in-place edit of the same size whose mtime was put back
(`touch -r`) still moves the ctime. A file modified within `RACY_NS` of now is not trusted to
keep its stamp (git's "racily clean" rule): the file-system clock is coarse, so another edit
within the same tick would leave the same stamp. As in git, the mtime tells what is recent.

Standard library only, and cheap, since `kb search` keys its index here: the versions are read
from the names of the installed distributions' metadata folders, without importing a package,
and the code digest is computed once per process. With KB_NO_SPEED set (kb.speed.enabled),
`read` finds nothing and `write` stores nothing.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any

from kb import __version__
from kb.speed import enabled
from kb.store.atomic import replace_atomic_bytes

FORMAT = 1
"""The layout of a cache file: a header line naming this format and the key, then marshal data."""
RACY_NS = 2_000_000_000
"""How recently modified a file must not be for its stamp to stand for its content."""
DEPENDENCIES = ("PyYAML", "pydantic", "Jinja2", "mkdocs")
"""The libraries whose versions can change what kb parses, validates or renders."""
PACKAGE = Path(__file__).resolve().parent.parent

Stamp = tuple[int, int, int, int]
"""A file's (mtime_ns, size, inode, ctime_ns)."""


def stamp(stat: os.stat_result) -> Stamp:
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_ctime_ns)


def racy(mtime_ns: int, now_ns: int) -> bool:
    """True when a file last modified at `mtime_ns` could still change without changing its stamp."""
    return mtime_ns > now_ns - RACY_NS


def _python_files(folder: str, prefix: str = "") -> list[tuple[str, str]]:
    """(path relative to the package, path) of every Python file under `folder`."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith(".py") and entry.is_file():
                found.append((prefix + entry.name, entry.path))
            elif entry.is_dir() and entry.name != "__pycache__":
                found += _python_files(entry.path, f"{prefix}{entry.name}/")
    return found


@functools.cache
def code_digest() -> str:
    """A digest of every Python file of kb, by path and content (a few milliseconds, once a process)."""
    digest = hashlib.sha256()
    for relative, path in sorted(_python_files(str(PACKAGE))):
        with open(path, "rb") as handle:
            code = handle.read()
        digest.update(f"{relative}\0{len(code)}\0".encode())
        digest.update(code)
    return digest.hexdigest()


def _project(name: str) -> str:
    """A distribution's name as its metadata folder spells it, in any case (PEP 503, with `_`)."""
    return name.lower().replace("-", "_").replace(".", "_")


@functools.cache
def versions() -> tuple[str, ...]:
    """`NAME VERSION` of each of DEPENDENCIES as the import system finds it (`NAME -` if not at
    all), read from the `NAME-VERSION.dist-info` (or `.egg-info`) folders on sys.path (but not
    the working folder, "" there, which an install never is)."""
    wanted = {_project(name): name for name in DEPENDENCIES}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry)) if entry else []
        except OSError:
            continue
        for folder in names:
            stem, _, suffix = folder.rpartition(".")
            project, _, version = stem.partition("-")
            if suffix in ("dist-info", "egg-info") and _project(project) in wanted:
                found.setdefault(_project(project), version.split("-")[0])
    return tuple(f"{name} {found.get(project, '-')}" for project, name in wanted.items())


def key(*settings: str) -> str:
    """The key of a cache whose entries depend on `settings` as well as on kb and its libraries."""
    facts = (__version__, code_digest(), sys.version, *versions(), *settings)
    return hashlib.sha256("\0".join(facts).encode("utf-8", "surrogateescape")).hexdigest()


def _header(key: str) -> bytes:
    return f"kb cache {FORMAT} {key}\n".encode()


def read(path: Path, key: str) -> Any:
    """What `write` stored at `path` under `key`; None when there is none (no file, another key or
    format, a corrupt file) or caches are off."""
    if not enabled():
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header = _header(key)
    if not data.startswith(header):
        return None
    try:
        return marshal.loads(memoryview(data)[len(header) :])
    except (EOFError, ValueError, TypeError):
        return None


def write(path: Path, key: str, data: Any) -> None:
    """Store `data` (built-in values only, as marshal takes) at `path` under `key`, atomically,
    unless caches are off. Never fails: a cache that cannot be written only costs time."""
    if not enabled():
        return
    with contextlib.suppress(OSError):
        replace_atomic_bytes(path, _header(key) + marshal.dumps(data), durable=False)
