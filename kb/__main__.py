"""Start kb: the `kb` command and `python -m kb`.

`kb search ...` goes straight to its own argument parser, with only the standard library
loaded, so a search answers fast; every other verb goes through the click group in kb.cli.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    try:
        if sys.argv[1:2] == ["search"]:
            from kb.search.cli import main as search

            sys.exit(search(sys.argv[2:]))
        from kb.cli import main as cli

        cli()
    except BrokenPipeError:
        # The reader went away (`kb search x | head -1`): exit 1 without a traceback, as click
        # does for the other verbs. Stdout now points at /dev/null, so the flush at exit succeeds.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


if __name__ == "__main__":
    main()
