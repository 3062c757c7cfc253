"""`kb serve`: preview the site, rebuilt and reloaded in the browser as records change."""

from __future__ import annotations

import click

from kb.cli.common import config, jobs_option, stop


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@jobs_option
@click.pass_context
def command(ctx: click.Context, host: str, port: int, jobs: int) -> None:
    """Serve the site locally with live reload; stop with Ctrl-C.

    Editing a record, a template or mkdocs.yml rebuilds the site and reloads open pages.
    The preview is built in a temporary folder: site/ is left as `kb site` made it.

    \b
    Examples:
      kb serve
      kb serve --port 8001
    """
    from kb.check.diagnostics import Stopped
    from kb.pipeline import serve

    click.echo(f"kb serve: building, then serving on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    try:
        serve(config(ctx), host, port, jobs)
    except Stopped as err:
        stop(ctx, err)
