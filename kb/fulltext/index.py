"""The search index: an SQLite FTS5 file in the cache folder, kept in step with the record files.

`open_index` returns a connection to an index that matches the records on disk right now. It
lists each kind's folder once and stats each file once (most of a search's time: about 3 µs a
file). If the resulting manifest (each file's path, mtime_ns and size) equals the one stored by
the last update, nothing changed and no row is read. Otherwise the files whose entry differs
from that manifest (all files, if there is none) have their (mtime_ns, size) compared with what
the index stored; only files whose stat changed are read, and of those only files whose content
hash changed are parsed and re-indexed. Files gone from disk are deleted from the index. A
file modified within `RACY_NS` of being indexed is re-hashed on the next search even if its
stat looks the same, because the file-system clock is coarse: a same-size edit in the same
clock tick would otherwise go unseen (git's "racy clean" problem).

A long-lived process that watches the records folder (the kb daemon, with kb/speed/watch.py)
can hand the next sync its listing with `use_listing`, which then replaces the listing and the
stats; that module is not imported here, so a plain search loads none of it.

The index is a cache: if it is missing, from another schema version, for another records
folder, or not a database at all, it is deleted and rebuilt from nothing.
"""

from __future__ import annotations

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
from kb.store.layout import FOLDERS, SUFFIXES

INDEX_NAME = "search.sqlite3"
SCHEMA_VERSION = 2
RACY_NS = 2_000_000_000
"""Files modified less than this long before they were indexed get re-hashed next time."""

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs(
    rowid INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
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


class FileState(NamedTuple):
    """What the index remembers of a file to tell whether it changed."""

    mtime_ns: int
    size: int
    sha1: str
    racy: bool


def index_path(cache: Path) -> Path:
    return cache / INDEX_NAME


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
        stored = conn.execute("SELECT value FROM meta WHERE key = 'records'").fetchone()
        if stored is None or stored[0] != str(records):
            raise sqlite3.DatabaseError("index was built for another records folder")
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
            conn.execute("INSERT INTO meta VALUES ('records', ?)", (str(records),))
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


OnDisk = dict[str, tuple[str, int, int]]
"""Each record file's path relative to the records folder, to its kind, mtime_ns and size."""

_given: tuple[Path, OnDisk, bytes] | None = None
"""A listing handed over by `use_listing`, for the next scan only."""


def use_listing(records: Path, on_disk: OnDisk, manifest: bytes) -> None:
    """Take `on_disk` and `manifest` as the next scan of `records` instead of listing the folders.

    The kb daemon keeps each records folder's listing current with inotify (kb/speed/watch.py)
    and hands it to the search it forks, sparing it the listing and the stats. The listing is
    used once, by the next sync, and only if that sync is of the same `records` path; any other
    scan drops it."""
    global _given
    _given = (records, on_disk, manifest)


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
    with its kind, mtime_ns and size, and take out those that are not (gone, not a regular file).

    A record file is a regular file, after links, named with a suffix of SUFFIXES and not a
    dotfile. Symbolic links and files with other hard links also go into `untrusted`: a watch
    of the folder sees no change made through the link's target or the other names."""
    folder = FOLDERS[kind]
    for name in names:
        if not name.endswith(SUFFIXES) or name.startswith("."):
            continue
        rel = f"{folder}/{name}"
        try:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                untrusted.add(rel)
                st = os.stat(name, dir_fd=fd)
        except FileNotFoundError:  # removed since the listing (or a dangling link)
            found.pop(rel, None)
            continue
        if stat.S_ISREG(st.st_mode):
            found[rel] = (kind, st.st_mtime_ns, st.st_size)
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


def _scan(records: Path) -> tuple[OnDisk, bytes]:
    """Every record file and the manifest. A listing given by `use_listing` for `records` stands
    in for the folders, once."""
    global _given
    given, _given = _given, None
    if given is not None and given[0] == records:
        return given[1], given[2]
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
            "INSERT INTO docs(path, mtime_ns, size, sha1, racy, error) VALUES (?, ?, ?, ?, ?, ?)",
            (rel, *state, parsed),
        )
        return
    doc = parsed
    rowid = conn.execute(
        "INSERT INTO docs(path, mtime_ns, size, sha1, racy, kind, id, title, date, audit, severity, status,"
        " confirmations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            rel,
            *state,
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


def sync(conn: sqlite3.Connection, records: Path) -> SyncStats:
    """Bring the index in line with the record files on disk; see the module docstring.

    Fast path: when the manifest (every file's path, mtime_ns and size) equals the one stored by
    the last sync and no file was racy then, nothing changed and no row is read.
    """
    stats = SyncStats()
    on_disk, manifest = _scan(records)
    stored_manifest = conn.execute("SELECT value FROM meta WHERE key = 'manifest'").fetchone()
    racy = conn.execute("SELECT EXISTS(SELECT 1 FROM docs WHERE racy)").fetchone()[0]
    if stored_manifest == (manifest,) and not racy:
        stats.unchanged = len(on_disk)
    else:
        with _transaction(conn):  # rows and manifest change together
            # read again under the write lock: another search may have updated both meanwhile
            stored_manifest = conn.execute("SELECT value FROM meta WHERE key = 'manifest'").fetchone()
            previous = _listing(stored_manifest[0]) if stored_manifest else None
            complete = _update(conn, records, on_disk, stats, previous)
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
    conn: sqlite3.Connection, records: Path, on_disk: OnDisk, stats: SyncStats, previous: OnDisk | None
) -> bool:
    """Re-index the files whose content changed, forget removed ones (inside the caller's
    transaction); False if a file could not be read.

    `previous` is the listing the rows matched after the last complete update (its manifest):
    then only the rows of files whose listing entry differs from it, and of racy files, are
    read. Without it every row is read and compared."""
    import hashlib  # only needed when something changed

    query = "SELECT path, rowid, mtime_ns, size, sha1, racy FROM docs"
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
    stored = {row[0]: (row[1], FileState(row[2], row[3], row[4], bool(row[5]))) for row in rows}
    now = time.time_ns()
    complete = True
    touched: list[tuple[int, FileState]] = []
    changed: list[tuple[str, str, int | None, FileState]] = []
    for rel, (kind, mtime_ns, size) in candidates.items():
        rowid, old = stored.get(rel, (None, None))
        if old is not None and not old.racy and (old.mtime_ns, old.size) == (mtime_ns, size):
            stats.unchanged += 1
            continue
        try:
            raw = (records / rel).read_bytes()
        except OSError:
            complete = False  # vanished or unreadable since the listing: the next search sees it
            continue
        state = FileState(mtime_ns, size, hashlib.sha1(raw).hexdigest(), mtime_ns >= now - RACY_NS)
        if rowid is not None and old is not None and old.sha1 == state.sha1:
            stats.touched += 1
            if old != state:
                touched.append((rowid, state))
            continue
        changed.append((rel, kind, rowid, state))
    stats.removed = sorted(set(stored) - set(on_disk))
    for rel in stats.removed:
        _delete(conn, stored[rel][0])
    conn.executemany(
        "UPDATE docs SET mtime_ns = ?, size = ?, racy = ? WHERE rowid = ?",
        [(state.mtime_ns, state.size, state.racy, rowid) for rowid, state in touched],
    )
    documents = _documents(records, [(rel, kind) for rel, kind, _, _ in changed]) if changed else []
    for (rel, _, rowid, state), parsed in zip(changed, documents, strict=True):
        if rowid is not None:
            _delete(conn, rowid)
        _insert(conn, rel, state, parsed)
        stats.indexed.append(rel)
    return complete


def open_index(cache: Path, records: Path) -> tuple[sqlite3.Connection, SyncStats]:
    """A connection to an up-to-date index, rebuilt from nothing if missing or unusable."""
    path = index_path(cache)
    rebuilt = not path.exists()
    conn = None
    try:
        conn = _connect(path, records)
        stats = sync(conn, records)
    except sqlite3.DatabaseError as err:
        if _busy(err):
            raise
        if conn is not None:
            conn.close()
        return rebuild(cache, records)
    stats.rebuilt = rebuilt
    return conn, stats


def rebuild(cache: Path, records: Path) -> tuple[sqlite3.Connection, SyncStats]:
    """Delete the index file and build it again from every record file."""
    path = index_path(cache)
    _remove(path)
    conn = _connect(path, records)
    stats = sync(conn, records)
    stats.rebuilt = True
    return conn, stats


def _busy(err: sqlite3.DatabaseError) -> bool:
    """Locked or busy is another process at work, not a broken index: never delete for that."""
    return isinstance(err, sqlite3.OperationalError) and ("locked" in str(err) or "busy" in str(err))
