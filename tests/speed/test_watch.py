"""The inotify-kept listing of a records folder (kb/speed/watch.py), on real folders and real
inotify: after each kind of change it equals a fresh `_scan`, manifest bytes included."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from kb.cli.search import main as search_command
from kb.fulltext import index
from kb.fulltext.index import _scan
from kb.fulltext.ranking import search
from kb.speed.watch import WatchedListing
from kb.store.atomic import replace_atomic
from kb.store.config import discover
from kb.store.layout import FOLDERS

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="inotify is Linux's")

FINDING = "id: F-x\ntitle: a finding\n"


@pytest.fixture
def records(tmp_path: Path) -> Path:
    """A records folder with findings and lessons, an unknown folder, and no actions."""
    root = tmp_path / "data"
    files = {"findings": ["a.yaml", "b.yaml", "c.yml"], "lessons": ["l.yaml"], "_schema": ["s.yaml"]}
    for folder, names in files.items():
        (root / folder).mkdir(parents=True)
        for name in names:
            (root / folder / name).write_text(FINDING)
    return root


@pytest.fixture
def watched(records: Path) -> Iterator[WatchedListing]:
    listing = WatchedListing(records)
    yield listing
    listing.close()


def assert_as_scanned(watched: WatchedListing) -> None:
    """The listing equals a fresh scan: the same files, stats, order and manifest bytes."""
    on_disk, manifest = watched.current()
    scanned, scanned_manifest = _scan(watched.records)
    assert (list(on_disk.items()), manifest) == (list(scanned.items()), scanned_manifest)


def later_mtime(path: Path) -> None:
    """Wait until the file-system clock has moved past the file's mtime (it is coarse)."""
    before = path.stat().st_mtime_ns
    while time.time_ns() < before + 20_000_000:
        time.sleep(0.005)


def same_size_edit(records: Path) -> None:
    path = records / "findings" / "a.yaml"
    before = path.stat()
    later_mtime(path)
    with path.open("r+") as file:  # in place, same length
        file.write("ID")
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns != before.st_mtime_ns) == (before.st_size, True)


def make_kind_folder(records: Path) -> None:
    (records / "actions").mkdir()
    (records / "actions" / "x.yaml").write_text(FINDING)


def outside(records: Path) -> Path:
    return records.parent / "elsewhere.yaml"


def append(path: Path, text: str) -> None:
    with path.open("a") as file:
        file.write(text)


def rename_in(records: Path) -> None:
    outside(records).write_text(FINDING)
    outside(records).rename(records / "lessons" / "in.yaml")


def file_to_folder(records: Path) -> None:
    (records / "findings" / "b.yaml").unlink()
    (records / "findings" / "b.yaml").mkdir()


INCREMENTAL: dict[str, tuple[Callable[[Path], object], bool]] = {
    "a new file": (lambda r: (r / "findings" / "new.yaml").write_text(FINDING), True),
    "an in-place edit changing the size": (lambda r: append(r / "findings" / "a.yaml", "more: text\n"), True),
    "a same-size in-place edit": (same_size_edit, True),
    "a touch": (lambda r: os.utime(r / "findings" / "b.yaml", ns=(1, 1_000_000_000)), True),
    "a truncation": (lambda r: os.truncate(r / "findings" / "a.yaml", 3), True),
    "a delete": (lambda r: (r / "findings" / "b.yaml").unlink(), True),
    "a rename within the folder": (lambda r: (r / "findings" / "a.yaml").rename(r / "findings" / "z.yaml"), True),
    "a rename to another kind": (lambda r: (r / "findings" / "a.yaml").rename(r / "lessons" / "a.yaml"), True),
    "a rename out of the records": (lambda r: (r / "findings" / "a.yaml").rename(outside(r)), True),
    "a rename into the records": (rename_in, True),
    "an atomic replace (rename over)": (
        lambda r: replace_atomic(r / "findings" / "a.yaml", FINDING + "x: 1\n", durable=False),
        True,
    ),
    "a record file made a folder": (file_to_folder, True),
    "a dotfile": (lambda r: (r / "findings" / ".a.yaml.swp.yaml").write_text(FINDING), False),
    "a file of another suffix": (lambda r: (r / "findings" / "notes.txt").write_text(FINDING), False),
    "a file in an unknown folder": (lambda r: (r / "_schema" / "t.yaml").write_text(FINDING), False),
    "a file beside the kind folders": (lambda r: (r / "notes.yaml").write_text(FINDING), False),
}
"""Each change, and whether it changes the listing (else equality with a scan proves little)."""


@pytest.mark.parametrize(("change", "changes_listing"), INCREMENTAL.values(), ids=INCREMENTAL.keys())
def test_a_change_is_followed_by_stating_only_its_names(
    records: Path, watched: WatchedListing, change: Callable[[Path], object], changes_listing: bool
) -> None:
    before = watched.current()
    change(records)
    assert_as_scanned(watched)
    assert (watched.current() != before) == changes_listing
    assert watched.rescans == 1, "no full scan after the first"


def test_many_changes_in_a_row_are_all_followed(records: Path, watched: WatchedListing) -> None:
    for number in range(30):
        (records / "findings" / f"n{number}.yaml").write_text(FINDING * number)
        if number % 3 == 0:
            replace_atomic(records / "findings" / f"n{number // 2}.yaml", "x", durable=False)
        if number % 5 == 0:
            (records / "findings" / f"n{number // 3}.yaml").unlink(missing_ok=True)
        assert_as_scanned(watched)
    assert watched.rescans == 1


RESCAN: dict[str, Callable[[Path], object]] = {
    "a kind folder created": make_kind_folder,
    "a kind folder deleted": lambda r: shutil.rmtree(r / "findings"),
    "a kind folder renamed away": lambda r: (r / "findings").rename(r / "old-findings"),
    "a folder renamed to a kind's name": lambda r: (r / "_schema").rename(r / "actions"),
    "a kind folder replaced by a file": lambda r: (shutil.rmtree(r / "lessons"), (r / "lessons").write_text("")),
}


@pytest.mark.parametrize("change", RESCAN.values(), ids=RESCAN.keys())
def test_a_change_to_the_kind_folders_rescans(
    records: Path, watched: WatchedListing, change: Callable[[Path], object]
) -> None:
    before = watched.current()
    change(records)
    assert_as_scanned(watched)
    assert watched.current() != before
    assert watched.rescans == 2, "one full scan, then the watches hold again"
    for folder in FOLDERS.values():
        if (records / folder).is_dir():
            (records / folder / "after.yaml").write_text(FINDING)
    assert_as_scanned(watched)
    assert watched.rescans == 2, "the new folders are watched"


# --- what a folder watch cannot see: a full scan each time ---------------------------------


def test_lost_events_rescan(records: Path, watched: WatchedListing) -> None:
    """More events than the kernel queues (alternating names, so none merge) overflow it: the
    file created after is in no event, yet listed."""
    limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    if limit > 200_000:
        pytest.skip(f"the inotify queue holds {limit} events: too many to overflow cheaply")
    for number in range(limit // 2 + 10):
        for name in ("a.yaml", "b.yaml"):
            os.utime(records / "findings" / name, ns=(number, number))
    (records / "findings" / "unseen.yaml").write_text(FINDING)
    on_disk, _ = watched.current()
    assert "findings/unseen.yaml" in on_disk
    assert_as_scanned(watched)
    assert watched.rescans == 2


def test_a_symlinked_record_is_rescanned_while_it_lasts(records: Path, watched: WatchedListing) -> None:
    """Writing the link's target raises no event in the records folder."""
    target = outside(records)
    target.write_text(FINDING)
    (records / "findings" / "link.yaml").symlink_to(target)
    assert_as_scanned(watched)
    append(target, "more: text\n")
    assert watched.current()[0]["findings/link.yaml"][2] == target.stat().st_size
    assert_as_scanned(watched)
    scans = watched.rescans
    (records / "findings" / "link.yaml").unlink()
    assert_as_scanned(watched)
    append(records / "findings" / "a.yaml", "x: 1\n")
    assert_as_scanned(watched)
    assert watched.rescans == scans + 1, "trusted again once the link is gone"


def test_a_hard_linked_record_is_rescanned(records: Path) -> None:
    """Writing through the other name raises no event in the records folder."""
    os.link(records / "findings" / "a.yaml", outside(records))
    listing = WatchedListing(records)
    append(outside(records), "more: text\n")
    assert listing.current()[0]["findings/a.yaml"][2] == outside(records).stat().st_size
    assert_as_scanned(listing)
    listing.close()


def test_a_symlinked_kind_folder_is_rescanned(records: Path, tmp_path: Path) -> None:
    (tmp_path / "actions").mkdir()
    (records / "actions").symlink_to(tmp_path / "actions")
    listing = WatchedListing(records)
    (tmp_path / "actions" / "x.yaml").write_text(FINDING)
    assert "actions/x.yaml" in listing.current()[0]
    assert_as_scanned(listing)
    assert listing.rescans == 3
    listing.close()


def test_the_records_folder_moved_and_replaced(records: Path, watched: WatchedListing) -> None:
    records.rename(records.with_name("old"))
    (records / "lessons").mkdir(parents=True)
    (records / "lessons" / "other.yaml").write_text(FINDING)
    assert list(watched.current()[0]) == ["lessons/other.yaml"]
    assert_as_scanned(watched)


def test_a_parent_folder_moved_and_replaced(tmp_path: Path) -> None:
    """No event reaches the watch: the path leading to another folder tells."""
    records = tmp_path / "top" / "data"
    (records / "findings").mkdir(parents=True)
    (records / "findings" / "a.yaml").write_text(FINDING)
    listing = WatchedListing(records)
    assert list(listing.current()[0]) == ["findings/a.yaml"]
    (tmp_path / "top").rename(tmp_path / "top.old")
    (records / "findings").mkdir(parents=True)
    (records / "findings" / "b.yaml").write_text(FINDING)
    assert list(listing.current()[0]) == ["findings/b.yaml"]
    assert_as_scanned(listing)
    listing.close()


def test_the_records_folder_deleted_and_made_again(records: Path, watched: WatchedListing) -> None:
    shutil.rmtree(records)
    assert watched.current()[0] == {}
    assert_as_scanned(watched)
    (records / "findings").mkdir(parents=True)
    (records / "findings" / "back.yaml").write_text(FINDING)
    assert list(watched.current()[0]) == ["findings/back.yaml"]
    append(records / "findings" / "back.yaml", "x: 1\n")
    assert_as_scanned(watched)


def test_no_records_folder_no_watch(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        WatchedListing(tmp_path / "missing")


# --- handing the listing to a search -------------------------------------------------------


def test_a_given_listing_stands_in_for_the_scan(sample_kb: Path) -> None:
    """A listing from before a record was added hides it from the search given it, and from
    that search only."""
    config = discover(sample_kb)
    stale = _scan(config.records)
    (config.records / "lessons" / "L-wombat-care-aaaaa.yaml").write_text(
        "id: L-wombat-care-aaaaa\ntitle: Wombats need care\nrule: feed the wombat\n"
    )
    assert search(config.cache, config.records, "wombat", listing=stale).hits == []
    assert [hit.id for hit in search(config.cache, config.records, "wombat").hits] == ["L-wombat-care-aaaaa"]


def test_the_search_command_takes_only_its_own_folders_listing(
    sample_kb: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`kb search` given listings by records folder uses its folder's, and no other folder's."""
    config = discover(sample_kb)
    stale = _scan(config.records)
    (config.records / "lessons" / "L-wombat-care-aaaaa.yaml").write_text(
        "id: L-wombat-care-aaaaa\ntitle: Wombats need care\nrule: feed the wombat\n"
    )
    monkeypatch.chdir(sample_kb)
    assert search_command(["wombat"], listings={config.records: stale}) == 1
    assert search_command(["wombat"], listings={config.records.parent: stale}) == 0
    assert "L-wombat-care-aaaaa" in capsys.readouterr().out


def test_a_search_given_the_watched_listing_finds_a_record_edited_a_moment_ago(sample_kb: Path) -> None:
    config = discover(sample_kb)
    listing = WatchedListing(config.records)
    assert search(config.cache, config.records, "wombat", listing=listing.current()).hits == []
    lesson = sorted((config.records / "lessons").glob("*.yaml"))[0]
    replace_atomic(lesson, lesson.read_text().replace("title: ", "title: Wombat ", 1), durable=False)
    current = listing.current()
    assert listing.rescans == 1
    assert [hit.id for hit in search(config.cache, config.records, "wombat", listing=current).hits] == [lesson.stem]
    listing.close()


def test_an_unchanged_watched_listing_matches_the_manifest_a_plain_search_stored(sample_kb: Path) -> None:
    """So a search handed the listing takes the fast path (no row read), and a mix of plain and
    handed searches does not re-check every file at each switch."""
    config = discover(sample_kb)
    listing = WatchedListing(config.records)
    search(config.cache, config.records, "cni")
    with closing(sqlite3.connect(index.index_path(config.cache))) as conn:
        stored = conn.execute("SELECT value FROM meta WHERE key = 'manifest'").fetchone()[0]
    assert listing.current()[1] == stored
    listing.close()


def test_a_search_process_imports_neither_the_watch_nor_ctypes(sample_kb: Path) -> None:
    env = {**os.environ, "KB_ROOT": str(sample_kb)}
    for _ in range(2):  # building the index, then searching it
        run = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "kb", "search", "cni"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        modules = {line.split("|")[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
        assert "kb.fulltext.index" in modules
        assert not {"kb.speed.watch", "ctypes"} & modules
