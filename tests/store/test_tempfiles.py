"""Temporary files: a name kb knows, swept by the next run, never while another kb still writes it.

The writers here are real processes stopped at the one seam between writing a temporary file and
moving it into place (os.replace), then let go or killed with SIGKILL; the sweeps are real `kb`
runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.store import tempfiles
from kb.store.atomic import replace_atomic
from tests.conftest import run_kb

ACTION = "data/actions/ACT-sentinel-namespace-empty-7bg2x.yaml"

WRITER = """
import os, sys
from pathlib import Path
from kb.store.atomic import replace_atomic

moving = os.replace

def stopped(source, target):
    print(source, flush=True)  # the temporary file is written: wait to be let go (or killed)
    sys.stdin.readline()
    moving(source, target)

os.replace = stopped
replace_atomic(Path(sys.argv[1]), sys.argv[2], durable=True)
"""


def kb(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", "--root", str(root), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.fixture
def writer(sample_kb: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """A real process replacing the action's file, stopped with its temporary file written."""
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(sample_kb / ACTION), "status: open\n"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    temp = Path(process.stdout.readline().strip())
    yield process, temp
    process.kill()
    process.wait()


def temporaries(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if tempfiles.is_temporary(path.name))


def test_the_name_says_whose_it_is_and_fits_beside_a_long_name(tmp_path: Path) -> None:
    long = tmp_path / ("F-" + "é" * 120 + ".yaml")  # 245 bytes: no room for a suffix of its own
    long.write_text("old\n")
    replace_atomic(long, "new\n", durable=True)
    assert long.read_text() == "new\n"
    fd, temp = tempfiles.create_beside(long)
    os.close(fd)
    assert tempfiles.is_temporary(temp.name) and temp.name.endswith(".kb-tmp")
    assert len(temp.name.encode()) <= 255
    assert temp.name.startswith(".F-é")


def test_a_killed_writers_file_is_swept_by_the_next_run(
    sample_kb: Path, writer: tuple[subprocess.Popen[str], Path]
) -> None:
    process, temp = writer
    before = (sample_kb / ACTION).read_text()
    assert temp.exists() and temp.parent == (sample_kb / ACTION).parent
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert temp.exists()
    result = kb(sample_kb, "validate")
    assert result.returncode == 0, result.stderr
    assert temporaries(sample_kb) == []
    assert (sample_kb / ACTION).read_text() == before


def test_a_file_another_kb_is_still_writing_is_left_alone(
    sample_kb: Path, writer: tuple[subprocess.Popen[str], Path]
) -> None:
    process, temp = writer
    for args in (["validate"], ["render"], ["list", "action"]):
        result = kb(sample_kb, *args)
        assert result.returncode == 0, result.stderr
        assert temp.exists(), f"kb {' '.join(args)} swept a file being written"
    assert process.stdin is not None
    process.stdin.write("\n")
    process.stdin.flush()
    assert process.wait(timeout=30) == 0
    assert (sample_kb / ACTION).read_text() == "status: open\n"
    assert temporaries(sample_kb) == []


@pytest.mark.parametrize(
    "folder",
    ["data/findings", "docs", ".kb-cache", ".kb-cache/history", "docs/audits"],
)
def test_each_folder_kb_writes_in_is_swept(sample_kb: Path, folder: str) -> None:
    assert run_kb(sample_kb, "render").exit_code == 0  # the docs and the cache exist
    left = sample_kb / folder / ".GITOPS.md.0badf00d.kb-tmp"
    left.parent.mkdir(parents=True, exist_ok=True)
    left.write_text("half a document")
    result = kb(sample_kb, "render")
    assert result.returncode == 0, result.stderr
    assert not left.exists()


def test_only_kbs_own_regular_files_are_swept(tmp_path: Path) -> None:
    kept = [".notes.txt", ".old.0badf00d.tmp", "draft.kb-tmp", ".folder.0badf00d.kb-tmp", ".link.0badf00d.kb-tmp"]
    for name in kept[:3]:
        (tmp_path / name).write_text("someone's")
    (tmp_path / kept[3]).mkdir()
    (tmp_path / kept[4]).symlink_to(tmp_path / kept[0])
    (tmp_path / ".r.yaml.0badf00d.kb-tmp").write_text("left by a killed kb")
    assert tempfiles.sweep(tmp_path) == [".r.yaml.0badf00d.kb-tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)


def test_kb_init_ignores_them_in_git(tmp_path: Path) -> None:
    root = tmp_path / "infra"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    left = root / "records" / "findings" / ".F-x-aaaaa.yaml.0badf00d.kb-tmp"
    left.write_text("x")
    ignored = subprocess.run(["git", "-C", str(root), "check-ignore", "-q", str(left)])
    assert ignored.returncode == 0
    status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "-uall"], capture_output=True, text=True)
    assert ".kb-tmp" not in status.stdout
