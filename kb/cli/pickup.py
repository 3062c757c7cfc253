"""`kb pickup`: the next session's pickup list, as a table, Markdown or JSON."""

from __future__ import annotations

import shutil
import sys

import click

from kb.cli.common import config, stop


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "md", "json"]),
    help="Output form. Default: table on a terminal, Markdown otherwise.",
)
@click.pass_context
def command(ctx: click.Context, fmt: str | None) -> None:
    """List every open action, highest priority first, then oldest, with where it came from.

    Priority runs P1 to P4, unset last; age is the action's `opened` date, else its audit's
    last day; ties keep the order of the audit's pickup list. The Markdown form is made to
    be pasted into the next working session.

    \b
    Examples:
      kb pickup
      kb pickup --format md > NEXT_SESSION.md
      kb pickup --format json | jq -r '.[] | select(.priority == "P1") | .id'
    """
    from kb.check.diagnostics import Stopped
    from kb.report.handover import pickup

    chosen = fmt or ("table" if sys.stdout.isatty() else "md")
    try:
        text = pickup(config(ctx), chosen, width=shutil.get_terminal_size().columns)
    except Stopped as err:
        stop(ctx, err, "; run `kb validate`")
    click.echo(text, nl=False)
