"""`kb render`: regenerate every configured document from the records, or check they are current."""

from __future__ import annotations

from pathlib import Path

import click

from kb.cli.common import config, ignore_option, print_json, stop


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the outputs under DIR instead of the knowledge base root.",
)
@click.option("--check", is_flag=True, help="Write nothing; print a diff and exit 1 if any output is stale.")
@click.option(
    "--json", "as_json", is_flag=True, help='Print {"written", "unchanged", "removed", "stale"} instead of lines.'
)
@ignore_option
@click.pass_context
def command(ctx: click.Context, out: Path | None, check: bool, as_json: bool, ignore: tuple[str, ...]) -> None:
    """Render the audit reports, INFRA_ANATOMY, GITOPS and the pickup list from the records.

    The records are validated and scanned for secrets first; on any problem nothing is
    written. Outputs and their paths come from `outputs` in kb.toml (`{audit}` expands to
    each audit's ID); only files whose text changed are rewritten, atomically. The report of an
    audit that no longer exists is removed.

    With --check nothing is written: stale outputs (and reports of audits that are gone) are
    printed as a unified diff (a managed region: only that region) and the exit status is 1, so
    CI and pre-commit can insist the committed docs are current.
    Exit status: 0 done (or current), 1 stale or invalid records, 2 usage error.

    \b
    Examples:
      kb render
      kb render --out /tmp/docs
      kb render --check
    """
    from kb.check.diagnostics import Stopped
    from kb.pipeline import render_docs

    try:
        result = render_docs(config(ctx, ignore), out=out, check=check)
    except Stopped as err:
        stop(ctx, err)
    for warning in result.warnings:
        click.echo(warning.format(), err=True)
    if as_json:
        print_json(
            {"written": result.written, "unchanged": result.unchanged, "removed": result.removed, "stale": result.stale}
        )
    elif check:
        for diff in result.diffs.values():
            click.echo(diff, nl=False)
        verdict = f"{len(result.stale)} stale" if result.stale else "all current"
        click.echo(f"{len(result.unchanged) + len(result.stale)} outputs checked: {verdict}", err=True)
    else:
        for path in result.written:
            click.echo(f"wrote {path}", err=True)
        for path in result.removed:
            click.echo(f"removed {path} (its audit is gone)", err=True)
        removed = f", {len(result.removed)} removed" if result.removed else ""
        click.echo(f"{len(result.written)} written, {len(result.unchanged)} unchanged{removed}", err=True)
    ctx.exit(1 if result.stale else 0)
