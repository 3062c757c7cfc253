"""`kb build`: the main job, validate then render the docs then build the site."""

from __future__ import annotations

import click

from kb.cli.common import config, ignore_option, jobs_option, stop


@click.command()
@click.option("--strict", is_flag=True, help="Treat validation warnings as errors (those ignored stay silent).")
@click.option(
    "--force",
    is_flag=True,
    help="Replace files at output paths that kb did not write (hand-written docs): only after a backup.",
)
@ignore_option
@jobs_option
@click.pass_context
def command(ctx: click.Context, strict: bool, force: bool, ignore: tuple[str, ...], jobs: int) -> None:
    """Validate every record, render the docs and build the site: the whole pipeline.

    The records are loaded once, checked and scanned for secrets; then the docs are written
    and the site is built from them. Stops at the first step that fails, after printing every
    problem that step found; nothing is written when the records are invalid. As `kb render`,
    it replaces only files kb wrote, unless --force (after a backup).

    \b
    Examples:
      kb build
      kb --root ~/src/infra build --strict
    """
    from kb.check.diagnostics import Stopped
    from kb.pipeline import build

    try:
        result, site = build(config(ctx, ignore), strict=strict, jobs=jobs, force=force)
    except Stopped as err:
        stop(ctx, err)
    for diagnostic in result.warnings:
        click.echo(diagnostic.format(), err=True)
    click.echo(
        f"validated and rendered: {len(result.written)} documents written, {len(result.unchanged)} unchanged"
        f" ({len(result.warnings)} warnings)"
    )
    click.echo(
        f"site built: {site.pages} pages in {site.site_dir}; open {site.site_dir / 'index.html'}"
        " or run `kb serve` to browse with search"
    )
