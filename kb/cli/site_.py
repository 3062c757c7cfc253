"""`kb site`: build the searchable MkDocs Material site from the records."""

from __future__ import annotations

import click

from kb.cli.common import config, jobs_option, print_json, stop


@click.command()
@click.option("--no-strict", "lenient", is_flag=True, help="Build even if MkDocs warns (broken links, ...).")
@click.option("--json", "as_json", is_flag=True, help="Print what was built as JSON.")
@jobs_option
@click.pass_context
def command(ctx: click.Context, lenient: bool, as_json: bool, jobs: int) -> None:
    """Generate one page per record and build the site with MkDocs Material.

    Pages go to the generated docs folder ([site] docs_dir, default .kb-cache/site-docs) and
    the site to [site] site_dir (default site/), built strictly: any MkDocs warning fails it.
    Nothing is built when the records are invalid or hold what looks like a secret.
    `--jobs N` shares the page conversion among N processes (worth it from a few thousand
    pages); the site is the same. Preview with `kb serve`, or serve site/
    with any static web server (search needs http, not file://).

    \b
    Examples:
      kb site
      kb site --jobs 2
      kb site && python3 -m http.server -d site 8000
    """
    from kb.check.diagnostics import Stopped
    from kb.pipeline import site

    try:
        result = site(config(ctx), strict=not lenient, jobs=jobs)
    except Stopped as err:
        stop(ctx, err)
    if as_json:
        print_json(
            {
                "pages": result.pages,
                "site_dir": str(result.site_dir),
                "generate_seconds": round(result.generate_seconds, 3),
                "build_seconds": round(result.build_seconds, 3),
                "search_index_bytes": result.search_index_bytes,
            }
        )
    else:
        click.echo(
            f"built {result.pages} pages into {result.site_dir} in "
            f"{result.generate_seconds + result.build_seconds:.1f} s "
            f"(search index {result.search_index_bytes / 1024:.0f} KiB); preview with `kb serve`"
        )
