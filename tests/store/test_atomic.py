"""Durability where it matters: real `kb` processes under strace, which lists every flush to disk.

Records (`kb new`, `close`, `import`, `link`) are flushed file by file and then folder by
folder; what kb makes again (`kb render`) is never flushed; nothing flushes the whole machine.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kb.store import tempfiles
from kb.store.atomic import create_exclusive, write_batch
from tests.conftest import run_kb
from tests.gitrepos import build_world

FLUSHES = "fsync,fdatasync,sync,syncfs,sync_file_range,msync"
_CALL = re.compile(r"^\d+\s+(\w+)\((?:\d+<([^>]*)>)?")
REPORT = Path(__file__).parent.parent / "fixtures" / "reports" / "minimal.md"


@pytest.fixture(scope="module")
def strace() -> str:
    """The strace command, if it is installed and may trace here (containers may forbid ptrace)."""
    found = shutil.which("strace")
    if found is None or subprocess.run([found, "-o", "/dev/null", "true"], capture_output=True).returncode:
        pytest.skip("needs a working strace")
    return found


def flushes(strace: str, root: Path, *args: str) -> list[tuple[str, Path | None]]:
    """Run `kb --root ROOT ARGS` (and its children) under strace: each flush call, with the
    file or folder it flushed."""
    log = root.parent / "strace.log"
    command = [strace, "-f", "-qq", "-e", "signal=none", "-y", "-e", f"trace={FLUSHES}", "-o", str(log)]
    result = subprocess.run(
        [*command, sys.executable, "-m", "kb", "--root", str(root), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    calls = [_CALL.match(line) for line in log.read_text().splitlines()]
    return [(call[1], Path(call[2]) if call[2] else None) for call in calls if call]


def assert_records_flushed(calls: list[tuple[str, Path | None]], folders: set[Path], files: int) -> None:
    """Only fsync: of `files` temporary files in `folders`, then of each folder once, after them."""
    assert {call for call, _ in calls} == {"fsync"}
    paths = [path for _, path in calls]
    temps = [path for path in paths if path is not None and tempfiles.is_temporary(path.name)]
    assert len(temps) == files
    assert {temp.parent for temp in temps} == folders
    assert sorted(paths[len(temps) :]) == sorted(folders)


def test_new_flushes_the_record_and_its_folder(strace: str, sample_kb: Path) -> None:
    calls = flushes(strace, sample_kb, "new", "finding", "--no-input", "--title", "Power cut", "--severity", "high")
    assert_records_flushed(calls, {sample_kb / "data" / "findings"}, 1)


def test_close_flushes_the_record_and_its_folder(strace: str, sample_kb: Path) -> None:
    calls = flushes(strace, sample_kb, "close", "ACT-agents-madfam-io-502-8kr3n", "-m", "deployed")
    assert_records_flushed(calls, {sample_kb / "data" / "actions"}, 1)


def test_import_flushes_each_record_and_each_folder_once(strace: str, tmp_path: Path) -> None:
    root = tmp_path / "new"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    before = set((root / "records").rglob("*.yaml"))
    calls = flushes(strace, root, "import", "report", str(REPORT))
    created = set((root / "records").rglob("*.yaml")) - before
    assert len({path.parent for path in created}) > 1, "records of several kinds, in several folders"
    assert_records_flushed(calls, {path.parent for path in created}, len(created))


def test_link_flushes_each_commit_record_and_the_folder_once(strace: str, tmp_path: Path) -> None:
    world = build_world(tmp_path)
    calls = flushes(strace, world.root, "link")
    created = list((world.root / "data" / "commits").iterdir())
    assert len(created) > 1
    assert_records_flushed(calls, {world.root / "data" / "commits"}, len(created))


def test_render_flushes_nothing(strace: str, sample_kb: Path) -> None:
    """The documents, the caches and the render stamp can all be made again: no flush at all."""
    assert flushes(strace, sample_kb, "render") == []
    assert (sample_kb / "docs" / "GITOPS.md").is_file()


def test_a_batch_with_one_existing_file_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("old\n")
    replaced = tmp_path / "c.yaml"
    replaced.write_text("old\n")
    files = [(tmp_path / "a.yaml", "new\n"), (tmp_path / "b.yaml", "new\n")]
    for durable in (True, False):
        with pytest.raises(FileExistsError):
            write_batch(files, [(replaced, "new\n")], durable=durable)
        assert sorted(path.name for path in tmp_path.iterdir()) == ["b.yaml", "c.yaml"]
        assert replaced.read_text() == "old\n"


def test_an_exclusive_create_leaves_the_existing_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    create_exclusive(path, "first\n", durable=True)
    for durable in (True, False):
        with pytest.raises(FileExistsError):
            create_exclusive(path, "second\n", durable=durable)
    assert [p.name for p in tmp_path.iterdir()] == ["r.yaml"]
    assert path.read_text() == "first\n"
