"""`kb search` on the command line, parsed with argparse so that a search starts fast.

A search is the verb people run most, and a whole `kb search` process should answer in about
100 ms; importing click alone takes a third of that here. So `kb search ...` comes straight to
`main` (see kb/__main__.py) with only the standard library loaded; the click group (for
`kb --help` and `kb --root DIR search ...`) gets `command`, made on demand, which hands its
arguments to the same `main`, so there is one definition.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.fulltext.searchdoc import SEVERITIES, STATUSES
from kb.store.config import ConfigError, discover
from kb.store.layout import FOLDERS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kb.fulltext.index import Listing
    from kb.fulltext.ranking import SearchResult

SUMMARY = "Search lessons, findings, actions, audits, commits and snapshots, best match first."

DESCRIPTION = f"""{SUMMARY}

Describe the problem in your own words: records sharing the most, and the rarest, of the
words rank first, and a word matches its other forms (probe, probes, probing) and its
synonyms (worker finds node, restarting finds CrashLoopBackOff: kb's table, plus kb.toml's
[search] synonyms). A word of five letters or more that no record has is read as the
indexed word it is a typing slip from (kyvrno is kyverno), and kb says so. A lesson
ranks above a finding that matches as well, and so does the lesson learned from a matching
finding. Put a phrase in quotes to require it; a record ID or commit hash finds that record
and every record citing it; `crash*` matches words starting so.

The index (in the cache folder, e.g. .kb-cache/search.sqlite3) is brought up to date before
every search: only records changed since are re-read. Exit status: 0 found, 1 nothing found,
2 usage error."""

EXAMPLES = """examples:
  kb search pods on the new node cannot reach the API
  kb search '"sync can deadlock"' --kind lesson
  kb search kyverno --severity critical --status resolved --since 2026-01-01
  kb search F-vps-builder-node-cni-broken-9tb5e
  kb search 33b71ca --json | jq -r '.[].id'"""

MAX_WIDTH = 100
BOLD, HIGHLIGHT, RESET = "\x1b[1m", "\x1b[1;33m", "\x1b[0m"


def _day(text: str) -> str:
    """A YYYY-MM-DD date, checked and returned as ISO text."""
    import datetime as dt

    try:
        day = dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD")
    return day.isoformat()


MAX_LIMIT = 2**63 - 1
"""The largest --limit: SQLite's integers are 64 bits."""


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    if number > MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"{text!r} is more than {MAX_LIMIT}, the most there can be")
    return number


def _formatter(prog: str) -> argparse.HelpFormatter:
    """argparse's formatter, as wide as the terminal up to 100 columns (as the other verbs' help).

    Asking os for the width directly spares a search the import of shutil (about 3 ms here),
    which argparse would make to ask."""
    try:
        columns = os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError):
        columns = 80
    return argparse.RawDescriptionHelpFormatter(prog, width=min(columns, MAX_WIDTH) - 2)


def parser() -> argparse.ArgumentParser:
    """The argument parser of `kb search` (its --help is the command's manual)."""
    p = argparse.ArgumentParser(prog="kb search", description=DESCRIPTION, epilog=EXAMPLES, formatter_class=_formatter)
    p.add_argument("query", nargs="+", metavar="QUERY", help="Words, quoted phrases, record IDs or commit hashes.")
    filters: list[tuple[str, str, dict[str, Any], str]] = [
        ("--kind", "kinds", {"choices": tuple(FOLDERS)}, "Only this kind (repeatable)."),
        ("--tag", "tags", {"metavar": "TAG"}, "Only records with this tag (repeat: all of them)."),
        ("--severity", "severities", {"choices": SEVERITIES}, "Only findings this bad (repeatable)."),
        ("--status", "statuses", {"choices": STATUSES}, "Only findings or actions so (repeatable)."),
    ]
    for flag, dest, accepted, text in filters:
        p.add_argument(flag, dest=dest, action="append", default=[], help=text, **accepted)
    p.add_argument(
        "--since",
        type=_day,
        metavar="DATE",
        help="Only records dated this day or later (YYYY-MM-DD); a record without a date has its audit's.",
    )
    p.add_argument("--limit", type=_positive, default=10, metavar="N", help="Show at most this many (default: 10).")
    p.add_argument("--json", dest="as_json", action="store_true", help="Print a JSON array of results, best first.")
    return p


def main(argv: list[str], root: Path | None = None, listings: Mapping[Path, Listing] | None = None) -> int:
    """Run `kb search ARGV` for the knowledge base at `root` (else KB_ROOT, else found upward); the exit status.

    `listings` holds the record files of some records folders as the caller knows them now (the
    kb daemon watches them): a search of one of those folders takes its listing instead of
    listing the folder."""
    from kb.fulltext.ranking import Filters, SearchError, search  # here, so `kb --help` need not load SQLite

    args = parser().parse_intermixed_args(argv)
    if root is None and os.environ.get("KB_ROOT"):
        root = Path(os.environ["KB_ROOT"])
    try:
        config = discover(root)
    except ConfigError as err:
        print(f"kb search: error: {err}", file=sys.stderr)
        return 2
    text = " ".join(args.query)
    filters = Filters(tuple(args.kinds), tuple(args.tags), tuple(args.severities), tuple(args.statuses), args.since)
    try:
        listing = listings.get(config.records) if listings else None
        result = search(config.cache, config.records, text, filters, args.limit, config.synonyms, listing)
    except SearchError as err:
        print(f"Error: {err}", file=sys.stderr)
        return 1
    if result.stats.in_memory:
        where = config.cache.relative_to(config.root) if config.cache.is_relative_to(config.root) else config.cache
        print(
            f"warning: the search index in {where} cannot be written ({result.stats.in_memory}): searched in memory",
            file=sys.stderr,
        )
    for word, instead in result.parsed.corrected:
        print(f"No record has {word!r}: searched for {' or '.join(instead)} instead.", file=sys.stderr)
    if result.stats.unreadable:
        files = ", ".join(result.stats.unreadable)
        print(f"warning: not searched, cannot be read (run `kb validate`): {files}", file=sys.stderr)
    if args.as_json:
        _print_json(result, config.records, config.root)
    else:
        _print_text(result, color=sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    if result.hits:
        return 0
    print(f"No records match {text!r}.", file=sys.stderr)
    for tip in result.suggestions:
        print(f"  try: {tip}", file=sys.stderr)
    return 1


def _print_json(result: SearchResult, records: Path, root: Path) -> None:
    import json

    from kb.fulltext.results import as_data

    plain = not sys.stdout.encoding.lower().startswith("utf")  # escaped where stdout cannot write UTF
    json.dump([as_data(hit, records, root) for hit in result.hits], sys.stdout, indent=2, ensure_ascii=plain)
    sys.stdout.write("\n")


def _print_text(result: SearchResult, color: bool) -> None:
    """Each hit as its ID, facts and score, its title (when the snippet is not it) and the snippet."""
    from kb.fulltext.ranking import END, START
    from kb.fulltext.results import unmarked

    bold, mark, reset = (BOLD, HIGHLIGHT, RESET) if color else ("", "", "")
    for hit in result.hits:
        facts = " · ".join(fact for fact in (hit.kind, hit.severity, hit.status, hit.date) if fact)
        print(f"{bold}{hit.id}{reset}  {facts}  (score {hit.score:g})")
        if unmarked(hit.snippet) != hit.title:
            print(f"  {hit.title}")
        print(f"  {hit.snippet.replace(START, mark).replace(END, reset)}\n")


def __getattr__(name: str) -> Any:
    """`command`: the verb as the click group knows it, made only when the group asks for it."""
    if name != "command":
        raise AttributeError(name)
    import click

    @click.command(
        name="search",
        help=SUMMARY + " See `kb search --help`.",
        short_help=SUMMARY,
        add_help_option=False,
        context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    )
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    @click.pass_context
    def command(ctx: click.Context, args: tuple[str, ...]) -> None:
        ctx.exit(main(list(args), ctx.find_root().obj))

    return command
