"""No process the user did not ask for: real `kb` commands, then a look at every process (/proc).

Without KB_DAEMON no command leaves a process behind; `kb daemon start` leaves exactly one,
which the quick commands then use and `kb daemon stop` ends; with KB_DAEMON=on the first quick
command starts it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the daemon is Linux only")

MARK = "KB_TEST_PROCESS_MARK"
"""A variable that every process these tests start inherits, forks included: /proc tells them apart."""
DEADLOCK = "F-kyverno-cronjob-deadlock-8fs4k"


@pytest.fixture
def user_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The environment of someone who never set KB_DAEMON, marked.

    tests/conftest.py sets KB_DAEMON=off for every test: taken out here on purpose, with every
    other KB_ variable. An empty folder on PYTHONPATH gives these processes' daemon a name of its
    own (the name follows the import path), so a daemon a developer started is neither used nor
    stopped. Whatever a failed test left running is ended at the end."""
    monkeypatch.delenv("KB_DAEMON")
    own_name = tmp_path / "own-daemon-name"
    own_name.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("KB_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(own_name), env.get("PYTHONPATH")]))
    env[MARK] = secrets.token_hex(8)
    yield env
    for pid in processes(env):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def kb(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`kb ARGS` as its own process, stdin not a terminal (as from a script, CI or an agent)."""
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def processes(env: dict[str, str]) -> dict[int, str]:
    """Every live process started with `env`'s mark, or forked from one: its command line by pid."""
    mark = f"{MARK}={env[MARK]}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            command = (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if mark in environ:
            found[int(entry.name)] = command.replace(b"\0", b" ").decode(errors="replace").strip()
    return found


def wait_for(condition: Callable[[], object], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def served(env: dict[str, str]) -> int:
    state = json.loads(kb("daemon", "status", "--json", env=env).stdout)
    assert state["running"]
    count = state["served"]
    assert isinstance(count, int)
    return count


@pytest.mark.parametrize(
    "args, status",
    [
        (["search", "cni"], 0),
        (["new", "finding", "--title", "Left behind", "--severity", "low", "--component", "grafana"], 0),
        (["show", DEADLOCK], 0),
        (["list", "finding"], 0),
        (["pickup"], 0),
        (["validate"], 0),
        (["render", "--check"], 1),  # the copy has no rendered docs yet
    ],
    ids=["search", "new", "show", "list", "pickup", "validate", "render-check"],
)
def test_a_command_leaves_no_process_behind(
    sample_kb: Path, user_env: dict[str, str], args: list[str], status: int
) -> None:
    """Any process a command started (a daemon is forked before the command exits) would still be here."""
    for _ in range(2):  # the second would be handed to a daemon the first had started
        result = kb(*args, env=user_env, cwd=sample_kb)
        assert result.returncode == status, result.stderr
        assert processes(user_env) == {}


def test_daemon_start_leaves_one_process_that_the_quick_commands_use_and_stop_ends(
    sample_kb: Path, user_env: dict[str, str]
) -> None:
    started = kb("daemon", "start", env=user_env)
    assert started.returncode == 0, started.stderr
    ((pid, command),) = processes(user_env).items()
    assert "kb.speed.daemon_server" in command
    assert f"(pid {pid})" in started.stdout
    listed = kb("list", "lesson", env=user_env, cwd=sample_kb)
    assert listed.returncode == 0, listed.stderr
    assert served(user_env) == 1
    assert kb("list", "lesson", env={**user_env, "KB_DAEMON": "off"}, cwd=sample_kb).stdout == listed.stdout
    assert served(user_env) == 1, "KB_DAEMON=off does not use the daemon"
    assert wait_for(lambda: processes(user_env).keys() == {pid}), "the workers are gone"
    stopped = kb("daemon", "stop", env=user_env)
    assert stopped.returncode == 0, stopped.stderr
    assert wait_for(lambda: processes(user_env) == {}), "the daemon is gone"


def test_kb_daemon_on_makes_the_first_quick_command_start_the_daemon(sample_kb: Path, user_env: dict[str, str]) -> None:
    """The daemon that `on` starts is the one `kb daemon start` would have: used without `on` too."""
    first = kb("list", "lesson", env={**user_env, "KB_DAEMON": "on"}, cwd=sample_kb)
    assert first.returncode == 0, first.stderr
    (command,) = processes(user_env).values()
    assert "kb.speed.daemon_server" in command
    assert wait_for(lambda: kb("daemon", "status", env=user_env).returncode == 0), "it comes up"
    assert served(user_env) == 0, "the first command ran in the foreground"
    assert kb("list", "lesson", env=user_env, cwd=sample_kb).stdout == first.stdout
    assert served(user_env) == 1
    assert kb("daemon", "stop", env=user_env).returncode == 0
    assert wait_for(lambda: processes(user_env) == {}), "the daemon is gone"
