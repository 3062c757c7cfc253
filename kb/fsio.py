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
    """Create many new files with one flush to disk instead of one per file (an import's records).

    Each file keeps `create_exclusive`'s guarantees (complete or absent, never an overwrite):
    all are written beside their places, one `os.sync` makes them durable, then each is linked
    into place. If any target exists already, nothing is written.
    """
    for path, _ in files:
        if path.exists():
            raise FileExistsError(f"{path} already exists")
    temps: list[tuple[Path, Path]] = []
    try:
        for path, text in files:
            temps.append((_temp_beside(path, text.encode("utf-8"), sync=False), path))
        os.sync()
        for temp, path in temps:
            os.link(temp, path)
    finally:
        for temp, _ in temps:
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
