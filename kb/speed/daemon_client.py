"""The `kb` command's side of the daemon: hand a quick command to it, or say there is none.

The daemon runs only when asked for: `kb daemon start`, or KB_DAEMON=on (or a daemon's name),
with which the first quick command starts it. A quick command uses a daemon that is running
and otherwise runs itself, starting nothing; finding that none runs takes about 2 ms (naming
the daemon from kb's files, importing _socket, one connection attempt). KB_DAEMON=off never
uses one.

This runs before every `kb` command, so it imports little: `_socket` rather than `socket`
(which loads `selectors`), and marshal rather than json (both ends are the same user's same
Python and kb, which the socket's name and a peer check ensure).
"""

from __future__ import annotations

import functools
import marshal
import os
import signal
import sys

from kb.speed import enabled as speed_enabled

TYPE_CHECKING = False  # as typing's, without importing typing (5 ms) before every command
if TYPE_CHECKING:
    import _socket
    import socket
    from typing import Any

SERVED = frozenset({"search", "new", "show", "list", "pickup"})
"""Verbs the daemon answers: quick ones, run often, that need no terminal of their own."""

TERMINAL_OPTIONS = ("--edit", "-e", "--from", "--interactive", "-i")
"""`kb new` options that open an editor or prompt (as `kb new` on a terminal does, unless
--no-input): reading the terminal is for its foreground process group, which a worker is not."""

STARTUP_ENVIRONMENT = ("PYTHONIOENCODING", "PYTHONUTF8", "LC_ALL", "LC_CTYPE", "LANG")
"""Variables that set how Python starts (its stdio encoding): a daemon serves only its own."""

OFF = frozenset({"off", "0", "no", "false"})
"""KB_DAEMON values that mean no daemon at all (the usual ways of saying no, so none starts)."""
ON = frozenset({"on", "1", "yes", "true"})
"""KB_DAEMON values that mean the default daemon, started by the first quick command."""


def served(argv: list[str]) -> int | None:
    """Run `kb ARGV` in the daemon and return its exit status; None if the daemon cannot run it.

    None means nothing ran: there is no daemon (or it is off, or another user's), or the command
    needs the terminal (a prompt or an editor reads it, which a process outside the terminal's
    foreground may not do), so the caller runs the command itself.
    """
    if not _daemon_can_run(argv):
        return None
    sock = _connect()
    if sock is None:
        return None
    try:
        return _run(sock, argv)
    finally:
        sock.close()


def start_for(argv: list[str]) -> None:
    """Start a daemon in the background if KB_DAEMON asks for one (`on`, or a daemon's name),
    it would have run this command, and none answers."""
    if _asked_for() and _daemon_can_run(argv):
        start()


def _asked_for() -> bool:
    """Whether KB_DAEMON asks quick commands to start a daemon: `on` or a daemon's name; unset, no."""
    value = os.environ.get("KB_DAEMON", "").lower()
    return value != "" and value not in OFF


def start() -> None:
    """Start the daemon in the background, detached from this process, unless one answers."""
    if address() is None or _running():
        return
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    child = os.fork()
    if child == 0:  # forks the daemon and exits, so the daemon is nobody's child (no zombie)
        try:
            if os.fork() == 0:
                os.setsid()
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                os.chdir(package_parent)  # so `-m` imports this very kb
                os.execv(sys.executable, [sys.executable, "-m", "kb.speed.daemon_server"])
        finally:
            os._exit(0)
    os.waitpid(child, 0)


def _connect() -> _socket.socket | None:
    """A socket connected to this kb's daemon, run by our own user; None if none answers."""
    name = address()
    if name is None:
        return None
    import _socket

    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)
    try:
        sock.connect(name)
        if peer_uid(sock) == os.getuid():
            return sock
    except OSError:
        pass
    sock.close()
    return None


def _running() -> bool:
    sock = _connect()
    if sock is None:
        return False
    sock.close()
    return True


def control(op: str) -> dict[str, Any] | None:
    """Ask the daemon for its `status` (a mapping) or to `stop`; None if none answers."""
    sock = _connect()
    if sock is None:
        return None
    try:
        sock.send(marshal.dumps({"op": op}))
        reply = sock.recv(1 << 16)
    except OSError:
        return None
    finally:
        sock.close()
    return marshal.loads(reply) if reply else None


def _daemon_can_run(argv: list[str]) -> bool:
    if not argv or argv[0] not in SERVED or not speed_enabled():  # KB_NO_SPEED: no daemon asked or started
        return False
    if argv[0] != "new":
        return True
    prompts = os.isatty(0) and "--no-input" not in argv
    return not prompts and not any(arg.split("=")[0] in TERMINAL_OPTIONS for arg in argv)


def _run(sock: _socket.socket, argv: list[str]) -> int | None:
    """Send the request with our stdin, stdout, stderr and working folder; relay signals; the
    status. None only when the command certainly did not run (so the caller may run it)."""
    import _socket

    mask = os.umask(0o022)
    os.umask(mask)
    try:
        request = marshal.dumps({"op": "run", "argv": argv, "env": dict(os.environ), "umask": mask, "cwd": os.getcwd()})
        cwd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
        try:
            fds = b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in (0, 1, 2, cwd))
            sock.sendmsg([request], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fds)])
        finally:
            os.close(cwd)
        started = sock.recv(64)
    except OSError:
        return None  # not sent, or the daemon closed the connection before a worker took it
    if not started.startswith(b"pid "):
        return None  # no worker, or it failed before starting the command: nothing ran
    worker = int(started[4:])
    forwarded: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        forwarded.append(signum)
        os.kill(worker, signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, forward)
    try:
        status = sock.recv(64)
    except OSError:
        status = b""
    if status.startswith(b"exit "):
        return int(status[5:])
    if forwarded:  # killed by the signal we passed on: end the same way
        signal.signal(forwarded[-1], signal.SIG_DFL)
        os.kill(os.getpid(), forwarded[-1])
    print(f"kb: the daemon's worker (pid {worker}) ended without an exit status", file=sys.stderr)
    return 1


@functools.cache
def address() -> bytes | None:
    """The abstract socket name of the daemon for this user, Python and kb code; None when off.

    KB_DAEMON unset or `on` name the default daemon, any other value but `off` a separate one.
    The name changes whenever kb's code, the installed packages, the interpreter or how it starts
    change, so a daemon never serves code older than the `kb` asking: it is just not found,
    and ends when idle.
    """
    name = os.environ.get("KB_DAEMON", "")
    if name.lower() in OFF or sys.platform != "linux":
        return None
    if name.lower() in ON:
        name = ""
    import zlib

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    facts = [
        os.path.realpath(sys.executable),
        sys.version,
        name,
        package,
        *(os.environ.get(v, "") for v in STARTUP_ENVIRONMENT),
    ]
    for entry in sys.path[1:]:  # [0] is the script's folder or the working one, not an install
        if entry and entry != os.path.dirname(package):
            facts.append(f"{entry} {_mtime(entry)}")
    from kb.speed.filecache import code_digest  # the caches' digest of kb's code: one digest for both

    try:
        facts.append(code_digest())
    except OSError:
        return None  # kb's own files cannot be read: run without a daemon
    blob = "\0".join(facts).encode("utf-8", "surrogateescape")
    return f"\0kb-daemon-{os.getuid()}-{zlib.crc32(blob):08x}{zlib.adler32(blob):08x}".encode()


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def fresh_address() -> bytes | None:
    """`address()` made again from kb's files as they are now, for a daemon that has run a while."""
    from kb.speed.filecache import code_digest

    code_digest.cache_clear()
    address.cache_clear()
    return address()


def peer_uid(sock: _socket.socket | socket.socket) -> int:
    """The user ID of the process at the other end of a connected Unix socket."""
    import _socket

    creds = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)  # struct ucred: pid, uid, gid
    return int.from_bytes(creds[4:8], sys.byteorder)
