"""`kb build`: the main job, validate then render the docs then build the site."""

from __future__ import annotations

import click

from kb.cli.common import config


@click.command()
@click.option("--strict", is_flag=True, help="Treat validation warnings as errors.")
@click.pass_context
def command(ctx: click.Context, strict: bool) -> None:
    """Validate every record, render the docs and build the site: the whole pipeline.

    Stops at the first step that fails, after printing every problem that step found.

    \b
    Examples:
      kb build
      kb --root ~/src/infra build --strict
    """
    from kb.validate import validate

    kb, report = validate(config(ctx), strict=strict)
    for diagnostic in report.errors + report.warnings:
        click.echo(diagnostic.format(), err=True)
    if not report.ok:
        ctx.exit(1)
    count = sum(len(entries) for entries in kb.entries.values())
    click.echo(f"validated {count} records ({len(report.warnings)} warnings)")
