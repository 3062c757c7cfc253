"""The daemon process: import the quick verbs once, then fork a worker for each command.

Started in the background (`python -m kb.speed.daemon_server`, see client.start) by `kb daemon
start`, or by a quick command when KB_DAEMON asks for one; it stops after IDLE_SECONDS unused
(KB_DAEMON_IDLE). It binds the abstract socket named by `client.address()`; if another daemon
holds it, it exits. Each request is served by a forked worker that takes the caller's stdin,
stdout, stderr, working folder, umask and environment, runs `kb ARGV` as `kb` would, and sends
back the exit status. The daemon itself only accepts, answers `status` and `stop`, and keeps
search listings: it watches each records folder it searched (kb/speed/watch.py) and hands the
search it forks that folder's current listing, so the search need not list and stat every
record file.

It waits for every connected client at once (select), so a client that connects and sends
nothing holds up nobody, and is dropped after REQUEST_SECONDS; a request that is not one
(`request`) is dropped too, and the daemon serves on.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import marshal
import os
import select
import signal
import socket
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.speed.daemon_client import SERVED, address, fresh_address, peer_uid

if TYPE_CHECKING:
    from kb.fulltext.index import Listing
    from kb.speed.watch import WatchedListing

PRELOAD = (
    "kb.author.create",
    "kb.report.lookup",
    "kb.report.handover",
    "kb.fulltext.ranking",
    "kb.fulltext.index",
    "kb.speed.watch",
)
"""Modules the served verbs import when they run, beside each verb's own (kb.cli.COMMANDS)."""

MAX_WATCHED = 16
"""Records folders whose listing a daemon keeps at most (the least recently searched go)."""
IDLE_SECONDS = 1200.0
RECHECK_SECONDS = 60.0
"""How often an unused daemon checks that kb's code is still the code it loaded."""
MAX_REQUEST = 1 << 20
"""Largest request accepted, in bytes: the command line and the environment."""
REQUEST_SECONDS = 5.0
"""How long a client that connected has to send its request."""
MAX_PENDING = 64
"""Connections waiting for their request at most; a new one beyond that drops the oldest."""
OPS = frozenset({"run", "status", "stop"})


def preload() -> None:
    """Import what the served verbs need and build the record models' validators now."""
    from kb.cli.group import COMMANDS

    for module in (*PRELOAD, *(COMMANDS[verb] for verb in sorted(SERVED))):
        importlib.import_module(module)
    from kb.records.models import KINDS

    for model in KINDS.values():
        model.model_rebuild(force=True)


class Daemon:
    """The accept loop and what it keeps between requests."""

    def __init__(self, server: socket.socket, name: bytes, idle: float):
        self.server = server
        self.name = name
        self.idle = idle
        self.started = time.time()
        self.served = 0
        self.last_used = time.monotonic()
        self.watched: dict[Path, WatchedListing] = {}
        self.pending: dict[socket.socket, float] = {}
        """Connections waiting for their request, each with the time it must come by."""

    def loop(self) -> None:
        """Serve until no command came for `idle` seconds, told to stop, or kb's code changes."""
        while time.monotonic() - self.last_used < self.idle:
            now = time.monotonic()
            wait = min([self.idle, RECHECK_SECONDS, *(deadline - now for deadline in self.pending.values())])
            ready = select.select([self.server, *self.pending], [], [], max(wait, 0))[0]
            if not ready and not self.pending and fresh_address() != self.name:
                return  # kb was changed or upgraded: no `kb` will ask this daemon again
            for conn in ready:
                if conn is self.server:
                    self.accept()
                    continue
                if self.pending.pop(conn, None) is None:
                    continue  # dropped for a newer connection meanwhile
                with conn:
                    if not self.handle(conn):
                        return
            self.drop_late()

    def accept(self) -> None:
        """Take a new connection from our own user, to answer once its request arrives."""
        try:
            conn, _ = self.server.accept()
        except OSError:  # gone already, or out of descriptors: the client runs its command itself
            return
        try:
            ours = peer_uid(conn) == os.getuid()
        except OSError:
            ours = False
        if not ours:
            conn.close()
            return
        conn.setblocking(False)
        if len(self.pending) >= MAX_PENDING:
            oldest = min(self.pending, key=self.pending.__getitem__)
            del self.pending[oldest]
            oldest.close()
        self.pending[conn] = time.monotonic() + REQUEST_SECONDS

    def drop_late(self) -> None:
        """Close the connections whose request has not come in time."""
        now = time.monotonic()
        for conn in [conn for conn, deadline in self.pending.items() if deadline <= now]:
            del self.pending[conn]
            conn.close()

    def handle(self, conn: socket.socket) -> bool:
        """Answer one request; False when told to stop. What is not a request is dropped."""
        try:
            message, fds, flags, _ = socket.recv_fds(conn, MAX_REQUEST, 4)
        except OSError:
            return True
        try:
            req = request(message, fds, flags)
            if req is None:
                return True  # a probe (`kb` checking the daemon is up) or not a request
            if req["op"] == "stop":
                conn.send(marshal.dumps(self.status()))
                return False
            if req["op"] == "status":
                conn.send(marshal.dumps(self.status()))
            else:
                self.fork(conn, req, fds)
        except OSError:  # the client went away, or no process could be forked: it runs the command itself
            pass
        finally:
            for fd in fds:
                os.close(fd)
        return True

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "started": self.started,
            "served": self.served,
            "idle_timeout": self.idle,
            "watching": [str(records) for records in self.watched],
        }

    def fork(self, conn: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
        self.served += 1
        self.last_used = time.monotonic()
        listings = self.listings_for(request) if request["argv"][:1] == ["search"] else {}
        if os.fork() == 0:
            self.server.close()
            for other in self.pending:
                other.close()
            conn.setblocking(True)
            status = work(conn, request, fds, listings)
            os._exit(status)

    def listings_for(self, request: dict[str, Any]) -> dict[Path, Listing]:
        """The searched records folder's current listing, kept by inotify, by folder; empty if
        unknown.

        The folder is found as the search will find it (KB_ROOT, else upward from its folder);
        the search takes the listing only if it does search that folder. The first search of a
        folder starts watching it. Read here, not in the worker: a worker reading the shared
        inotify descriptor would take the events from the daemon."""
        from kb.speed.watch import WatchedListing
        from kb.store.config import ConfigError, discover

        cwd = Path(request["cwd"])
        root = request["env"].get("KB_ROOT")
        try:
            records = discover(cwd / root if root else None, cwd).records
        except (ConfigError, OSError):
            return {}
        listing = self.watched.pop(records, None)
        try:
            listing = listing or WatchedListing(records)
            found = listing.current()
        except OSError:
            if listing is not None:
                listing.close()
            return {}
        self.watched[records] = listing  # now the most recently searched
        if len(self.watched) > MAX_WATCHED:
            self.watched.pop(next(iter(self.watched))).close()
        return {records: found}


def request(message: bytes, fds: list[int], flags: int) -> dict[str, Any] | None:
    """The request `message` (with the descriptors that came with it) holds, checked; None if it
    is not one: cut short, not marshal data, an unknown op, or a `run` without the caller's
    argv (text), env (text to text), umask, cwd and four descriptors (stdin, stdout, stderr and
    the working folder)."""
    if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
        return None
    try:
        found = marshal.loads(message)
    except Exception:  # EOFError, ValueError, TypeError: whatever the bytes were
        return None
    if not isinstance(found, dict) or found.get("op") not in OPS:
        return None
    if found["op"] != "run":
        return found
    argv, env, umask, cwd = (found.get(key) for key in ("argv", "env", "umask", "cwd"))
    if not (
        len(fds) == 4
        and isinstance(argv, list)
        and all(isinstance(arg, str) for arg in argv)
        and isinstance(env, dict)
        and all(isinstance(key, str) and isinstance(value, str) for key, value in env.items())
        and isinstance(umask, int)
        and 0 <= umask <= 0o777
        and isinstance(cwd, str)
    ):
        return None
    return found


def work(conn: socket.socket, request: dict[str, Any], fds: list[int], listings: dict[Path, Listing]) -> int:
    """In the forked worker: become the caller's process, run its command (a search with
    `listings`), report the status.

    It sends `pid N` when it starts the command (so the caller can pass signals on) and
    `exit N` at the end; `exit` alone means it failed before starting, and the caller may run
    the command itself."""
    status = 1
    try:
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # write to the caller's terminal even under `stty tostop`
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        os.fchdir(fds[3])
        for fd in fds:
            os.close(fd)
        os.umask(request["umask"])
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()  # today's date follows the caller's TZ
        assert hasattr(sys.stdout, "reconfigure")
        sys.stdout.reconfigure(line_buffering=os.isatty(1))
        sys.argv = ["kb", *request["argv"]]
        conn.send(b"pid %d" % os.getpid())
        from kb.__main__ import run

        status = run(request["argv"], listings)
    except BaseException:  # whatever happens, the caller gets the traceback and a status
        traceback.print_exc()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:
            status = status or 1
    with contextlib.suppress(OSError):  # unless the caller is gone
        conn.send(b"exit %d" % status)
    return status


def main() -> None:
    before = address()
    preload()
    name = fresh_address()
    if name is None or name != before:
        return  # off, or kb's code changed while it loaded: the next `kb` starts a fresh one
    server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        server.bind(name)
    except OSError:
        return  # another daemon answers at this name already
    server.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the workers
    os.chdir("/")
    gc.collect()
    gc.freeze()  # the workers share the loaded modules' pages instead of copying them
    Daemon(server, name, float(os.environ.get("KB_DAEMON_IDLE", IDLE_SECONDS))).loop()


if __name__ == "__main__":
    main()
