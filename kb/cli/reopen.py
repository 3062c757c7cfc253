"""`kb reopen ACTION`: mark a closed follow-up open again."""

from __future__ import annotations

import datetime as dt

import click

from kb.cli.common import config, report


@click.command()
@click.argument("action")
@click.option("--note", "-m", metavar="TEXT", help="Why it is open again.")
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day it was reopened (YYYY-MM-DD). Default: today."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print what changed (each key, from and to) and the action, as JSON."
)
@click.pass_context
def command(ctx: click.Context, action: str, note: str | None, day: dt.datetime | None, as_json: bool) -> None:
    """Reopen ACTION: status back to open, `closed` and `evidence` removed.

    How it had been closed (date, commit, note) is kept as a dated line in its `notes`, so
    nothing is lost. The rest of the file stays exactly as it was.

    \b
    Examples:
      kb reopen ACT-load-testing-3xr7m --note "p99 regressed again after the upgrade"
    """
    from kb.author.changing import ChangeError
    from kb.author.closing import reopen

    cfg = config(ctx)
    try:
        changed = reopen(cfg, action, (day.date() if day else dt.date.today()), note)
    except ChangeError as err:
        raise click.ClickException(str(err)) from None
    report(cfg, changed, f"Reopened {changed.path.stem}", as_json)
