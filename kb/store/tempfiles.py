"""kb's temporary files: a name anyone can tell, and the sweep that removes those a killed kb left.

Every atomic write (kb/store/atomic.py) writes a temporary file beside its target and then moves
it into place, so a kb killed in between leaves the temporary file behind. Its name says whose it
is: `.NAME.XXXXXXXX.kb-tmp` (NAME shortened to fit the file system's 255 bytes), a dotfile that
`kb init`'s .gitignore ignores (`*.kb-tmp`).

Which of them are left behind: a writer holds a shared lock (flock) on the folder from before it
creates a temporary file there until the file is moved or removed, and the kernel lets go of it
when the writer ends, however it ends (SIGKILL too). `sweep` removes temporary files only while it
holds the folder's exclusive lock, which it takes without waiting: when another kb is writing
there it sweeps nothing this time. So it never removes a file a running kb is still writing, and
it removes only regular files with kb's temporary name.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

SUFFIX = ".kb-tmp"
GITIGNORE = f"*{SUFFIX}"
"""The .gitignore line that keeps them out of commits."""
NAME_BYTES = 200
"""Most of a target's name kept in its temporary file's name: with the dot, the random part and
the suffix it stays within the 255 bytes of a file name."""
_TRIES = 100


def is_temporary(name: str) -> bool:
    """True for a file name kb gives its temporary files."""
    return name.startswith(".") and name.endswith(SUFFIX)


def target_of(path: str) -> str:
    """The file a temporary file was written for (its name as far as the temporary name kept it)."""
    folder, name = os.path.split(path)
    return os.path.join(folder, name[1:].removesuffix(SUFFIX).rpartition(".")[0])


def _short(name: str) -> str:
    """`name`, cut to NAME_BYTES bytes of UTF-8 without splitting a character."""
    return name.encode("utf-8", "surrogateescape")[:NAME_BYTES].decode("utf-8", "ignore")


def create_beside(path: Path) -> tuple[int, Path]:
    """A new temporary file in `path`'s folder, open for writing: its descriptor and path.

    The caller holds `writing` on the folder. The file gets the usual umask mode (os.open rather
    than tempfile.mkstemp, whose files are private to their owner)."""
    stem = _short(path.name)
    for _ in range(_TRIES):
        name = path.parent / f".{stem}.{os.urandom(4).hex()}{SUFFIX}"
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path))  # pragma: no cover - 100 clashes


def _folder(path: Path) -> int | None:
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None


@contextmanager
def writing(folders: Iterable[Path]) -> Iterator[None]:
    """Hold a shared lock on each folder while temporary files are written there, so no sweep
    takes them for left behind. A folder that cannot be opened or locked is written unlocked:
    a sweep could not list it either."""
    with ExitStack() as stack:
        for folder in sorted(set(folders)):
            fd = _folder(folder)
            if fd is None:
                continue
            stack.callback(os.close, fd)
            try:
                fcntl.flock(fd, fcntl.LOCK_SH)  # waits only for a sweep, which takes milliseconds
            except OSError:
                continue
        yield


def sweep(folder: Path | str, names: Iterable[str] | None = None) -> list[str]:
    """Remove the temporary files a killed kb left in `folder` (not below it); the names removed.

    `names` are the folder's entries when the caller has just listed it. Sweeps nothing while
    another kb writes in the folder, and never fails: a file it cannot remove stays for the next run.
    """
    candidates = [name for name in names if is_temporary(name)] if names is not None else None
    if candidates == []:
        return []
    fd = _folder(Path(folder))
    if fd is None:
        return []
    removed = []
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        for name in candidates if candidates is not None else filter(is_temporary, os.listdir(fd)):
            try:
                if stat.S_ISREG(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode):
                    os.unlink(name, dir_fd=fd)
                    removed.append(name)
            except OSError:
                continue
    except OSError:  # another kb is writing here (or the folder cannot be locked or listed)
        pass
    finally:
        os.close(fd)
    return removed


def sweep_folders(folders: Iterable[Path]) -> list[Path]:
    """`sweep` each folder that exists; the paths removed."""
    return [Path(folder, name) for folder in sorted(set(folders)) for name in sweep(folder)]


def subfolders(folder: Path, skip: Path) -> list[Path]:
    """The folders in `folder` but `skip`; none when it cannot be listed."""
    try:
        return [Path(entry.path) for entry in os.scandir(folder) if entry.is_dir() and entry.path != str(skip)]
    except OSError:
        return []
