"""Writing files so that nothing is lost: atomic replacement and exclusive creation."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _temp_beside(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
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
