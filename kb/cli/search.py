"""`kb search` in the click group, for `kb --root DIR search ...` and the verb list of `kb --help`.

The arguments are handed on unparsed to kb.search.cli, which `kb search ...` also reaches
directly, without importing click (see kb/__main__.py).
"""

from __future__ import annotations

import click

from kb.search.cli import SUMMARY, main


@click.command(
    help=SUMMARY + " See `kb search --help`.",
    short_help=SUMMARY,
    add_help_option=False,
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def command(ctx: click.Context, args: tuple[str, ...]) -> None:
    ctx.exit(main(list(args), ctx.find_root().obj))
