"""`kb stats`: the dashboard's figures in the terminal."""

from __future__ import annotations

import click

from kb.cli.common import config, print_json


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(0), help="Rows of each list to show.")
@click.pass_context
def command(ctx: click.Context, as_json: bool, limit: int) -> None:
    """Counts by severity and status, time to resolve, open actions by age, recurring components.

    Dates a record leaves out come from its audit: found is the audit's start, resolved its
    last day. The same figures are on the site's home page.

    \b
    Examples:
      kb stats
      kb stats --json | jq .resolve_days.median
    """
    from kb.report import figures
    from kb.store.loader import load

    kb = load(config(ctx))
    computed = figures.compute(kb)
    if as_json:
        print_json(computed.as_json())
    else:
        click.echo(figures.text(computed, limit), nl=False)
    if kb.problems:
        click.echo(f"warning: {len(kb.problems)} records did not load; run `kb validate`", err=True)
