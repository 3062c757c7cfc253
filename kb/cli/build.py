"""`kb build`: the main job, validate then render the docs then build the site."""

from __future__ import annotations

import click

from kb.cli.common import config, fail


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
    from kb.render import RenderError, render

    try:
        result = render(config(ctx), strict=strict)
    except RenderError as err:
        fail(ctx, err.diagnostics, f"build stopped: {err}")
    for diagnostic in result.warnings:
        click.echo(diagnostic.format(), err=True)
    click.echo(
        f"validated and rendered: {len(result.written)} documents written, {len(result.unchanged)} unchanged"
        f" ({len(result.warnings)} warnings)"
    )
