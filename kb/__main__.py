"""Start kb: the `kb` command and `python -m kb`.

`kb search ...` goes straight to its own argument parser, with only the standard library
loaded, so a search answers fast; every other verb goes through the click group in kb.cli.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["search"]:
        from kb.search.cli import main as search

        sys.exit(search(sys.argv[2:]))
    from kb.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
