"""The kb daemon: a warm kb process that answers the quick verbs in a few tens of milliseconds.

Starting Python and importing pydantic, PyYAML, click and SQLite costs a `kb new` or `kb search`
process most of its time. The daemon pays that once: it imports them, then waits on a socket.
`kb` (the client, `kb/daemon/client.py`, standard library only) hands it the command line, the
environment, the working folder and its own stdin, stdout and stderr; the daemon forks a child
that runs the command exactly as `kb` would have, writing straight to the caller's terminal or
pipe, and the client exits with the child's status. For searches the daemon also keeps each
records folder's file listing current with inotify, so a search need not stat every record.

The first quick command with no daemon running runs as usual and then starts one in the
background; it stops after a while unused (`KB_DAEMON_IDLE`, seconds, default 1200) or on
`kb daemon stop`. `KB_DAEMON=off` turns it off; any other value names a separate daemon.
Linux only: it uses an abstract Unix socket and checks the peer's user on both ends.
"""
