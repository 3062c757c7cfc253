"""`kb resolve FINDING`: mark a finding resolved, with the fix commit or a note."""

from __future__ import annotations

import datetime as dt

import click

from kb.cli.common import config, report


@click.command()
@click.argument("finding")
@click.option("--commit", "-c", metavar="HASH", help="The fix commit, HASH or REPO@HASH: added to its `commits`.")
@click.option("--note", "-m", metavar="TEXT", help="How it was resolved, in words: a dated line in its `notes`.")
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day it was resolved (YYYY-MM-DD). Default: today."
)
@click.option(
    "--status",
    type=click.Choice(["resolved", "mitigated", "wontfix"]),
    default="resolved",
    show_default=True,
    help="What it becomes: resolved, mitigated (the harm is contained, the cause is not fixed) or wontfix.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print what changed (each key, from and to) and the finding, as JSON."
)
@click.pass_context
def command(
    ctx: click.Context,
    finding: str,
    commit: str | None,
    note: str | None,
    day: dt.datetime | None,
    status: str,
    as_json: bool,
) -> None:
    """Resolve FINDING (its ID, or a prefix of it only one finding has).

    Sets `status` (and, when resolved, the `resolved` date), adds the fix commit to `commits`
    (looked up in its repository when that repository is at hand) and the note to `notes`.
    Only those keys are rewritten: the file's comments, key order and text stay as they were.
    To reopen a finding, `kb set FINDING status=open resolved=`.

    \b
    Examples:
      kb resolve F-grafana-crashloopbackoff --commit 9354dcb
      kb resolve F-dhanam-api --status mitigated --note "TCP probes for now; HTTP probes once startup is fast"
      kb resolve F-sentinel --status wontfix -m "namespace kept empty on purpose" --json
    """
    from kb.author.changing import ChangeError
    from kb.author.closing import open_actions_of, resolve
    from kb.records.models import FindingStatus

    cfg = config(ctx)
    try:
        changed = resolve(cfg, finding, day.date() if day else dt.date.today(), commit, note, FindingStatus(status))
    except ChangeError as err:
        raise click.ClickException(str(err)) from None
    report(cfg, changed, f"Marked {changed.path.stem} {status}", as_json)
    still = open_actions_of(cfg, changed.path.stem)
    if still and not as_json:
        click.echo(f"Still open for it: {', '.join(still)} (`kb close ACTION` each when done).", err=True)
