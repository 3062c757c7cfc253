"""The search index: an SQLite FTS5 file in the cache folder, kept in step with the record files.

`open_index` returns a connection to an index that matches the records on disk right now. It
lists each kind's folder once and stats each file once (most of a search's time: about 3 µs a
file). If the resulting manifest (each file's path and stamp: mtime, size, inode, ctime) equals
the one stored by the last update, nothing changed and no row is read. Otherwise the files whose
entry differs from that manifest (all files, if there is none) have their stamps compared with
what the index stored; only files whose stamp changed are read, and of those only files whose
content hash changed are parsed and re-indexed. Files gone from disk are deleted from the index.
A file modified within the racy window (kb.speed.filecache) of being indexed is re-hashed on the
next search even if its stamp looks the same, because the file-system clock is coarse: a
same-size edit in the same clock tick would otherwise go unseen (git's "racy clean" problem).
With KB_NO_SPEED set (kb.speed.enabled) no stamp is trusted: every file is read and hashed.

A caller that already knows the listing (every record file's kind, mtime_ns and size, and the
manifest made of them) may pass it to `open_index` or `sync`, which then neither list nor stat.

The index is a cache: if it is missing, built under another cache key (kb's code or libraries,
or another records folder: see kb.speed.filecache), or not a database at all, it is deleted and
rebuilt from nothing. Where it cannot be written (a read-only checkout, a full disk, a cache
folder kb may not write) the search runs on a copy in memory: of the index as it is, brought up
to date there, or built there from nothing.
"""

from __future__ import annotations

import errno
import marshal
import os
import sqlite3
import stat
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import NamedTuple

from kb.fulltext.searchdoc import Document, document
from kb.speed import enabled, filecache
from kb.store.layout import FOLDERS, MAX_RECORD_BYTES, SUFFIXES

INDEX_NAME = "search.sqlite3"
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs(
    rowid INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    sha1 TEXT NOT NULL,
    racy INTEGER NOT NULL,
    error TEXT,
    kind TEXT,
    id TEXT,
    title TEXT,
    date TEXT,
    audit TEXT,
    severity TEXT,
    status TEXT,
    confirmations INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX docs_id ON docs(id);
CREATE INDEX docs_error ON docs(path) WHERE error IS NOT NULL;
CREATE INDEX docs_racy ON docs(path) WHERE racy;
CREATE TABLE tags(doc INTEGER NOT NULL, tag TEXT NOT NULL);
CREATE INDEX tags_tag ON tags(tag, doc);
CREATE INDEX tags_doc ON tags(doc);
CREATE TABLE refs(token TEXT NOT NULL, doc INTEGER NOT NULL, own INTEGER NOT NULL);
CREATE INDEX refs_token ON refs(token);
CREATE INDEX refs_short ON refs(substr(token, 1, 7));
CREATE INDEX refs_doc ON refs(doc);
CREATE VIRTUAL TABLE fts USING fts5(title, body, tags, tokenize='porter unicode61');
"""


class SyncStats:
    """What bringing the index up to date did; `indexed` names the files (re-)parsed."""

    def __init__(self) -> None:
        self.unchanged = 0
        self.touched = 0
        self.removed: list[str] = []
        self.indexed: list[str] = []
        self.unreadable: list[str] = []
        self.rebuilt = False
        self.in_memory = ""
        """Why the index could not be written where it is, when the search ran on a copy in memory."""


class FileState(NamedTuple):
    """What the index remembers of a file to tell whether it changed."""

    stamp: filecache.Stamp
    sha1: str
    racy: bool

    def columns(self) -> tuple[int, int, int, int, str, bool]:
        """The values of the docs table's columns mtime_ns, size, ino, ctime_ns, sha1 and racy."""
        return (*self.stamp, self.sha1, self.racy)


def index_path(cache: Path) -> Path:
    return cache / INDEX_NAME


def _key(records: Path) -> str:
    return filecache.key("search index", str(records))


def _connect(path: Path, records: Path) -> sqlite3.Connection:
    """Open the index at `path`, creating its schema when new; DatabaseError if unusable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        conn.execute("PRAGMA synchronous=NORMAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            _create(conn, records)
        elif version != SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"index schema version {version}, expected {SCHEMA_VERSION}")
        stored = conn.execute("SELECT value FROM meta WHERE key = 'key'").fetchone()
        if stored is None or stored[0] != _key(records):
            raise sqlite3.DatabaseError("index was built by other code or for another records folder")
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """A write transaction: one process at a time (others wait up to the connect timeout)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _create(conn: sqlite3.Connection, records: Path) -> None:
    """Create the schema in a new file, unless a concurrent search just did."""
    conn.execute("PRAGMA journal_mode=WAL")
    with _transaction(conn):
        if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
            for statement in _SCHEMA.split(";"):
                conn.execute(statement)
            conn.execute("INSERT INTO meta VALUES ('key', ?)", (_key(records),))
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def _documents(records: Path, files: list[tuple[str, str]]) -> list[Document | str]:
    """The document of each (path, kind), or why it cannot be read (kb validate says more).

    Parsing goes through the store's parser, which spreads a large batch (a first build) over
    the machine's cores; it is imported only when a file changed, as is PyYAML.
    """
    from kb.speed.parsecache import ParseCache
    from kb.store import yamlread

    parsed = ParseCache(None).parse_all([records / rel for rel, _ in files])
    documents: list[Document | str] = []
    for (rel, kind), data in zip(files, parsed, strict=True):
        if isinstance(data, yamlread.YamlProblems):
            documents.append(str(data))
        elif not isinstance(data, dict):
            documents.append(f"a {kind} record is a mapping of fields")
        else:
            documents.append(document(kind, data, Path(rel).stem))
    return documents


OnDisk = dict[str, tuple[str, int, int, int, int]]
"""Each record file's path relative to the records folder, to its kind followed by its stamp
(mtime_ns, size, inode, ctime_ns: see kb.speed.filecache)."""

Listing = tuple[OnDisk, bytes]
"""A records folder's record files (as `list_records` finds them) and their `manifest`."""


@contextmanager
def folder_fd(records: Path, folder: str) -> Iterator[int | None]:
    """A descriptor of a kind's folder, or None when there is no such folder."""
    try:  # by descriptor: each stat then resolves one name, not the whole path
        fd = os.open(records / folder, os.O_RDONLY | os.O_DIRECTORY)
    except (FileNotFoundError, NotADirectoryError):
        yield None
        return
    try:
        yield fd
    finally:
        os.close(fd)


def stat_names(found: OnDisk, untrusted: set[str], fd: int, kind: str, names: Iterable[str]) -> None:
    """Put each of `names` that is a record file of `kind`'s folder (open as `fd`) into `found`
    with its kind and stamp, and take out those that are not (gone, not a regular file).

    A record file is a regular file, after links, named with a suffix of SUFFIXES and not a
    dotfile. Symbolic links and files with other hard links also go into `untrusted`: they can
    change through another path without any change in this folder."""
    folder = FOLDERS[kind]
    for name in names:
        if not name.endswith(SUFFIXES) or name.startswith("."):
            continue
        rel = f"{folder}/{name}"
        try:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                untrusted.add(rel)
                try:
                    st = os.stat(name, dir_fd=fd)
                except FileNotFoundError:
                    raise
                except OSError:  # a link that leads nowhere (a loop): listed by its own stamp, reported unreadable
                    found[rel] = (kind, *filecache.stamp(st))
                    continue
        except FileNotFoundError:  # removed since the listing (or a dangling link)
            found.pop(rel, None)
            continue
        if stat.S_ISREG(st.st_mode):
            found[rel] = (kind, *filecache.stamp(st))
            if st.st_nlink > 1:
                untrusted.add(rel)
        else:
            found.pop(rel, None)


def list_records(records: Path) -> tuple[OnDisk, set[str]]:
    """Every record file, one listing per kind and one stat per file, and the untrusted ones
    (see `stat_names`)."""
    found: OnDisk = {}
    untrusted: set[str] = set()
    for kind, folder in FOLDERS.items():
        with folder_fd(records, folder) as fd:
            if fd is not None:
                stat_names(found, untrusted, fd, kind, os.listdir(fd))
    return found, untrusted


def manifest(found: OnDisk) -> bytes:
    """The listing's facts marshalled, in listing order, to compare with the manifest of the last
    update. marshal format 2 marks no object as shared, so the bytes depend on the listing alone,
    not on what else holds its objects (a watched listing's are held twice); about 1 ms slower
    than the dict in format 4 on 10,000 files, but a watch need not copy its listing to match."""
    return marshal.dumps((list(found), list(found.values())), 2)


def _scan(records: Path) -> Listing:
    """Every record file and the manifest."""
    found = list_records(records)[0]
    return found, manifest(found)


def _delete(conn: sqlite3.Connection, rowid: int) -> None:
    for statement in (
        "DELETE FROM fts WHERE rowid = ?",
        "DELETE FROM tags WHERE doc = ?",
        "DELETE FROM refs WHERE doc = ?",
        "DELETE FROM docs WHERE rowid = ?",
    ):
        conn.execute(statement, (rowid,))


def _insert(conn: sqlite3.Connection, rel: str, state: FileState, parsed: Document | str) -> None:
    if isinstance(parsed, str):
        conn.execute(
            "INSERT INTO docs(path, mtime_ns, size, ino, ctime_ns, sha1, racy, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (rel, *state.columns(), parsed),
        )
        return
    doc = parsed
    rowid = conn.execute(
        "INSERT INTO docs(path, mtime_ns, size, ino, ctime_ns, sha1, racy, kind, id, title, date, audit, severity,"
        " status, confirmations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            rel,
            *state.columns(),
            doc.kind,
            doc.id,
            doc.title,
            doc.date,
            doc.audit,
            doc.severity,
            doc.status,
            doc.confirmations,
        ),
    ).lastrowid
    conn.execute(
        "INSERT INTO fts(rowid, title, body, tags) VALUES (?, ?, ?, ?)",
        (rowid, doc.title, doc.body, " ".join(doc.tags)),
    )
    conn.executemany("INSERT INTO tags VALUES (?, ?)", [(rowid, tag) for tag in doc.tags])
    refs = {(token, 1) for token in doc.own} | {(token, 0) for token in doc.cites if token not in doc.own}
    conn.executemany("INSERT INTO refs VALUES (?, ?, ?)", [(token, rowid, own) for token, own in refs])


def sync(conn: sqlite3.Connection, records: Path, listing: Listing | None = None) -> SyncStats:
    """Bring the index in line with the record files on disk; see the module docstring.

    `listing`, when given, stands in for listing the folders: the caller vouches that it is
    what a scan of `records` would find now.
    Fast path: when the manifest (every file's path and stamp) equals the one stored by the last
    sync and no file was racy then, nothing changed and no row is read. With KB_NO_SPEED set,
    every file is read and hashed instead.
    """
    stats = SyncStats()
    trusted = enabled()
    on_disk, manifest = listing if listing is not None else _scan(records)
    stored_manifest = conn.execute("SELECT value FROM meta WHERE key = 'manifest'").fetchone()
    racy = conn.execute("SELECT EXISTS(SELECT 1 FROM docs WHERE racy)").fetchone()[0]
    if trusted and stored_manifest == (manifest,) and not racy:
        stats.unchanged = len(on_disk)
    else:
        with _transaction(conn):  # rows and manifest change together
            # read again under the write lock: another search may have updated both meanwhile
            stored_manifest = conn.execute("SELECT value FROM meta WHERE key = 'manifest'").fetchone()
            previous = _listing(stored_manifest[0]) if stored_manifest and trusted else None
            complete = _update(conn, records, on_disk, stats, previous, trusted)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('manifest', ?)", (manifest if complete else b"",))
    stats.unreadable = [row[0] for row in conn.execute("SELECT path FROM docs WHERE error IS NOT NULL ORDER BY path")]
    return stats


def _listing(stored: bytes) -> OnDisk | None:
    """The listing a stored manifest was made from; None if it is empty or not one."""
    try:
        loaded = marshal.loads(stored)
    except (EOFError, ValueError, TypeError):
        return None
    if not (isinstance(loaded, tuple) and len(loaded) == 2 and len(loaded[0]) == len(loaded[1])):
        return None
    return dict(zip(*loaded, strict=True))


def _update(
    conn: sqlite3.Connection, records: Path, on_disk: OnDisk, stats: SyncStats, previous: OnDisk | None, trusted: bool
) -> bool:
    """Re-index the files whose content changed, forget removed ones (inside the caller's
    transaction); False if a file could not be read.

    `previous` is the listing the rows matched after the last complete update (its manifest):
    then only the rows of files whose listing entry differs from it, and of racy files, are
    read. Without it every row is read and compared. Unless `trusted`, every file is hashed,
    even one whose stamp is the stored one."""
    import hashlib  # only needed when something changed

    query = "SELECT path, rowid, mtime_ns, size, ino, ctime_ns, sha1, racy FROM docs"
    if previous is None:
        rows = list(conn.execute(query))
        candidates = on_disk
    else:
        suspects = {row[0] for row in conn.execute("SELECT path FROM docs WHERE racy")}
        suspects.update(rel for rel, entry in on_disk.items() if previous.get(rel) != entry)
        suspects.update(rel for rel in previous if rel not in on_disk)
        rows = [row for rel in suspects for row in conn.execute(f"{query} WHERE path = ?", (rel,))]
        candidates = {rel: entry for rel, entry in on_disk.items() if rel in suspects}
        stats.unchanged = len(on_disk) - len(candidates)
    stored = {row[0]: (row[1], FileState(tuple(row[2:6]), row[6], bool(row[7]))) for row in rows}
    now = time.time_ns()
    complete = True
    touched: list[tuple[int, FileState]] = []
    changed: list[tuple[str, str, int | None, FileState]] = []
    unreadable: list[tuple[str, int | None, FileState, str]] = []
    for rel, entry in candidates.items():
        kind, stamp = entry[0], entry[1:]
        rowid, old = stored.get(rel, (None, None))
        same = old is not None and not old.racy and old.stamp == stamp
        if same and trusted:
            stats.unchanged += 1
            continue
        try:
            raw = _read(records / rel, stamp[1])
        except FileNotFoundError:
            complete = False  # vanished since the listing: the next search sees it
            continue
        except OSError as err:  # reported as unreadable, and tried again by every search (racy)
            unreadable.append((rel, rowid, FileState(stamp, "", True), f"cannot be read: {err.strerror or err}"))
            continue
        state = FileState(stamp, hashlib.sha1(raw).hexdigest(), filecache.racy(stamp[0], now))
        if rowid is not None and old is not None and old.sha1 == state.sha1:
            if same:
                stats.unchanged += 1
            else:
                stats.touched += 1
            if old != state:
                touched.append((rowid, state))
            continue
        changed.append((rel, kind, rowid, state))
    stats.removed = sorted(set(stored) - set(on_disk))
    for rel in stats.removed:
        _delete(conn, stored[rel][0])
    conn.executemany(
        "UPDATE docs SET mtime_ns = ?, size = ?, ino = ?, ctime_ns = ?, racy = ? WHERE rowid = ?",
        [(*state.stamp, state.racy, rowid) for rowid, state in touched],
    )
    for rel, rowid, state, why in unreadable:
        if rowid is not None:
            _delete(conn, rowid)
        _insert(conn, rel, state, why)
    documents = _documents(records, [(rel, kind) for rel, kind, _, _ in changed]) if changed else []
    for (rel, _, rowid, state), parsed in zip(changed, documents, strict=True):
        if rowid is not None:
            _delete(conn, rowid)
        _insert(conn, rel, state, parsed)
        stats.indexed.append(rel)
    return complete


def _read(path: Path, size: int) -> bytes:
    """A record file's bytes to hash, of a file whose listing says `size`: none past the record
    size limit (parsing then reports it too large)."""
    if size > MAX_RECORD_BYTES:
        return b"\0too large\0%d" % size
    with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as handle:  # a FIFO must not block
        return handle.read(MAX_RECORD_BYTES + 1)


def open_index(cache: Path, records: Path, listing: Listing | None = None) -> tuple[sqlite3.Connection, SyncStats]:
    """A connection to an up-to-date index, rebuilt from nothing if missing or unusable, or made
    in memory if it cannot be written (`listing`: see `sync`)."""
    path = index_path(cache)
    rebuilt = not path.exists()
    conn = None
    try:
        conn = _connect(path, records)
        stats = sync(conn, records, listing)
    except (OSError, sqlite3.DatabaseError) as err:
        if isinstance(err, sqlite3.DatabaseError) and _busy(err):
            raise
        if conn is not None:
            conn.close()
        return in_memory(cache, records, listing, _why(err)) if _unwritable(err) else rebuild(cache, records, listing)
    stats.rebuilt = rebuilt
    return conn, stats


def rebuild(cache: Path, records: Path, listing: Listing | None = None) -> tuple[sqlite3.Connection, SyncStats]:
    """Delete the index file and build it again from every record file (`listing`: see `sync`);
    in memory if it cannot be written."""
    path = index_path(cache)
    try:
        _remove(path)
        conn = _connect(path, records)
    except (OSError, sqlite3.OperationalError) as err:
        if not _unwritable(err):
            raise
        return in_memory(cache, records, listing, _why(err))
    stats = sync(conn, records, listing)
    stats.rebuilt = True
    return conn, stats


def in_memory(
    cache: Path, records: Path, listing: Listing | None = None, why: str = "cannot be written"
) -> tuple[sqlite3.Connection, SyncStats]:
    """An index in memory, for a cache that cannot be written (`why`): a copy of the stored index
    when it reads and fits (so only what changed since is read), else built from every record file."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        stored = sqlite3.connect(f"{index_path(cache).as_uri()}?immutable=1", uri=True)
        try:
            stored.backup(conn)
        finally:
            stored.close()
        fits = conn.execute("SELECT value FROM meta WHERE key = 'key'").fetchone() == (_key(records),)
    except (sqlite3.Error, ValueError):  # no index, not a database, or a relative path
        fits = False
    if not fits or conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
        conn.close()
        conn = sqlite3.connect(":memory:", isolation_level=None)
        _create(conn, records)
    stats = sync(conn, records, listing)
    stats.rebuilt, stats.in_memory = not fits, why
    return conn, stats


def _why(err: OSError | sqlite3.Error) -> str:
    return (err.strerror or str(err)) if isinstance(err, OSError) else str(err)


def _unwritable(err: OSError | sqlite3.Error) -> bool:
    """True when the index cannot be written where it is: read-only, full, not permitted, no folder."""
    if isinstance(err, OSError):
        return err.errno in (errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.ENOTDIR)
    code = getattr(err, "sqlite_errorcode", 0) & 0xFF
    return code in (3, 8, 10, 13, 14)  # SQLITE_PERM, READONLY, IOERR, FULL, CANTOPEN


def _busy(err: sqlite3.DatabaseError) -> bool:
    """Locked or busy is another process at work, not a broken index: never delete for that."""
    return isinstance(err, sqlite3.OperationalError) and ("locked" in str(err) or "busy" in str(err))
