"""`kb diff`: what changed in the infrastructure between two snapshots or two audits."""

from __future__ import annotations

import click

from kb.cli.common import config, print_json


@click.command()
@click.argument("before")
@click.argument("after")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@click.pass_context
def command(ctx: click.Context, before: str, after: str, as_json: bool) -> None:
    """Show what changed from snapshot BEFORE to snapshot AFTER.

    Either may be an audit ID, which stands for that audit's latest snapshot. Shows nodes
    added or removed, version and readiness changes, applications whose sync or health
    changed, failing pod counts that went up, and volumes added, removed or resized.

    \b
    Examples:
      kb diff SNAP-jan-audit-5nw2q SNAP-feb-audit-8kq2d
      kb diff AUD-jan-audit-k3f9x AUD-feb-audit-2hx7c --json | jq '.apps'
    """
    from kb.report.snapshotdiff import DiffError, diff_snapshots, format_diff, snapshot_of
    from kb.store.loader import load

    kb = load(config(ctx))
    try:
        diff = diff_snapshots(snapshot_of(kb, before), snapshot_of(kb, after))
    except DiffError as err:
        raise click.ClickException(str(err)) from None
    if as_json:
        print_json(diff.as_dict())
    else:
        click.echo("\n".join(format_diff(diff)))
