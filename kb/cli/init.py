"""`kb init`: create a new, empty knowledge base."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
def command(directory: Path) -> None:
    """Create an empty, valid knowledge base in DIRECTORY (default: here).

    Writes kb.toml (every setting commented, all optional), records/<kind>/ folders, the JSON
    Schemas editors use and an mkdocs.yml for `kb site`, titled with the repository's name; adds
    the cache and the built site (.kb-cache/, site/) to .gitignore. In a repository that has
    its own files, nothing of them is replaced: an existing .gitignore gets the missing lines,
    an existing mkdocs.yml is kept, and when templates/ is already the repository's (Helm
    charts, say) kb.toml names kb-templates/ for kb's templates instead. Refuses a folder that
    already has a kb.toml. An existing hand-written doc is adopted by adding
    `<!-- kb:begin NAME -->` and `<!-- kb:end NAME -->` lines where the generated part belongs,
    and an [[outputs]] table with `region = "NAME"` in kb.toml.

    \b
    Examples:
      cd ~/src/infra && kb init
      kb init docs/kb
    """
    from kb.author.skeleton import InitError, init

    try:
        done = init(directory)
    except InitError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Created a knowledge base in {directory.resolve()} ({len(done.created)} files and folders).")
    for note in done.notes:
        click.echo(note)
    click.echo("Next: `kb new audit` to start recording, `kb validate` to check.")
    click.echo(
        "To keep part of an existing doc current, add `<!-- kb:begin NAME -->` and `<!-- kb:end NAME -->`"
        " lines to it where the generated part belongs, and name it in kb.toml (see the commented [[outputs]])."
    )
