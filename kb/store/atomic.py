"""Writing files so that nothing is lost: atomic replacement and exclusive creation."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

_TRIES = 100


def _temp_beside(path: Path, data: bytes, mode: int | None = None, sync: bool = True) -> Path:
    """A new hidden file next to `path` holding `data`, flushed to disk unless `sync` is off.

    Made with os.open rather than tempfile.mkstemp: mkstemp's files are private (0600), which
    would leave new records, and every record `kb close` rewrites, unreadable to the team;
    here a new file gets the usual umask mode, and `mode` keeps a replaced file's own.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(_TRIES):
        name = path.parent / f".{path.name}.{os.urandom(4).hex()}.tmp"
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 clashes of 32 random bits
        raise FileExistsError(f"no free temporary name beside {path}")
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def create_exclusive(path: Path, text: str) -> None:
    """Write a new file in one step; raise FileExistsError rather than touch an existing one."""
    temp = _temp_beside(path, text.encode("utf-8"))
    try:
        os.link(temp, path)  # atomic, and fails if `path` exists
    finally:
        temp.unlink()


def create_exclusive_all(files: Sequence[tuple[Path, str]]) -> None:
    """Create many new files with one flush to disk instead of one per file (an import's records)."""
    write_batch(files, ())


def write_batch(created: Sequence[tuple[Path, str]], replaced: Sequence[tuple[Path, str]]) -> None:
    """Create and replace many files with one flush to disk instead of one per file.

    Each file keeps the guarantees of `create_exclusive` (complete or absent, never over an
    existing file) or `replace_atomic` (old or new text, never a mix): every file is written
    beside its place, one `os.sync` makes them all durable, then each is moved into place.
    If any file to create exists already, nothing is written.
    """
    for path, _ in created:
        if path.exists():
            raise FileExistsError(f"{path} already exists")
    temps: list[tuple[Path, Path, bool]] = []
    try:
        for path, text in created:
            temps.append((_temp_beside(path, text.encode("utf-8"), sync=False), path, True))
        for path, text in replaced:
            mode = path.stat().st_mode & 0o7777 if path.exists() else None
            temps.append((_temp_beside(path, text.encode("utf-8"), mode, sync=False), path, False))
        os.sync()
        for temp, path, exclusive in temps:
            if exclusive:
                os.link(temp, path)
            else:
                os.replace(temp, path)
    finally:
        for temp, _, _ in temps:
            temp.unlink(missing_ok=True)


def replace_atomic(path: Path, text: str) -> None:
    """Replace a file's content so that readers see the old or the new text, never a mix."""
    replace_atomic_bytes(path, text.encode("utf-8"))


def replace_atomic_bytes(path: Path, data: bytes) -> None:
    """`replace_atomic` for bytes; the file keeps its permissions."""
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    temp = _temp_beside(path, data, mode)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
