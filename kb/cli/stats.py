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
    from kb import stats
    from kb.store import load

    kb = load(config(ctx))
    figures = stats.compute(kb)
    if as_json:
        print_json(figures.as_json())
    else:
        click.echo(stats.text(figures, limit), nl=False)
    if kb.problems:
        click.echo(f"warning: {len(kb.problems)} records did not load; run `kb validate`", err=True)
