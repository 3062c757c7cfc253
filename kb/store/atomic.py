"""Writing files so that nothing is lost: atomic replacement and exclusive creation.

Every write here is atomic: a reader sees the old file or the new one, never a mix, and a file
to create is complete or absent, never over an existing one. Each caller also says whether the
write must survive a power cut or a kernel crash (`durable`):

- durable, for what people wrote or asked kb to record (record files, drafts, kb.toml): each
  file is flushed to disk (fsync) before it is moved into place, then each folder once, after
  the moves, so that the new names are on disk too.
- not durable, for what kb makes again from those (rendered documents, the site, caches): no
  flush; the system writes them back in its own time. After a power cut such a file may be the
  old one, empty or missing, which the next run tells (a render compares its outputs' content,
  a cache that does not read is a miss) and writes again.

Nothing here flushes the whole machine (`sync`), which would wait for every other program's
writes too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

_TRIES = 100
FLUSHING_THREADS = 8
"""Files a batch flushes at once (4 to 32 measured alike)."""


def _temp_beside(path: Path, data: bytes, mode: int | None, durable: bool) -> Path:
    """A new hidden file next to `path` holding `data`, flushed to disk when `durable`.

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
            if durable:
                os.fsync(handle.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def _flush_files(paths: Sequence[Path]) -> None:
    """fsync each file, several at a time: the file system then commits them together (a first
    `kb link` writing 1,020 records took 1.5 s so, 2.0 s flushing one file after another)."""
    from concurrent.futures import ThreadPoolExecutor

    def flush(path: Path) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    with ThreadPoolExecutor(FLUSHING_THREADS) as pool:
        list(pool.map(flush, paths))


def _sync_folders(paths: Iterable[Path]) -> None:
    """Flush each folder holding one of `paths` once, so the names moved into it are on disk."""
    for folder in sorted({path.parent for path in paths}):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def create_exclusive(path: Path, text: str, *, durable: bool) -> None:
    """Write a new file in one step; raise FileExistsError rather than touch an existing one."""
    temp = _temp_beside(path, text.encode("utf-8"), None, durable)
    try:
        os.link(temp, path)  # atomic, and fails if `path` exists
    finally:
        temp.unlink()
    if durable:
        _sync_folders([path])


def create_exclusive_all(files: Sequence[tuple[Path, str]], *, durable: bool) -> None:
    """Create many new files, flushing each folder once rather than once per file (an import's records)."""
    write_batch(files, (), durable=durable)


def write_batch(created: Sequence[tuple[Path, str]], replaced: Sequence[tuple[Path, str]], *, durable: bool) -> None:
    """Create and replace many files, flushing each folder once rather than once per file.

    Each file keeps the guarantees of `create_exclusive` (complete or absent, never over an
    existing file) or `replace_atomic` (old or new text, never a mix): every file is written
    beside its place (and, when `durable`, flushed, several at a time), then each is moved into
    place, then (when `durable`) each folder is flushed. If any file to create exists already,
    nothing is written.
    """
    for path, _ in created:
        if path.exists():
            raise FileExistsError(f"{path} already exists")
    temps: list[tuple[Path, Path, bool]] = []
    try:
        for path, text in created:
            temps.append((_temp_beside(path, text.encode("utf-8"), None, False), path, True))
        for path, text in replaced:
            mode = path.stat().st_mode & 0o7777 if path.exists() else None
            temps.append((_temp_beside(path, text.encode("utf-8"), mode, False), path, False))
        if durable:
            _flush_files([temp for temp, _, _ in temps])
        for temp, path, exclusive in temps:
            if exclusive:
                os.link(temp, path)
            else:
                os.replace(temp, path)
    finally:
        for temp, _, _ in temps:
            temp.unlink(missing_ok=True)
    if durable:
        _sync_folders(path for _, path, _ in temps)


def replace_atomic(path: Path, text: str, *, durable: bool) -> None:
    """Replace a file's content so that readers see the old or the new text, never a mix."""
    replace_atomic_bytes(path, text.encode("utf-8"), durable=durable)


def replace_atomic_bytes(path: Path, data: bytes, *, durable: bool) -> None:
    """`replace_atomic` for bytes; the file keeps its permissions."""
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    temp = _temp_beside(path, data, mode, durable)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if durable:
        _sync_folders([path])
