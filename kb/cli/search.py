"""`kb search`: ranked full-text search over every record, from an index kept up to date."""

from __future__ import annotations

import datetime as dt

import click

from kb.cli.common import config, print_json
from kb.layout import FOLDERS
from kb.search.documents import SEVERITIES, STATUSES


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--kind", "kinds", multiple=True, type=click.Choice(tuple(FOLDERS)), help="Only this kind (repeatable).")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Only records with this tag (repeat: all of them).")
@click.option("--severity", "severities", multiple=True, type=click.Choice(SEVERITIES), help="Only findings this bad.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES), help="Only findings or actions so.")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="DATE",
    help="Only records dated this day or later (YYYY-MM-DD); a record without a date has its audit's.",
)
@click.option(
    "--limit", default=10, show_default=True, type=click.IntRange(min=1), metavar="N", help="Show at most this many."
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of results, best first.")
@click.pass_context
def command(
    ctx: click.Context,
    query: tuple[str, ...],
    kinds: tuple[str, ...],
    tags: tuple[str, ...],
    severities: tuple[str, ...],
    statuses: tuple[str, ...],
    since: dt.datetime | None,
    limit: int,
    as_json: bool,
) -> None:
    """Search lessons, findings, actions, audits, commits and snapshots, best match first.

    Describe the problem in your own words: records sharing the most, and the rarest, of the
    words rank first, and a word matches its other forms (probe, probes, probing). A lesson
    ranks above a finding that matches as well, and so does the lesson learned from a matching
    finding. Put a phrase in quotes to require it; a record ID or commit hash finds that record
    and every record citing it; `crash*` matches words starting so.

    The index (in the cache folder, e.g. .kb-cache/search.sqlite3) is brought up to date before
    every search: only records changed since are re-read. Exit status: 0 found, 1 nothing found,
    2 usage error.

    \b
    Examples:
      kb search pods on the new node cannot reach the API
      kb search '"sync can deadlock"' --kind lesson
      kb search kyverno --severity critical --status resolved --since 2026-01-01
      kb search F-vps-builder-node-cni-broken-9tb5e
      kb search 33b71ca --json | jq -r '.[].id'
    """
    from kb.search import Filters, SearchError, search
    from kb.search.query import END, START

    cfg = config(ctx)
    text = " ".join(query)
    filters = Filters(kinds, tags, severities, statuses, since.date().isoformat() if since else None)
    try:
        result = search(cfg.cache, cfg.records, text, filters, limit)
    except SearchError as err:
        raise click.ClickException(str(err)) from None
    if result.stats.unreadable:
        files = ", ".join(result.stats.unreadable)
        click.echo(f"warning: not searched, cannot be read (run `kb validate`): {files}", err=True)
    if as_json:
        print_json(
            [
                {
                    "id": hit.id,
                    "kind": hit.kind,
                    "title": hit.title,
                    "score": hit.score,
                    "snippet": hit.snippet.replace(START, "").replace(END, ""),
                    "date": hit.date,
                    "path": (cfg.records / hit.path).relative_to(cfg.root).as_posix(),
                    "severity": hit.severity,
                    "status": hit.status,
                    "tags": list(hit.tags),
                }
                for hit in result.hits
            ]
        )
    else:
        for hit in result.hits:
            facts = " · ".join(fact for fact in (hit.kind, hit.severity, hit.status, hit.date) if fact)
            click.echo(f"{click.style(hit.id, bold=True)}  {facts}  (score {hit.score:g})")
            marked = hit.snippet.replace(START, "\x1b[1;33m").replace(END, "\x1b[0m")
            if click.unstyle(marked) != hit.title:
                click.echo(f"  {hit.title}")
            click.echo(f"  {marked}\n")
    if not result.hits:
        click.echo(f"No records match {text!r}.", err=True)
        for tip in result.suggestions:
            click.echo(f"  try: {tip}", err=True)
        ctx.exit(1)
