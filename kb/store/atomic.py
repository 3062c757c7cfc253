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
writes too. The temporary files are kb.store.tempfiles': a kb killed mid-write leaves one behind,
under a name the next run recognises and sweeps.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from kb.store import tempfiles

FLUSHING_THREADS = 8
"""Files a batch flushes at once (4 to 32 measured alike)."""


def _temp_beside(path: Path, data: bytes, mode: int | None, durable: bool) -> Path:
    """A new temporary file next to `path` holding `data`, flushed to disk when `durable`.

    The caller holds `tempfiles.writing` on the folder. A new file gets the usual umask mode
    (see `tempfiles.create_beside`), and `mode` keeps a replaced file's own.
    """
    fd, name = tempfiles.create_beside(path)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
    except BaseException as err:
        os.unlink(name)
        if isinstance(err, OSError) and err.filename is None:
            err.filename = str(path)  # a full disk says so of the file it was writing
        raise
    return name


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


def _folders(paths: Iterable[Path]) -> set[Path]:
    """The folders of `paths`, made where missing."""
    folders = {path.parent for path in paths}
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return folders


def _mode(path: Path) -> int | None:
    """A file's permission bits, kept when it is replaced; None when there is no file."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return None


def create_exclusive(path: Path, text: str, *, durable: bool) -> None:
    """Write a new file in one step; raise FileExistsError rather than touch an existing one."""
    with tempfiles.writing(_folders([path])):
        temp = _temp_beside(path, text.encode("utf-8"), None, durable)
        try:
            os.link(temp, path)  # atomic, and fails if `path` exists
        finally:
            temp.unlink()
    if durable:
        _sync_folders([path])


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
            raise FileExistsError(errno.EEXIST, "already exists", str(path))
    temps: list[tuple[Path, Path, bool]] = []
    with tempfiles.writing(_folders([path for path, _ in (*created, *replaced)])):
        try:
            for path, text in created:
                temps.append((_temp_beside(path, text.encode("utf-8"), None, False), path, True))
            for path, text in replaced:
                temps.append((_temp_beside(path, text.encode("utf-8"), _mode(path), False), path, False))
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
    with tempfiles.writing(_folders([path])):
        temp = _temp_beside(path, data, _mode(path), durable)
        try:
            os.replace(temp, path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    if durable:
        _sync_folders([path])
