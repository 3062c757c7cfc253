"""Cache files (kb.speed.filecache) opened up by tests: their data read and rewritten under their own header."""

from __future__ import annotations

import marshal
from collections.abc import Callable
from pathlib import Path
from typing import Any


def data(path: Path) -> Any:
    """The data a cache file holds, whatever its key."""
    return marshal.loads(path.read_bytes().partition(b"\n")[2])


def rewrite(path: Path, change: Callable[[Any], Any]) -> None:
    """Replace a cache file's data with `change(data)`, keeping its header (format and key), so
    the file is used as before: what a test plants there shows whether the cache was read."""
    header, _, body = path.read_bytes().partition(b"\n")
    path.write_bytes(header + b"\n" + marshal.dumps(change(marshal.loads(body))))
