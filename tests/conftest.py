"""Shared fixtures: a copy of the sample knowledge base and a way to run the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kb import speed
from kb.cli.group import main
from kb.speed import filecache

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "data"


@pytest.fixture(autouse=True)
def no_daemon(monkeypatch: pytest.MonkeyPatch) -> None:
    """`kb` processes started by tests run in the foreground and start no daemon (test_daemon's excepted)."""
    monkeypatch.setenv("KB_DAEMON", "off")


@pytest.fixture
def sample_kb(tmp_path: Path) -> Path:
    """A private copy of the sample knowledge base (kb.toml plus data/) to change freely."""
    root = tmp_path / "kb"
    shutil.copytree(SAMPLE, root / "data")
    (root / "kb.toml").write_text('records = "data"\n')
    return root


def run_kb(root: Path, *args: str, input: str | None = None) -> Result:
    """Run `kb --root ROOT ARGS...` in process, as a user would type it."""
    return CliRunner().invoke(main, ["--root", str(root), *args], input=input, catch_exceptions=False)


def edit_keeping_mtime(path: Path, old: str, new: str) -> None:
    """Replace `old` by `new` (as long) in the file itself, then put its times back with `touch -r`,
    as tools that preserve timestamps do: the file keeps its inode, size and mtime; only its
    ctime moves. The edit waits a tick of the coarsest file-system clock first, so that its
    ctime differs from that of the file's last change."""
    assert len(old.encode()) == len(new.encode())
    with tempfile.TemporaryDirectory() as temp:
        times = Path(temp) / "times"
        subprocess.run(["touch", "-r", str(path), str(times)], check=True)
        before = path.stat()
        time.sleep(0.02)
        with path.open("r+b") as handle:
            text = handle.read()
            assert old.encode() in text
            handle.seek(0)
            handle.write(text.replace(old.encode(), new.encode(), 1))
        subprocess.run(["touch", "-r", str(times), str(path)], check=True)
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)
    assert after.st_ctime_ns != before.st_ctime_ns


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With KB_NO_SPEED=1 (caches and forks off), tests of a cache or a fork (`@pytest.mark.speed`) are skipped."""
    if not speed.enabled():
        skip = pytest.mark.skip(reason="KB_NO_SPEED: caches and forks are off")
        for item in items:
            if item.get_closest_marker("speed"):
                item.add_marker(skip)


@pytest.fixture(params=["kb's code", "a library's version"])
def change_the_key(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to change what every cache is keyed on, as upgrading kb (the digest of its code) or
    one of its libraries (the versions found installed) does."""

    def change() -> None:
        if request.param == "kb's code":
            monkeypatch.setattr(filecache, "code_digest", lambda: "the digest of kb's code after an upgrade")
        else:
            upgraded = tuple(v.replace("pydantic ", "pydantic 99.") for v in filecache.versions())
            monkeypatch.setattr(filecache, "versions", lambda: upgraded)

    return change


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden/ from the current output.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when golden files should be refreshed: `pytest --update-golden` or KB_UPDATE_GOLDEN=1."""
    return bool(request.config.getoption("--update-golden")) or os.environ.get("KB_UPDATE_GOLDEN") == "1"
