"""Writing files so that nothing is lost: atomic replacement and exclusive creation."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path


def _temp_beside(path: Path, data: bytes, sync: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
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
    """`replace_atomic` for bytes."""
    temp = _temp_beside(path, data)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
