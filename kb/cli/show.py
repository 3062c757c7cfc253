"""`kb show ID`: one record, and every record linked to it."""

from __future__ import annotations

import click

from kb.cli.common import config, print_json


@click.command()
@click.argument("ident", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the record and its links as JSON.")
@click.pass_context
def command(ctx: click.Context, ident: str, as_json: bool) -> None:
    """Show the record ID (or a prefix only one record has, or a commit hash) with its links.

    A finding comes with its audit, commits, the lessons that cite it and the actions that
    follow from it; a lesson with its findings; an audit with its findings, actions, lessons,
    snapshot and commits; a commit with the records that cite it.

    \b
    Examples:
      kb show F-grafana-crashloopbackoff-7hd3x
      kb show AUD-production --json | jq '.links.findings[].id'
      kb show 9a96a77
    """
    from kb.report.lookup import QueryError, show
    from kb.report.lookup import ident as ident_of
    from kb.store.loader import load

    kb = load(config(ctx))
    try:
        shown = show(kb, ident)
    except QueryError as err:
        raise click.ClickException(str(err)) from None
    data = shown.as_data()
    if as_json:
        print_json(data)
        return
    record = shown.record
    click.echo(click.style(f"{record.kind} {ident_of(record)}", bold=True) + f"  ({shown.entry.file})")
    text = shown.entry.path.read_text(encoding="utf-8")
    body = [line for line in text.splitlines() if not line.startswith("# yaml-language-server:")]
    click.echo("\n".join("  " + line for line in body))
    links: dict[str, list[dict[str, str]]] = data["links"]
    if links or shown.missing:
        click.echo(click.style("linked:", bold=True))
    width = max((len(role) for role in [*links, *shown.missing]), default=0)
    for role, items in links.items():
        for item in items:
            click.echo(f"  {role:<{width}}  {item['id']}  {item['title']}")
    for role, names in shown.missing.items():
        for name in names:
            click.echo(f"  {role:<{width}}  {name}  (not recorded)")
