"""What kb says when the world fails it: a full disk, a read-only checkout, a file it may not read,
a broken repository, an input nested too deeply. One line, `kb: VERB: PATH: what happened`, and a
hint where one helps; never a traceback.

kb/__main__.py asks `explain` about whatever a command raised; it answers for OSError (socket
errors too), kb's GitError and GitPython's errors, RecursionError and MemoryError, and None for
anything else, which is a bug and keeps its traceback. Standard library only: `kb search` ends
up here too.
"""

from __future__ import annotations

import errno
import os
import socket
import sys

GIT_MODULES = ("kb.gitlink.gitrepo", "git.exc")
"""Modules whose exceptions are git failing: only a run that imported them can raise them."""

HINTS = {
    errno.ENOSPC: "the disk is full: free some space and run it again (no file was left half-written)",
    errno.EDQUOT: "the disk quota is used up: free some space and run it again (no file was left half-written)",
    errno.EROFS: "the file system is read-only; kb validate, search, show, list, pickup and render --check still work",
    errno.EACCES: "kb may not use it: check its permissions and its folder's (ls -ld)",
    errno.EPERM: "kb may not use it: check its permissions and its folder's (ls -ld)",
    errno.ENAMETOOLONG: "the name is too long for the file system: use a shorter title or path",
    errno.ELOOP: "a symbolic link there points to itself, or round a loop of links",
    errno.EISDIR: "a folder is where kb reads or writes a file: move it away, or change the path in kb.toml",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EADDRINUSE: "another program listens there: choose another port with --port",
    errno.EADDRNOTAVAIL: "that address is not this machine's: try --host 127.0.0.1 (or 0.0.0.0 for every address)",
    errno.EAGAIN: "try again once the other kb is done",
}


def verb(argv: list[str]) -> str:
    """The verb of a `kb ARGV` command line (past the group's own options), or "" when it has none."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--root":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return ""


def _shown(path: str | bytes | int | None) -> str:
    """A path as a message names it: relative to the working folder when inside it."""
    if path is None or isinstance(path, int):
        return ""
    text = os.fsdecode(path)
    try:
        cwd = os.getcwd()
    except OSError:
        return text
    return os.path.relpath(text, cwd) if text.startswith(cwd + os.sep) else text


def _os_error(err: OSError) -> tuple[str, str, str]:
    """(path, what happened, hint) for an OSError; the target is named rather than its temporary file."""
    from kb.store import tempfiles  # standard library only, like this module

    path, other = err.filename, err.filename2
    if isinstance(path, str) and tempfiles.is_temporary(os.path.basename(path)):
        path = other if other is not None else tempfiles.target_of(path)
    what = err.strerror or str(err)
    if isinstance(err, socket.gaierror):
        return _shown(path), f"{what} (no such host or address)", "--host takes an address such as 127.0.0.1"
    return _shown(path), what, HINTS.get(err.errno or 0, "")


def explain(err: BaseException, argv: list[str]) -> str | None:
    """The message for `err`, raised by `kb ARGV`, as kb prints it; None for a bug."""
    if isinstance(err, OSError):
        path, what, hint = _os_error(err)
    elif any(type(err).__module__ == name and name in sys.modules for name in GIT_MODULES):
        path, what = "", " ".join(str(err).split()) or type(err).__name__
        hint = "git could not read the repository: `git fsck` there says why"
        if "not on PATH" in what or "not found" in what:
            hint = "install git, or name no [[repositories]] in kb.toml"
    elif isinstance(err, RecursionError):
        path, what, hint = "", "an input is nested too deeply to read", "records allow 64 levels of lists and mappings"
    elif isinstance(err, MemoryError):
        path, what, hint = "", "out of memory", "an input may be far larger than kb expects"
    else:
        return None
    name = verb(argv)
    parts = ["kb", *([name] if name else []), *([path] if path else []), what]
    return ": ".join(parts) + (f"\n  hint: {hint}" if hint else "")
