"""Reading what a person hands kb (a draft, JSON, a report, kubectl's output, kb.toml) within a limit.

A path may name a device or a pipe that never ends (`--from /dev/zero`) or a sparse file of many
gigabytes: a regular file larger than the limit is refused before a byte is read, and no more
than the limit is ever read from anything. The errors are OSErrors naming the input, as reading
it would raise, so every caller reports them as it reports a file it cannot open. Standard
library only: kb.toml is read this way, and `kb search` reads kb.toml.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path
from typing import BinaryIO

MiB = 1024 * 1024
STDIN = "-"


def _too_large(name: str, limit: int) -> OSError:
    return OSError(errno.EFBIG, f"larger than the {limit // MiB or 1} MiB kb reads from one input", name)


def read_bytes(source: str | Path, limit: int) -> bytes:
    """The bytes of `source` (a path, or "-" for standard input), at most `limit` of them."""
    name = str(source)
    if name == STDIN:
        return _bounded(sys.stdin.buffer, "<stdin>", limit)
    with open(name, "rb") as stream:
        info = os.fstat(stream.fileno())
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise _too_large(name, limit)
        return _bounded(stream, name, limit)


def _bounded(stream: BinaryIO, name: str, limit: int) -> bytes:
    chunks, left = [], limit + 1
    while left > 0:
        chunk = stream.read(min(left, MiB))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    if left <= 0:
        raise _too_large(name, limit)
    return b"".join(chunks)


def read_text(source: str | Path, limit: int) -> str:
    """`read_bytes` decoded as UTF-8; text that is not UTF-8 is an OSError (EILSEQ) saying where."""
    raw = read_bytes(source, limit)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        name = "<stdin>" if str(source) == STDIN else str(source)
        raise OSError(errno.EILSEQ, f"not UTF-8 text: {err.reason} at byte {err.start}", name) from None
