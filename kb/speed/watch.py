"""The record files of a records folder, kept current by Linux inotify instead of listed anew.

A search spends most of its time listing the kind folders and stating every record file to see
what changed. A long-lived process (the kb daemon) keeps a `WatchedListing` per records folder
and hands `current()` to the search it forks (the `listing` that kb.fulltext.index.sync takes),
which then skips the listing. Only names that had an event since the last call are stated again.

inotify queues an event inside the writer's own system call, so every change finished before
`current()` is read by it. What a folder watch cannot see makes the listing fall back to a full
scan, on every call while it lasts: a record file that is a symbolic link (its target's edits
raise no event in the folder) or has other hard links (edits through another name neither), a
kind folder that is a symbolic link, a lost event (queue overflow), a watch that could not be
set (limits, permissions), and any change to the records folder or a kind folder itself (created,
deleted, renamed, the path now leading to another folder, which is checked on every call with
one stat per folder). What no event tells: writes through a shared memory mapping (until the
writer closes the file), a hard link to a record file made from outside the records folder
after the watch started and then written through, and changes made by another machine on a
network file system; where those happen, search without a watch.

Standard library only (ctypes); imported by the daemon, never by a plain `kb search`.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import stat
import struct
from contextlib import suppress
from pathlib import Path

from kb.fulltext.index import OnDisk, folder_fd, list_records, manifest, stat_names
from kb.store.layout import FOLDERS

# From <sys/inotify.h>.
IN_MODIFY = 0x2
IN_ATTRIB = 0x4
IN_CLOSE_WRITE = 0x8
IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_ONLYDIR = 0x1000000

_SELF = IN_DELETE_SELF | IN_MOVE_SELF
RECORDS_MASK = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | _SELF | IN_ONLYDIR
"""On the records folder: kind folders appearing, going, renamed; the folder itself going."""
KIND_MASK = RECORDS_MASK | IN_MODIFY | IN_CLOSE_WRITE
"""On a kind folder: also files written (IN_CLOSE_WRITE too, the one event a writer through a
memory mapping may raise)."""
RESCAN = IN_Q_OVERFLOW | IN_IGNORED | _SELF
"""Events after which the watches themselves are in doubt."""
ADDED = IN_CREATE | IN_MOVED_TO
"""Events that add a name, which may change the folder's listing order."""

_EVENT = struct.Struct("iIII")
"""struct inotify_event: wd, mask, cookie, len, then `len` bytes of NUL-padded name."""

Identity = tuple[int, int] | None
"""A folder's (st_dev, st_ino), or None when absent."""


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _libc_call(name: str, *args: int | bytes) -> int:
    """Call an inotify function of the C library; OSError on failure or when there is none."""
    try:
        function = getattr(_libc(), name)
    except (OSError, AttributeError):
        raise OSError(errno.ENOSYS, f"{name} is not available on this system") from None
    result = int(function(*args))
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{name}: {os.strerror(code)}")
    return result


class WatchedListing:
    """The record files of one records folder exactly as `index._scan` lists them, kept current
    by inotify. `current()` falls back to a full scan whenever the watch cannot be trusted (see
    the module docstring): symbolic links or hard links among the record files, a symbolic link
    as a kind folder, lost events, watches that could not be set.

    Call `current()` in the watching process itself, before forking a search: a forked child
    shares the inotify descriptor, and reading it there would take the events from the parent.
    Not thread-safe."""

    def __init__(self, records: Path) -> None:
        """Watch `records` and list it; OSError when inotify is unavailable or the folder
        cannot be watched (not Linux, a watch or instance limit, no such folder)."""
        self.records = records
        self.rescans = 0
        """Full scans so far, the first included."""
        self._kind_paths = [records / folder for folder in FOLDERS.values()]
        self._fd = -1
        self._wds: dict[int, str | None] = {}
        """Each watch descriptor to its kind folder's kind, or None for the records folder."""
        self._identity: list[Identity] = []
        self._folders: dict[str, OnDisk] = {}
        self._manifest = b""
        self._trusted = False
        try:
            self._watch()
        except OSError:
            self.close()
            raise
        self._list()

    def current(self) -> tuple[OnDisk, bytes]:
        """What `index._scan(records)` would return now: every record file and the manifest
        (in the same order, so the manifest bytes match too)."""
        if not (self._trusted and self._catch_up()):
            self.close()
            with suppress(OSError):  # then not trusted: the next call scans again and retries
                self._watch()
            self._list()
        found: OnDisk = {}
        for kind in FOLDERS:
            found.update(self._folders[kind])
        if not self._manifest:
            self._manifest = manifest(found)
        return found, self._manifest

    def close(self) -> None:
        """Stop watching (the listing is then rebuilt by the next `current()`)."""
        self._trusted = False
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _watch(self) -> None:
        """A new inotify instance watching the records folder and each kind folder in it. The
        watches come before the scan, so no change is missed between the two."""
        self._fd = _libc_call("inotify_init1", os.O_NONBLOCK | os.O_CLOEXEC)
        self._wds = {}
        identity = [self._add(self.records, None, RECORDS_MASK)]
        for kind, path in zip(FOLDERS, self._kind_paths, strict=True):
            identity.append(self._add(path, kind, KIND_MASK))
        self._identity = identity
        self._trusted = identity == self._identify()  # not when a kind folder is a link or unreadable

    def _add(self, path: Path, kind: str | None, mask: int) -> Identity:
        """Watch the folder at `path` as `kind` (None: the records folder) and return what it is.

        The watch is set on the very folder opened (through /proc/self/fd), so the identity
        returned is that of the watched folder even if the path changes meanwhile."""
        flags = os.O_RDONLY | os.O_DIRECTORY | (os.O_NOFOLLOW if kind else 0)
        try:
            fd = os.open(path, flags)
        except OSError:
            if kind is None:
                raise
            return None  # no such kind folder (or a link, or unreadable: `_identify` tells)
        try:
            st = os.fstat(fd)
            wd = _libc_call("inotify_add_watch", self._fd, f"/proc/self/fd/{fd}".encode(), mask)
        finally:
            os.close(fd)
        if wd in self._wds:
            return None  # one folder under two names (a bind mount): whose event is it? `_identify` tells
        self._wds[wd] = kind
        return st.st_dev, st.st_ino

    def _identify(self) -> list[Identity]:
        """What the records folder and each kind folder's path lead to now (a symbolic link as
        a kind folder is never a watched folder, so it tells apart too)."""
        try:
            st = os.stat(self.records)
            identity: list[Identity] = [(st.st_dev, st.st_ino)]
        except OSError:
            identity = [None]
        for path in self._kind_paths:
            try:
                st = os.lstat(path)
            except OSError:
                identity.append(None)
                continue
            kept = stat.S_ISDIR(st.st_mode) or stat.S_ISLNK(st.st_mode)
            identity.append((st.st_dev, st.st_ino) if kept else None)
        return identity

    def _list(self) -> None:
        """List every folder afresh (a full scan)."""
        self.rescans += 1
        found, untrusted = list_records(self.records)
        self._folders = {kind: {} for kind in FOLDERS}
        for rel, entry in found.items():
            self._folders[entry[0]][rel] = entry
        self._manifest = b""
        if untrusted:
            self._trusted = False

    def _events(self) -> dict[str, dict[str, int]] | None:
        """Each kind's names that had events since the last call, with their event masks; None
        when the watches themselves need setting again."""
        names: dict[str, dict[str, int]] = {}
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                return names
            offset = 0
            while offset < len(data):
                wd, mask, _, size = _EVENT.unpack_from(data, offset)
                offset += _EVENT.size
                name = os.fsdecode(data[offset : offset + size].split(b"\0", 1)[0])
                offset += size
                if mask & RESCAN or wd not in self._wds:
                    return None
                kind = self._wds[wd]
                if kind is None:
                    if not name or name in FOLDERS.values():
                        return None  # the records folder itself or a kind folder changed
                elif not name:
                    return None  # the kind folder itself changed
                else:
                    seen = names.setdefault(kind, {})
                    seen[name] = seen.get(name, 0) | mask

    def _catch_up(self) -> bool:
        """Apply the events since the last call; False when only a full scan will do."""
        names = self._events()
        if names is None or self._identify() != self._identity:
            return False
        self._trusted = False  # until the update is complete: a failure midway leaves a rescan
        untrusted: set[str] = set()
        for kind, seen in names.items():
            folder = FOLDERS[kind]
            found = self._folders[kind]
            with folder_fd(self.records, folder) as fd:
                if fd is None:
                    return False
                if any(mask & ADDED for mask in seen.values()):  # keep the order of a fresh listing
                    listing = os.listdir(fd)
                    fresh = [name for name in listing if name in seen or f"{folder}/{name}" not in found]
                    stat_names(found, untrusted, fd, kind, fresh)
                    self._folders[kind] = {rel: found[rel] for name in listing if (rel := f"{folder}/{name}") in found}
                else:
                    stat_names(found, untrusted, fd, kind, seen)
            self._manifest = b""
        self._trusted = not untrusted
        return True
