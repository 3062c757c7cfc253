"""`kb set ID FIELD=VALUE ...`: change fields of a record from a script."""

from __future__ import annotations

import click

from kb.cli.common import UsageError, config, report


@click.command()
@click.argument("ident", metavar="ID")
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@click.option(
    "--json", "as_json", is_flag=True, help="Print what changed (each key, from and to) and the record, as JSON."
)
@click.pass_context
def command(ctx: click.Context, ident: str, assignments: tuple[str, ...], as_json: bool) -> None:
    """Set fields of the record ID (its ID, a prefix only one record has, or a commit's file name).

    \b
      FIELD=VALUE     set a field; an empty VALUE removes it
      FIELD+=VALUE    add an item to a list (tags, components, commits, notes, ...)
      FIELD-=VALUE    take an item out of a list
    A dotted FIELD reaches into a mapping (source.finding, evidence.note, handover.title);
    giving one list FIELD=VALUE twice sets both items. Values are converted where the model
    asks for a date (YYYY-MM-DD), a number or one of its choices, as a record file is read.

    The whole record is validated, and the IDs it names checked, before the file is touched:
    every problem is listed (file, line, code) and nothing is written. Only the keys set are
    rewritten; comments and the rest of the file stay as they were. The fields are those of
    `kb schema --markdown`; lists of mappings (an audit's cleanup, a snapshot's nodes) are
    changed with `kb edit`. Exit status: 0 set, 1 invalid result, 2 usage error.

    \b
    Examples:
      kb set ACT-load-testing-3xr7m priority=P1 owner=dana due=2026-03-01
      kb set F-grafana-crashloopbackoff tags+=grafana tags-=monitoring
      kb set F-dhanam-api status=open resolved=            # reopen a finding
      kb set ACT-doppler source.finding=F-external-secrets --json | jq .changed
    """
    from kb.author.assigning import AssignError, assign
    from kb.author.changing import ChangeError, ChangeProblems

    cfg = config(ctx)
    try:
        changed = assign(cfg, ident, assignments)
    except AssignError as err:
        raise UsageError(str(err), ctx) from None
    except ChangeProblems as err:
        for problem in err.problems:
            click.echo(problem.format(), err=True)
        click.echo("Nothing was written.", err=True)
        ctx.exit(1)
    except ChangeError as err:
        raise click.ClickException(str(err)) from None
    fields = ", ".join(changed.changes) or "nothing changed"
    report(cfg, changed, f"Set {fields} of {changed.path.stem}", as_json)
