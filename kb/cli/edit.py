"""`kb edit ID`: change a record in `$EDITOR`; saved only when valid, the text never lost."""

from __future__ import annotations

from pathlib import Path

import click

from kb.cli.common import config, report


@click.command()
@click.argument("ident", metavar="ID")
@click.option(
    "--from",
    "from_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Start the editor on this file instead of the record's text (e.g. a kept draft).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print what changed (each key, from and to) and the record, as JSON."
)
@click.pass_context
def command(ctx: click.Context, ident: str, from_file: Path | None, as_json: bool) -> None:
    """Edit the record ID (its ID, a prefix only one record has, or a commit's file name) in $EDITOR.

    You edit the file's own text, comments and all. When you save and quit, the record is
    validated and the IDs it names are checked; if anything is wrong the editor opens again
    with the problems listed at the top, as `kb new --edit` does. Empty the file to give up:
    the record stays as it was and your text is kept in a draft under the cache folder
    (resume with --from). The ID cannot change, since it names the file, and if the file
    changed on disk while you were editing, kb keeps your text as a draft instead of
    overwriting the other change.

    The editor is $VISUAL, else $EDITOR, else vi. Exit status: 0 saved, 1 not saved.

    \b
    Examples:
      kb edit F-grafana-crashloopbackoff
      EDITOR="code --wait" kb edit ACT-load-testing-3xr7m
      kb edit F-grafana --from .kb-cache/drafts/edit-F-grafana-crashloopbackoff-7hd3x-20260201-101500-4242.yaml
    """
    from kb.author.changing import ChangeError
    from kb.author.editing import edit
    from kb.author.editor import EditAborted

    cfg = config(ctx)
    try:
        changed = edit(cfg, ident, from_file.read_text(encoding="utf-8") if from_file else None)
    except ChangeError as err:
        raise click.ClickException(str(err)) from None
    except EditAborted as err:
        click.echo(f"kb edit: {err.reason}; the record was not changed.", err=True)
        click.echo(f"Your text is kept in {err.recovery}", err=True)
        click.echo(f"Resume with: kb edit {ident} --from {err.recovery}", err=True)
        ctx.exit(1)
    fields = ", ".join(changed.changes) or "no field changed"
    report(cfg, changed, f"Saved {changed.path.stem} ({fields})", as_json)
