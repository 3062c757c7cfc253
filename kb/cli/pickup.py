"""`kb pickup`: the next session's pickup list, as a table, Markdown or JSON."""

from __future__ import annotations

import datetime as dt
import shutil
import sys

import click

from kb.cli.common import UsageError, config, stop


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "md", "json"]),
    help="Output form. Default: table on a terminal, Markdown otherwise.",
)
@click.option("--audit", metavar="ID", help="Only what this audit raised (its ID, or a prefix only one audit has).")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Only items with this tag (repeat: all of them).")
@click.option("--owner", metavar="NAME", help="Only the actions this person has (any case).")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), metavar="DATE", help="Only items raised on this day or later."
)
@click.pass_context
def command(
    ctx: click.Context,
    fmt: str | None,
    audit: str | None,
    tags: tuple[str, ...],
    owner: str | None,
    since: dt.datetime | None,
) -> None:
    """The hand-over for the next session: how the last one ended, then what is left to do.

    The header names the latest audit, its outcome, what it resolved and what it left open.
    Then every open action, and every open or mitigated finding that no open action follows
    up, first things first: priority (P1 to P4, unset last; a finding ranks by its severity,
    critical as P1 down to low and info as P4), then the due date (the overdue, earliest, come
    first), then impact (outage down to low, then unrated, then cosmetic, expected,
    intentional, placeholder), then age (`opened`, else the audit's last day; a finding's
    `found`), then the audit's own pickup and remaining order.

    The Markdown form is docs/PICKUP.md's text, made to be pasted into the next working
    session; JSON carries `last_session` and `items` (each with `kind`, `overdue` as of today).
    The filters narrow the items; the header stays the last session's.

    \b
    Examples:
      kb pickup
      kb pickup --format md > NEXT_SESSION.md
      kb pickup --tag monitoring --owner dana
      kb pickup --audit AUD-production --since 2026-01-01 --format json | jq -r '.items[] | select(.overdue) | .id'
    """
    from kb.check.diagnostics import Stopped
    from kb.report.handover import PickupError, pickup

    chosen = fmt or ("table" if sys.stdout.isatty() else "md")
    width = shutil.get_terminal_size().columns
    try:
        text = pickup(config(ctx), chosen, width, audit, tags, owner, since.date() if since else None)
    except PickupError as err:
        raise UsageError(str(err), ctx) from None
    except Stopped as err:
        stop(ctx, err, "; run `kb validate`")
    click.echo(text, nl=False)
