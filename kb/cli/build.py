"""`kb build`: the main job, validate then render the docs then build the site."""

from __future__ import annotations

import click

from kb.cli.common import config, fail, ignore_option


@click.command()
@click.option("--strict", is_flag=True, help="Treat validation warnings as errors (those ignored stay silent).")
@ignore_option
@click.pass_context
def command(ctx: click.Context, strict: bool, ignore: tuple[str, ...]) -> None:
    """Validate every record, render the docs and build the site: the whole pipeline.

    Stops at the first step that fails, after printing every problem that step found.

    \b
    Examples:
      kb build
      kb --root ~/src/infra build --strict
    """
    from kb.publish.sitebuild import SiteError, build_site
    from kb.rendering.outputs import RenderError, render

    settings = config(ctx, ignore)
    try:
        result = render(settings, strict=strict)
    except RenderError as err:
        fail(ctx, err.diagnostics, f"build stopped: {err}")
    for diagnostic in result.warnings:
        click.echo(diagnostic.format(), err=True)
    click.echo(
        f"validated and rendered: {len(result.written)} documents written, {len(result.unchanged)} unchanged"
        f" ({len(result.warnings)} warnings)"
    )
    try:
        site = build_site(settings, rendered=result.documents)
    except SiteError as err:
        click.echo(f"build stopped: {err}", err=True)
        ctx.exit(1)
    click.echo(
        f"site built: {site.pages} pages in {site.site_dir}; open {site.site_dir / 'index.html'}"
        " or run `kb serve` to browse with search"
    )
