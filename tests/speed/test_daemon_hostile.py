"""The kb daemon against clients that misbehave: a real daemon, real sockets, real `kb` commands.

Malformed requests are dropped and the daemon serves on; a client that connects and sends
nothing holds up no one and is dropped after its time; commands are served while such clients
wait.
"""

from __future__ import annotations

import ast
import errno
import marshal
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.speed import daemon_server

pytestmark = [pytest.mark.skipif(sys.platform != "linux", reason="the daemon is Linux only"), pytest.mark.speed]

SO_SNDBUFFORCE = 32
"""Linux's socket option that lets root give a socket a buffer above the system's maximum."""
NAME = f"test-hostile-{os.getpid()}-{secrets.token_hex(3)}"
SECONDS = 20
"""What a served command may take here, however the clients before it behave."""


def kb(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "KB_DAEMON": NAME, "KB_DAEMON_IDLE": "120", **env},
        timeout=SECONDS,
    )


def served() -> int:
    result = kb("daemon", "status", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    return int(result.stdout.split('"served": ')[1].split(",")[0])


@pytest.fixture(scope="module")
def address() -> Iterator[bytes]:
    """The daemon's socket address, as `kb` computes it, with the daemon running there."""
    started = kb("daemon", "start")
    assert started.returncode == 0, started.stderr
    found = subprocess.run(
        [sys.executable, "-c", "from kb.speed.daemon_client import address; print(repr(address()))"],
        capture_output=True,
        text=True,
        env={**os.environ, "KB_DAEMON": NAME},
        check=True,
    )
    yield ast.literal_eval(found.stdout.strip())
    kb("daemon", "stop")


def connect(address: bytes) -> socket.socket:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    client.connect(address)
    return client


def descriptors() -> list[int]:
    return [os.open(os.devnull, os.O_RDWR) for _ in range(3)] + [os.open("/", os.O_RDONLY | os.O_DIRECTORY)]


RUN = {"op": "run", "argv": ["list", "finding"], "env": {}, "umask": 0o022, "cwd": "/"}
MALFORMED = {
    "not marshal data": (b"\xff\xfe not marshal", False),
    "empty": (b"", False),
    "a list, not a request": (marshal.dumps(["op", "run"]), False),
    "an unknown op": (marshal.dumps({"op": "explode"}), False),
    "an op that is not text": (marshal.dumps({"op": 3}), False),
    "run without descriptors": (marshal.dumps(RUN), False),
    "run with argv not text": (marshal.dumps({**RUN, "argv": [1, 2]}), True),
    "run with env not text": (marshal.dumps({**RUN, "env": {"HOME": 7}}), True),
    "run without cwd": (marshal.dumps({k: v for k, v in RUN.items() if k != "cwd"}), True),
    "run with a umask out of range": (marshal.dumps({**RUN, "umask": -1}), True),
    "nested beyond marshal's depth": (b"[" + b"\x01\x00\x00\x00[" * 3000, False),
    "larger than a request may be": (b"x" * (daemon_server.MAX_REQUEST + 4096), False),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_request_is_dropped_and_the_daemon_serves_on(address: bytes, sample_kb: Path, name: str) -> None:
    message, with_fds = MALFORMED[name]
    client = connect(address)
    room = (SO_SNDBUFFORCE if os.geteuid() == 0 else socket.SO_SNDBUF, len(message) + 65536)
    client.setsockopt(socket.SOL_SOCKET, *room)
    fds = descriptors() if with_fds else []
    try:
        try:
            if fds:
                socket.send_fds(client, [message], fds)
            else:
                client.send(message)
        except OSError as err:
            if err.errno != errno.EMSGSIZE:
                raise
            pytest.skip("this kernel sends no message that large, so no daemon can receive one")
        client.settimeout(SECONDS)
        assert client.recv(64) == b""  # dropped: no worker started
    finally:
        client.close()
        for fd in fds:
            os.close(fd)
    before = served()
    result = kb("list", "finding", KB_ROOT=str(sample_kb))
    assert result.returncode == 0 and "10 findings" in result.stderr
    assert served() == before + 1, "served by the daemon, not in the foreground"


def test_a_client_that_sends_nothing_holds_up_no_one(address: bytes, sample_kb: Path) -> None:
    """More silent clients than may wait at once: the oldest make room, the rest time out."""
    silent = [connect(address) for _ in range(daemon_server.MAX_PENDING + 3)]
    try:
        before = served()
        started = time.monotonic()
        results = [kb("list", "finding", KB_ROOT=str(sample_kb)) for _ in range(3)]
        assert all(r.returncode == 0 and "10 findings" in r.stderr for r in results)
        assert served() == before + 3
        assert time.monotonic() - started < daemon_server.REQUEST_SECONDS, "served while the silent ones wait"
        for client in silent:
            client.settimeout(daemon_server.REQUEST_SECONDS + SECONDS)
            assert client.recv(64) == b"", "dropped once its time is up"
    finally:
        for client in silent:
            client.close()


def test_commands_are_served_side_by_side(address: bytes, sample_kb: Path) -> None:
    before = served()
    env = {**os.environ, "KB_DAEMON": NAME, "KB_ROOT": str(sample_kb)}
    commands = [["search", "kyverno"], ["list", "action"], ["pickup", "--format", "md"], ["show", "F-none-aaaaa"]]
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "kb", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for args in commands
    ]
    for process in running:
        process.communicate(timeout=SECONDS)
    statuses = [process.returncode for process in running]
    assert statuses == [0, 0, 0, 1]  # the last names no record: its own error, served alike
    assert served() == before + len(commands)
