"""The kb daemon, with real processes: a real daemon serving real `kb` commands over its socket."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kb.speed import daemon_client as client
from kb.speed import filecache

pytestmark = [pytest.mark.skipif(sys.platform != "linux", reason="the daemon is Linux only"), pytest.mark.speed]

NAME = f"test-{os.getpid()}-{secrets.token_hex(3)}"
"""This module's own daemon, apart from a developer's and from other test runs."""
DEADLOCK = "F-kyverno-cronjob-deadlock-8fs4k"


def kb(*args: str, name: str = NAME, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """`kb ARGS` as its own process, with stdin not a terminal (as from a script or an agent);
    a daemon it starts stops after two minutes unused, should a test fail before stopping it."""
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env={**os.environ, "KB_DAEMON": name, "KB_DAEMON_IDLE": "120", **env},
        timeout=120,
    )


def status(name: str = NAME) -> dict[str, object]:
    result = kb("daemon", "status", "--json", name=name)
    state: dict[str, object] = json.loads(result.stdout)
    assert result.returncode == (0 if state["running"] else 1)
    return state


def served(name: str = NAME) -> int:
    count = status(name)["served"]
    assert isinstance(count, int)
    return count


def wait_for(condition: Callable[[], object], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def daemon() -> Iterator[None]:
    started = kb("daemon", "start")
    assert started.returncode == 0, started.stderr
    assert "kb daemon running (pid" in started.stdout
    yield
    stopped = kb("daemon", "stop")
    assert "kb daemon stopped" in stopped.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["list", "finding", "--json"],
        ["list", "action", "--status", "open"],
        ["show", DEADLOCK, "--json"],
        ["pickup", "--format", "md"],
        ["search", "cni", "--json"],
        ["search", "no-such-word-anywhere"],
        ["show", "F-no-such-finding-aaaaa"],
        ["list", "finding", "--severity", "bogus"],
    ],
)
def test_a_served_command_prints_and_exits_as_the_foreground_one(
    daemon: None, sample_kb: Path, args: list[str]
) -> None:
    before = served()
    by_daemon = kb(*args, KB_ROOT=str(sample_kb))
    in_foreground = kb(*args, name="off", KB_ROOT=str(sample_kb))
    assert served() == before + 1
    assert (by_daemon.returncode, by_daemon.stdout, by_daemon.stderr) == (
        in_foreground.returncode,
        in_foreground.stdout,
        in_foreground.stderr,
    )


def test_a_served_search_finds_what_changed_a_moment_ago(daemon: None, sample_kb: Path) -> None:
    """The daemon's inotify listing sees an edit, a new file and a delete made just before."""

    def hits(word: str) -> set[str]:
        result = kb("search", word, "--json", KB_ROOT=str(sample_kb))
        assert result.returncode in (0, 1), result.stderr
        return {hit["id"] for hit in json.loads(result.stdout)} if result.returncode == 0 else set()

    assert hits("quokkafied") == set()  # the folder is watched from the first search on
    assert str((sample_kb / "data").resolve()) in status()["watching"]
    record = sample_kb / "data" / "findings" / f"{DEADLOCK}.yaml"
    record.write_text(record.read_text().replace("title: ", "title: Quokkafied ", 1))
    assert DEADLOCK in hits("quokkafied")
    copy = record.with_name("F-wombat-copy-aaaaa.yaml")
    copy.write_text(record.read_text().replace(DEADLOCK, "F-wombat-copy-aaaaa").replace("Quokkafied", "Wombatish"))
    assert "F-wombat-copy-aaaaa" in hits("wombatish")
    copy.unlink()
    assert hits("wombatish") == set()


@pytest.mark.parametrize("killed", ["caller", "worker"])
def test_a_signal_to_the_caller_reaches_the_worker(daemon: None, sample_kb: Path, killed: str) -> None:
    """SIGTERM to `kb` ends its worker too, and `kb` ends by that signal; a worker killed on its
    own leaves `kb` saying so, exit 1. The search is held waiting for the index (this test holds
    its write lock) so that it is still running."""
    assert kb("search", "cni", KB_ROOT=str(sample_kb)).returncode == 0
    record = sample_kb / "data" / "findings" / f"{DEADLOCK}.yaml"
    record.write_text(record.read_text().replace("title: ", "title: Held ", 1))
    lock = sqlite3.connect(sample_kb / ".kb-cache" / "search.sqlite3", isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        before = workers()
        caller = subprocess.Popen(
            [sys.executable, "-m", "kb", "search", "held"],
            env={**os.environ, "KB_DAEMON": NAME, "KB_ROOT": str(sample_kb)},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert wait_for(lambda: len(workers()) == len(before) + 1), "a worker runs the search"
        (worker,) = workers() - before
        assert wait_for(lambda: opened(worker, "search.sqlite3")), "and has reached the index"
        if killed == "caller":
            caller.send_signal(signal.SIGTERM)
            assert caller.wait(timeout=30) == -signal.SIGTERM
        else:
            os.kill(worker, signal.SIGKILL)
            assert caller.wait(timeout=30) == 1
            assert "ended without an exit status" in caller.communicate()[1]
        assert wait_for(lambda: workers() == before), "the worker is gone"
    finally:
        lock.execute("ROLLBACK")
        lock.close()


def opened(pid: int, name: str) -> bool:
    """Whether process `pid` has a file called `name` open."""
    try:
        return any(os.readlink(fd).endswith(f"/{name}") for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


def workers() -> set[int]:
    """The processes running this module's daemon code: the daemon and its workers."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"kb.speed.daemon_server" in command and f"KB_DAEMON={NAME}".encode() in environ:
            found.add(int(entry.name))
    return found


def test_the_worker_runs_in_the_callers_folder(daemon: None, sample_kb: Path) -> None:
    before = served()
    result = kb("list", "finding", "--json", cwd=sample_kb / "data" / "findings")
    assert served() == before + 1
    assert result.returncode == 0, result.stderr
    assert DEADLOCK in {finding["id"] for finding in json.loads(result.stdout)}


@pytest.mark.parametrize("zone, hours", [("Etc/GMT-14", 14), ("Etc/GMT+12", -12)])
def test_new_dates_the_record_in_the_callers_time_zone(daemon: None, sample_kb: Path, zone: str, hours: int) -> None:
    before = served()
    result = kb("new", "action", "--title", f"Zone {zone}", "--todo", "x", "--json", KB_ROOT=str(sample_kb), TZ=zone)
    today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).date().isoformat()
    assert served() == before + 1
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["record"]["opened"] == today
    assert (sample_kb / created["path"]).is_file()


def test_concurrent_new_commands_make_distinct_records(daemon: None, sample_kb: Path) -> None:
    """Each worker mints its own random ID: forking must not give them one random state."""
    env = {**os.environ, "KB_DAEMON": NAME, "KB_ROOT": str(sample_kb)}
    args = [sys.executable, "-m", "kb", "new", "finding", "--title", "Same title", "--json"]
    procs = [
        subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(6)
    ]
    ids = [json.loads(proc.communicate(timeout=60)[0])["id"] for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    assert len(set(ids)) == 6
    assert all((sample_kb / "data" / "findings" / f"{i}.yaml").is_file() for i in ids)


def test_new_on_a_terminal_is_served_with_no_input(daemon: None, sample_kb: Path) -> None:
    """A terminal as stdin means prompts, which only the foreground may read; --no-input has none
    (which commands are served without it: test_which_commands_the_daemon_runs)."""
    master, terminal = os.openpty()
    before = served()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "kb", "new", "finding", "--title", "On a terminal", "--no-input", "--json"],
            stdin=terminal,
            capture_output=True,
            text=True,
            env={**os.environ, "KB_DAEMON": NAME, "KB_ROOT": str(sample_kb)},
            timeout=120,
        )
    finally:
        os.close(master)
        os.close(terminal)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["record"]["title"] == "On a terminal"
    assert served() == before + 1


def test_an_invalid_new_record_is_refused_by_the_daemon_too(daemon: None, sample_kb: Path) -> None:
    before = sorted((sample_kb / "data" / "findings").iterdir())
    result = kb("new", "finding", "--title", "Bad", "--severity", "dire", KB_ROOT=str(sample_kb))
    assert result.returncode == 2
    assert "'dire' is not one of" in result.stderr
    assert sorted((sample_kb / "data" / "findings").iterdir()) == before


def test_with_a_daemon_named_the_first_quick_command_starts_it_and_it_stops_when_unused(sample_kb: Path) -> None:
    name = f"{NAME}-idle"
    assert status(name) == {"running": False}
    first = kb("list", "lesson", name=name, KB_ROOT=str(sample_kb), KB_DAEMON_IDLE="6")
    assert first.returncode == 0, first.stderr
    assert wait_for(lambda: status(name)["running"]), "a daemon came up in the background"
    assert served(name) == 0, "the first command ran in the foreground"
    second = kb("list", "lesson", name=name, KB_ROOT=str(sample_kb))
    assert second.stdout == first.stdout
    assert served(name) == 1
    assert wait_for(lambda: not status(name)["running"], seconds=30), "it stopped after 6 s unused"


def test_stop_and_start(sample_kb: Path) -> None:
    name = f"{NAME}-stop"
    assert kb("daemon", "stop", name=name).stdout == "kb daemon: not running\n"
    assert kb("daemon", "start", name=name).returncode == 0
    assert status(name)["running"]
    stopped = kb("daemon", "stop", name=name)
    assert stopped.returncode == 0 and "kb daemon stopped" in stopped.stdout
    assert not status(name)["running"]
    assert kb("list", "lesson", name="off", KB_ROOT=str(sample_kb)).returncode == 0
    assert not status(name)["running"], "KB_DAEMON=off starts none"


def test_start_says_when_the_daemon_is_off() -> None:
    result = kb("daemon", "start", name="off")
    assert result.returncode == 1
    assert "off" in result.stderr


@pytest.mark.parametrize(
    "argv, runs",
    [
        (["search", "probe"], True),
        (["new", "finding", "--title", "x"], True),
        (["new", "finding", "--no-input", "--title", "x"], True),
        (["show", "F-x"], True),
        (["new", "finding", "--edit"], False),
        (["new", "finding", "-e"], False),
        (["new", "finding", "--from=draft.yaml"], False),
        (["new", "lesson", "--interactive"], False),
        (["render"], False),
        (["build"], False),
        (["--root", "x", "search", "probe"], False),
        ([], False),
    ],
)
def test_which_commands_the_daemon_runs(argv: list[str], runs: bool) -> None:
    """Prompts and editors need the terminal's foreground; long jobs gain nothing."""
    assert client._daemon_can_run(argv) is runs


@pytest.fixture
def fresh_digests() -> Iterator[None]:
    """The process's cached code digest and address are computed again after the test (it changes them)."""
    yield
    filecache.code_digest.cache_clear()
    client.address.cache_clear()


@pytest.mark.usefixtures("fresh_digests")
def test_the_address_follows_kbs_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = tmp_path / "pkg"
    (code / "sub").mkdir(parents=True)
    (code / "sub" / "mod.py").write_text("A = 1\n")
    monkeypatch.setattr(filecache, "PACKAGE", code)  # the code digest the caches key on names the daemon too
    monkeypatch.setenv("KB_DAEMON", "")
    before = client.fresh_address()
    (code / "sub" / "mod.py").write_text("A = 2\n")  # same size, same second: the content tells
    assert client.fresh_address() != before


@pytest.mark.usefixtures("fresh_digests")
def test_the_address_follows_the_daemon_name(monkeypatch: pytest.MonkeyPatch) -> None:
    def address(value: str) -> bytes | None:
        monkeypatch.setenv("KB_DAEMON", value)
        client.address.cache_clear()
        return client.address()

    assert len({address(value) for value in ("", "one", "two")}) == 3
    assert {address(value) for value in ("on", "ON", "1", "yes", "true")} == {address("")}
    assert {address(value) for value in ("off", "Off", "0", "no", "false")} == {None}


@pytest.mark.parametrize(
    "value, starts",
    [(None, False), ("", False), ("off", False), ("0", False), ("on", True), ("1", True), ("mine", True)],
)
def test_which_settings_let_a_quick_command_start_a_daemon(
    monkeypatch: pytest.MonkeyPatch, value: str | None, starts: bool
) -> None:
    """Unset, none starts by itself (one that `kb daemon start` started is still used)."""
    if value is None:
        monkeypatch.delenv("KB_DAEMON")
    else:
        monkeypatch.setenv("KB_DAEMON", value)
    assert client._asked_for() is starts
