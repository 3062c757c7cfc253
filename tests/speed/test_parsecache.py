"""The parse cache: reused only for unchanged files, never stale, and harmless when broken."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kb.speed.filecache import RACY_NS
from kb.speed.parsecache import ParseCache
from kb.store import yamlread
from tests.cachefiles import rewrite
from tests.conftest import edit_keeping_mtime

pytestmark = pytest.mark.speed


def write(path: Path, text: str, age: float) -> None:
    """Write `text` and date the file `age` seconds in the past."""
    path.write_text(text)
    when = time.time() - age
    os.utime(path, (when, when))


def test_unchanged_files_come_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record, store = tmp_path / "r.yaml", tmp_path / "cache" / "parsed"
    write(record, "title: old\n", age=60)
    first = ParseCache(store)
    assert first.parse_all([record])[0] == {"title": "old"}
    first.save()

    def fail(text: str) -> yamlread.Loaded:
        raise AssertionError("parsed again")

    monkeypatch.setattr(yamlread, "loads", fail)
    assert ParseCache(store).parse_all([record])[0] == {"title": "old"}


def test_a_same_size_edit_in_the_same_tick_is_never_served_stale(tmp_path: Path) -> None:
    record, store = tmp_path / "r.yaml", tmp_path / "parsed"
    record.write_text("status: open\n")
    stat = record.stat()
    cache = ParseCache(store)
    assert cache.parse_all([record])[0] == {"status": "open"}
    cache.save()
    record.write_text("status: done\n")  # same size, same inode; now also the same mtime
    os.utime(record, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert ParseCache(store).parse_all([record])[0] == {"status": "done"}


def test_a_same_size_edit_with_its_mtime_put_back_is_seen(tmp_path: Path) -> None:
    record, store = tmp_path / "r.yaml", tmp_path / "parsed"
    write(record, "status: open\n", age=60)
    one_run(store, [record])
    edit_keeping_mtime(record, "open", "done")
    assert ParseCache(store).parse_all([record])[0] == {"status": "done"}


def test_new_code_or_libraries_parse_again(tmp_path: Path, change_the_key: Callable[[], None]) -> None:
    record, store = tmp_path / "r.yaml", tmp_path / "parsed"
    write(record, "title: real\n", age=60)
    one_run(store, [record])
    rewrite(
        store,
        lambda entries: {file: (stamp, {"title": "planted"}, clean) for file, (stamp, _, clean) in entries.items()},
    )
    assert ParseCache(store).parse_all([record])[0] == {"title": "planted"}  # the cache is what was read
    change_the_key()
    assert ParseCache(store).parse_all([record])[0] == {"title": "real"}


def test_recent_files_are_not_cached(tmp_path: Path) -> None:
    record, store = tmp_path / "r.yaml", tmp_path / "parsed"
    write(record, "a: b\n", age=RACY_NS / 3e9)
    cache = ParseCache(store)
    cache.parse_all([record])[0]
    assert cache.used == {}


def test_a_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    record, store = tmp_path / "r.yaml", tmp_path / "parsed"
    write(record, "a: b\n", age=60)
    store.write_bytes(b"\x00garbage")
    cache = ParseCache(store)
    assert cache.parse_all([record])[0] == {"a": "b"}
    cache.save()
    assert ParseCache(store).entries[str(record)][1] == {"a": "b"}


def one_run(store: Path, files: list[Path]) -> list[Any]:
    """What one kb run does with the cache: parse what it must, then save."""
    cache = ParseCache(store)
    results = cache.parse_all(files)
    cache.save()
    return results


def test_a_recent_edit_alone_does_not_rewrite_the_cache(tmp_path: Path) -> None:
    settled, edited, store = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "parsed"
    write(settled, "a: 1\n", age=60)
    write(edited, "b: 1\n", age=60)
    one_run(store, [settled, edited])
    before = store.stat()
    write(edited, "b: 2\n", age=0)  # just edited: too recent to cache
    assert one_run(store, [settled, edited]) == [{"a": "1"}, {"b": "2"}]
    assert (store.stat().st_ino, store.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    os.utime(edited, (time.time() - 60, time.time() - 60))  # settled now: worth keeping
    assert one_run(store, [settled, edited]) == [{"a": "1"}, {"b": "2"}]
    assert ParseCache(store).entries[str(edited)][1] == {"b": "2"}


def test_a_deleted_file_leaves_the_cache(tmp_path: Path) -> None:
    kept, gone, store = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "parsed"
    write(kept, "a: 1\n", age=60)
    write(gone, "b: 1\n", age=60)
    one_run(store, [kept, gone])
    gone.unlink()
    one_run(store, [kept])
    assert list(ParseCache(store).entries) == [str(kept)]


def test_problems_come_back_from_the_parallel_parse(tmp_path: Path) -> None:
    """Enough files to be parsed in forked workers, one of them broken: its problems come back
    from the worker (they once failed to unpickle, and the parse hung)."""
    files = []
    for i in range(2500):
        files.append(tmp_path / f"r{i}.yaml")
        write(files[-1], f"id: r{i}\n" if i != 1234 else "id: [unclosed\n", age=60)

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("the parallel parse hung")

    signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    try:
        parsed = ParseCache(None).parse_all(files)
    finally:
        signal.alarm(0)
    assert parsed[0] == {"id": "r0"} and parsed[-1] == {"id": "r2499"}
    broken = parsed[1234]
    assert isinstance(broken, yamlread.YamlProblems)
    assert [(p.code, p.line) for p in broken.problems] == [("E101", 2)]
