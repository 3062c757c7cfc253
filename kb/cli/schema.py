"""`kb schema`: write the JSON Schema of every record kind."""

from __future__ import annotations

from pathlib import Path

import click

from kb.cli.common import config

KIND_NAMES = ("audit", "finding", "commit", "lesson", "action", "snapshot")


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into. Default: the records folder's _schema/.",
)
@click.option(
    "--print", "kind", type=click.Choice(KIND_NAMES), help="Print one kind's schema instead of writing files."
)
@click.option("--markdown", is_flag=True, help="Print the record format and diagnostic codes as Markdown tables.")
@click.option(
    "--templates",
    is_flag=True,
    help="Print what a template can use (context, filters, every view's attributes) as Markdown.",
)
@click.pass_context
def command(ctx: click.Context, out: Path | None, kind: str | None, markdown: bool, templates: bool) -> None:
    """Write the JSON Schema of each record kind (audit, finding, commit, lesson, action, snapshot).

    Record files start with a `# yaml-language-server: $schema=...` line pointing at these
    files, so editors with the YAML language server validate and complete them as you type.

    \b
    Examples:
      kb schema                      # refresh records/_schema/*.json
      kb schema --print finding      # one kind's schema on stdout
      kb schema --markdown           # the record format as Markdown (the README's tables)
      kb schema --templates          # the names a template of your own can use
    """
    from kb.records.schemas import reference_markdown, schema_text, write_schemas
    from kb.store.loader import SCHEMA_FOLDER

    if markdown:
        click.echo(reference_markdown(), nl=False)
        return
    if templates:
        from kb.rendering.templatedoc import templates_markdown

        click.echo(templates_markdown(), nl=False)
        return
    if kind:
        click.echo(schema_text(kind), nl=False)
        return
    folder = out or config(ctx).records / SCHEMA_FOLDER
    written = write_schemas(folder)
    click.echo(f"{len(written)} schema files written to {folder}" if written else f"schemas in {folder} are current")
