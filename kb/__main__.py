"""Start kb: the `kb` command and `python -m kb`.

A quick verb goes to the kb daemon when one is running (kb/speed/daemon_server.py), which answers
it without importing the libraries again; a daemon runs only if asked for (`kb daemon start`,
or KB_DAEMON=on, with which this starts one after the command: kb/speed/daemon_client.py).
Otherwise the command runs here: `kb search ...` straight to its own argument parser, with only
the standard library loaded, every other verb through the click group in kb.cli. Whatever the
world does to a command (a full disk, a read-only checkout, a broken repository) ends here as one
line and exit status 1 (kb/cli/failure.py), never as a traceback.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # as typing's, without importing typing before every command
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from kb.fulltext.index import Listing


def main() -> None:
    from kb.speed import daemon_client as client

    argv = sys.argv[1:]
    status = client.served(argv)
    if status is None:
        try:
            status = run(argv)
        finally:
            client.start_for(argv)
    sys.exit(status)


def run(argv: list[str], listings: Mapping[Path, Listing] | None = None) -> int:
    """Run `kb ARGV` in this process; the exit status. A search takes its records folder's
    listing from `listings` if it is there (see kb.cli.search.main)."""
    _tolerant_output()
    try:
        if argv[:1] == ["search"]:
            from kb.cli.search import main as search

            return search(argv[1:], listings=listings)
        from kb.cli.group import main as cli

        cli.main(args=argv, prog_name="kb")
        return 0
    except SystemExit as exit:
        if exit.code is None or isinstance(exit.code, int):
            return exit.code or 0
        print(exit.code, file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`kb search x | head -1`): exit 1 without a traceback, as click
        # does for the other verbs. Stdout now points at /dev/null, so the flush at exit succeeds.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as err:  # OSError, GitError, RecursionError, MemoryError: see kb.cli.failure
        from kb.cli.failure import explain

        message = explain(err, argv)
        if message is None:
            raise  # a bug: its traceback is what a report needs
        print(message, file=sys.stderr)
        return 1


def _tolerant_output() -> None:
    """Let stdout and stderr replace what their encoding cannot write (PYTHONIOENCODING=ascii, a
    C locale) rather than fail the command on the first `·` or `é`."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and not stream.encoding.lower().startswith("utf"):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


if __name__ == "__main__":
    main()
