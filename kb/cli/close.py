"""`kb close ACTION`: mark a follow-up done, with the commit or note that shows it."""

from __future__ import annotations

import datetime as dt
import sys

import click

from kb.cli.common import UsageError, config, print_json, report


@click.command()
@click.argument("action")
@click.option("--commit", "-c", metavar="HASH", help="The commit that did it: HASH or REPO@HASH.")
@click.option("--note", "-m", metavar="TEXT", help="Why it is closed, in words (e.g. why no commit was needed).")
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day it was closed (YYYY-MM-DD). Default: today."
)
@click.option("--dropped", is_flag=True, help="Close it as dropped (not doing it) instead of done.")
@click.option(
    "--resolve-finding",
    is_flag=True,
    help="When this was the last open action of its finding, resolve the finding too (without asking).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print what changed (each key, from and to) and the action, as JSON; `resolved_finding` says the same "
    "of the finding when it was resolved too.",
)
@click.pass_context
def command(
    ctx: click.Context,
    action: str,
    commit: str | None,
    note: str | None,
    day: dt.datetime | None,
    dropped: bool,
    resolve_finding: bool,
    as_json: bool,
) -> None:
    """Close ACTION (its ID, or a prefix of it only one action has): status, date and evidence.

    Closing needs evidence, a commit or a note; a commit is looked up in its repository when
    that repository is at hand. Only `status`, `closed` and `evidence` are rewritten: the
    file's comments, key order and text stay exactly as they were.

    When it was the last open action of a finding still open, kb offers (on a terminal) to
    resolve the finding too, with the same date and evidence; --resolve-finding does it
    without asking.

    \b
    Examples:
      kb close ACT-load-testing-3xr7m --commit 9a96a77
      kb close ACT-sentinel --note "namespace removed, nothing left to do" --dropped
      kb close ACT-dhanam-api-probes --commit 4c17f1f --resolve-finding
    """
    from kb.author.changing import ChangeError, summary
    from kb.author.closing import NeedsEvidence, close, finding_left_without_actions, resolve
    from kb.records.models import Action, ActionStatus

    cfg = config(ctx)
    status = ActionStatus.dropped if dropped else ActionStatus.done
    when = day.date() if day else dt.date.today()
    try:
        changed = close(cfg, action, when, commit, note, status)
    except NeedsEvidence as err:
        raise UsageError(str(err), ctx) from None
    except ChangeError as err:
        raise click.ClickException(str(err)) from None
    closed = changed.record
    assert isinstance(closed, Action)
    finding = finding_left_without_actions(cfg, closed)
    asking = finding is not None and not resolve_finding and not as_json and sys.stdin.isatty()
    if not as_json:
        report(cfg, changed, f"Closed {closed.id} as {status.value}")
    resolved = None
    question = f"That was the last open action of {finding}. Resolve the finding too?"
    if finding is not None and (resolve_finding or (asking and click.confirm(question, err=True))):
        evidence = note or f"its last open action, {closed.id}, was closed"
        try:
            resolved = resolve(cfg, finding, when, commit, evidence)
        except ChangeError as err:
            raise click.ClickException(str(err)) from None
        if not as_json:
            report(cfg, resolved, f"Resolved {finding}")
    elif finding is not None and not asking:
        click.echo(f"{finding} has no open action left: `kb resolve {finding}` when it is fixed.", err=True)
    if as_json:
        print_json({**summary(cfg, changed), "resolved_finding": summary(cfg, resolved) if resolved else None})
