"""kb.speed.filecache: one key for every cache (kb's code, its libraries, the settings), one file
format, one switch that turns every cache, fork and daemon off."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb import speed
from kb.speed import filecache
from kb.speed.forks import workers_for
from tests.conftest import ROOT, run_kb

NAME = f"test-nospeed-{os.getpid()}"
"""A daemon name of this module's own, which no daemon may ever answer to."""
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@pytest.mark.speed
def test_what_is_written_under_a_key_is_read_under_that_key_only(tmp_path: Path) -> None:
    path, key = tmp_path / "cache" / "thing.marshal", filecache.key("a setting")
    filecache.write(path, key, {"a": [1, (2, "three")]})
    assert filecache.read(path, key) == {"a": [1, (2, "three")]}
    other = filecache.key("another setting")
    assert filecache.read(path, other) is None
    filecache.write(path, other, "replaced")
    assert filecache.read(path, other) == "replaced" and filecache.read(path, key) is None


@pytest.mark.speed
@pytest.mark.parametrize(
    "content",
    [b"", b"\x00garbage", b"kb cache 0 KEY\n\xe9\x00", b"kb cache 1 KEY\n\xff\xff"],
    ids=["empty", "not a cache file", "another format", "a corrupt body"],
)
def test_a_missing_or_unusable_cache_file_reads_as_nothing(tmp_path: Path, content: bytes) -> None:
    key = "KEY"
    assert filecache.read(tmp_path / "missing", key) is None
    (tmp_path / "file").write_bytes(content)
    assert filecache.read(tmp_path / "file", key) is None


@pytest.mark.speed
def test_a_cache_that_cannot_be_written_costs_nothing_but_time(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the folder should be")
    filecache.write(tmp_path / "cache" / "thing.marshal", "KEY", [1])
    assert filecache.read(tmp_path / "cache" / "thing.marshal", "KEY") is None


def test_the_key_covers_every_setting_the_code_and_each_library(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = {filecache.key(), filecache.key("a"), filecache.key("b"), filecache.key("a", "b"), filecache.key("a\0b")}
    assert len(keys) == 4  # settings are joined as the facts are: "a", "b" is "a\0b"
    base = filecache.key()
    monkeypatch.setattr(filecache, "code_digest", lambda: "other code")
    assert filecache.key() != base
    monkeypatch.undo()
    real = filecache.versions()
    for i in range(len(real)):
        upgraded = (*real[:i], real[i] + ".post1", *real[i + 1 :])
        monkeypatch.setattr(filecache, "versions", lambda upgraded=upgraded: upgraded)
        assert filecache.key() != base, real[i]


def test_versions_are_those_installed_and_read_without_importing_a_library() -> None:
    code = (
        "import sys, json; from kb.speed import filecache\n"
        "print(json.dumps([filecache.versions(), sorted({'yaml', 'pydantic', 'jinja2', 'mkdocs'} & set(sys.modules))]))"
    )
    found, imported = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout)
    assert imported == []
    assert found == [f"{name} {importlib.metadata.version(name)}" for name in filecache.DEPENDENCIES]


def code_digest(package_parent: Path) -> str:
    """The code digest a kb process computes when its package is the one under `package_parent`."""
    code = "from kb.speed import filecache; print(filecache.PACKAGE, filecache.code_digest())"
    shown = subprocess.run([sys.executable, "-c", code], cwd=package_parent, capture_output=True, text=True, check=True)
    package, digest = shown.stdout.split()
    assert Path(package) == package_parent / "kb"
    return digest


def test_any_python_file_of_kb_changes_the_code_digest(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "kb", tmp_path / "kb", ignore=shutil.ignore_patterns("__pycache__"))
    original = code_digest(tmp_path)
    assert original == filecache.code_digest()
    (tmp_path / "kb" / "speed" / "extra.py").write_text('"""A module a new release adds."""\n')
    added = code_digest(tmp_path)
    (tmp_path / "kb" / "speed" / "extra.py").write_text('"""A module a new release adds!"""\n')
    assert len({original, added, code_digest(tmp_path)}) == 3


def test_kb_no_speed_turns_the_caches_and_the_forks_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "thing.marshal"
    monkeypatch.delenv("KB_NO_SPEED", raising=False)
    filecache.write(path, "KEY", [1])
    for value, on in [("", True), ("0", True), ("1", False), ("yes", False)]:
        monkeypatch.setenv("KB_NO_SPEED", value)
        assert speed.enabled() is on
        assert (filecache.read(path, "KEY") == [1]) is on
        assert workers_for(10**6, 1) == (CORES if on else 1)
    filecache.write(tmp_path / "new.marshal", "KEY", [1])
    assert not (tmp_path / "new.marshal").exists()


def test_kb_no_speed_leaves_no_cache_but_the_search_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.gitrepos import build_world

    world = build_world(tmp_path)
    monkeypatch.setenv("KB_NO_SPEED", "1")
    for args in (["link"], ["render"], ["render", "--check"], ["validate"], ["search", "kyverno"]):
        assert run_kb(world.root, *args).exit_code == 0, args
    cache = world.root / ".kb-cache"
    assert {p.name.partition("-")[0] for p in cache.iterdir()} == {"search.sqlite3"}  # with its -wal and -shm


@pytest.mark.skipif(sys.platform != "linux", reason="the daemon is Linux only")
def test_kb_no_speed_neither_asks_nor_starts_a_daemon(sample_kb: Path) -> None:
    env = {**os.environ, "KB_DAEMON": NAME, "KB_DAEMON_IDLE": "10"}

    def kb(*args: str, **extra: str) -> subprocess.CompletedProcess[bytes]:
        command = [sys.executable, "-m", "kb", *args]
        return subprocess.run(
            command, cwd=sample_kb, env={**env, **extra}, stdin=subprocess.DEVNULL, capture_output=True
        )

    try:
        assert kb("search", "kyverno", KB_NO_SPEED="1").returncode == 0
        for _ in range(4):  # a daemon started in the background would answer within a second or so
            assert json.loads(kb("daemon", "status", "--json").stdout)["running"] is False
            time.sleep(0.3)
    finally:
        kb("daemon", "stop")
