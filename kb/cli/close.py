"""`kb close ACTION`: mark a follow-up done, with the commit or note that shows it."""

from __future__ import annotations

import datetime as dt

import click

from kb.cli.common import UsageError, config, print_json


@click.command()
@click.argument("action")
@click.option("--commit", "-c", metavar="HASH", help="The commit that did it: HASH or REPO@HASH.")
@click.option("--note", "-m", metavar="TEXT", help="Why it is closed, in words (e.g. why no commit was needed).")
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day it was closed (YYYY-MM-DD). Default: today."
)
@click.option("--dropped", is_flag=True, help="Close it as dropped (not doing it) instead of done.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print what changed (each key, from and to) and the action, as JSON."
)
@click.pass_context
def command(
    ctx: click.Context,
    action: str,
    commit: str | None,
    note: str | None,
    day: dt.datetime | None,
    dropped: bool,
    as_json: bool,
) -> None:
    """Close ACTION (its ID, or a prefix of it only one action has): status, date and evidence.

    Closing needs evidence, a commit or a note. Only `status`, `closed` and `evidence` are
    rewritten: the file's comments, key order and text stay exactly as they were.

    \b
    Examples:
      kb close ACT-load-testing-3xr7m --commit 9a96a77
      kb close ACT-sentinel --note "namespace removed, nothing left to do" --dropped
    """
    from kb.author.closing import CloseError, NeedsEvidence, close
    from kb.records.models import ActionStatus

    cfg = config(ctx)
    status = ActionStatus.dropped if dropped else ActionStatus.done
    try:
        changed = close(cfg, action, (day.date() if day else dt.date.today()), commit, note, status)
    except NeedsEvidence as err:
        raise UsageError(str(err), ctx) from None
    except CloseError as err:
        raise click.ClickException(str(err)) from None
    report(cfg, changed, as_json, f"Closed {changed.action.id} as {status.value}")


def report(cfg: object, changed: object, as_json: bool, headline: str) -> None:
    """Print what `kb close` or `kb reopen` changed."""
    from kb.author.closing import Changed, summary
    from kb.store.config import Config
    from kb.store.loader import relative

    assert isinstance(cfg, Config) and isinstance(changed, Changed)
    if as_json:
        print_json(summary(cfg, changed))
    else:
        click.echo(f"{headline}: {relative(cfg, changed.path)}")
