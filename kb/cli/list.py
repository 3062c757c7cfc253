"""`kb list KIND`: the records of one kind, filtered, as a table or JSON."""

from __future__ import annotations

import datetime as dt
import shutil
import sys

import click

from kb.cli.common import config, print_json

KIND_NAMES = ("audit", "finding", "lesson", "action", "snapshot", "commit")
COLUMNS = ("severity", "priority", "status", "outcome")
"""Short fields shown as table columns when the kind has them."""


def _cell(record: object, name: str) -> str:
    value = getattr(record, name)
    return str(getattr(value, "value", value) or "-")


@click.command()
@click.argument("kind", type=click.Choice(KIND_NAMES))
@click.option("--status", help="Only records with this status (open, resolved, done, ...).")
@click.option("--severity", help="Only findings of this severity.")
@click.option("--tag", "tags", multiple=True, help="Only records with this tag. Repeatable: all must match.")
@click.option("--audit", help="Only records of this audit (its ID or a prefix of it).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only records dated on or after this day.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of records.")
@click.pass_context
def command(
    ctx: click.Context,
    kind: str,
    status: str | None,
    severity: str | None,
    tags: tuple[str, ...],
    audit: str | None,
    since: dt.datetime | None,
    as_json: bool,
) -> None:
    """List the records of KIND, newest first: finding, action, lesson, audit, snapshot or commit.

    A record's date is when it was found (findings), raised (actions) or started (audits),
    else its audit's last day.

    \b
    Examples:
      kb list finding --severity high --status open
      kb list action --status open --since 2026-01-01
      kb list lesson --tag kyverno --json | jq -r '.[].id'
    """
    from kb.report.lookup import Filters, QueryError, ident, select, title
    from kb.store.loader import load, plain

    kb = load(config(ctx))
    try:
        rows = select(kb, kind, Filters(status, severity, tags, audit, since.date() if since else None))
    except QueryError as err:
        raise click.ClickException(str(err)) from None
    if as_json:
        print_json([plain(rec) for rec, _ in rows])
        return
    if not rows:
        click.echo(f"no {kind} matches", err=True)
        return
    columns = [name for name in COLUMNS if name in type(rows[0][0]).model_fields]
    table = [[ident(rec), *(_cell(rec, c) for c in columns), str(day or "-"), title(rec)] for rec, day in rows]
    header = ["ID", *(c.upper() for c in columns), "DATE", "TITLE"]
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header) - 1)]
    room = max(shutil.get_terminal_size().columns - sum(widths) - 2 * len(widths), 20)
    if not sys.stdout.isatty():
        room = max(len(row[-1]) for row in table)  # piped: never cut a title
    for row in [header, *table]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        text = row[-1] if len(row[-1]) <= room else row[-1][: room - 1] + "…"
        click.echo("  ".join([*cells, text]).rstrip())
    click.echo(f"{len(rows)} {kind}{'s' if len(rows) != 1 else ''}", err=True)
