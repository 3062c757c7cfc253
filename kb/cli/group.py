"""The `kb` click group: a thin layer that parses arguments and calls the library.

Each verb lives in its own module, imported only when that verb runs, so `kb --help`
and the fast verbs never pay for pydantic, GitPython, Jinja2 or MkDocs.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import click

from kb import __version__

COMMANDS: dict[str, str] = {
    "build": "kb.cli.build",
    "close": "kb.cli.close",
    "daemon": "kb.cli.daemon",
    "diff": "kb.cli.diff",
    "edit": "kb.cli.edit",
    "import": "kb.cli.import_",
    "init": "kb.cli.init",
    "link": "kb.cli.link",
    "list": "kb.cli.list",
    "mcp": "kb.cli.mcp_",
    "new": "kb.cli.new",
    "pickup": "kb.cli.pickup",
    "render": "kb.cli.render",
    "reopen": "kb.cli.reopen",
    "resolve": "kb.cli.resolve",
    "schema": "kb.cli.schema",
    "search": "kb.cli.search",
    "serve": "kb.cli.serve",
    "set": "kb.cli.set",
    "show": "kb.cli.show",
    "site": "kb.cli.site_",
    "stats": "kb.cli.stats",
    "validate": "kb.cli.validate",
}
"""Verb name to the module whose `command` implements it."""


class LazyGroup(click.Group):
    """A group that imports a verb's module only when the verb is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        command: click.Command = importlib.import_module(module).command
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="KB_ROOT",
    help="Knowledge base folder (the one holding kb.toml). Default: the nearest one upward.",
)
@click.version_option(__version__, prog_name="kb")
@click.pass_context
def main(ctx: click.Context, root: Path | None) -> None:
    """kb: the incident and audit knowledge base.

    Findings, commits, lessons, actions and infrastructure snapshots are YAML records in git;
    kb validates them, renders the docs from them, searches them and hands over what is open.

    \b
    Everyday jobs:
      kb new finding        record a finding mid-audit
      kb render             regenerate the docs (--check in CI)
      kb search QUERY       search past lessons and findings
      kb pickup             the next session's pickup list
    """
    # kb uses no pydantic plugins; looking for them reads every installed package's metadata,
    # about 50 ms per run. Set PYDANTIC_DISABLE_PLUGINS="" to have pydantic look anyway.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    ctx.obj = root
