"""`kb mcp`: serve the knowledge base to a coding agent over the Model Context Protocol (stdio)."""

from __future__ import annotations

import logging

import click

from kb.cli.common import config

INSTALL = "pip install 'kb[mcp]'"


@click.command()
@click.option("--read-only", is_flag=True, help="Serve only the tools that read: search, show, list and pickup.")
@click.option("--verbose", "-v", is_flag=True, help="Log each tool call and its time to stderr.")
@click.pass_context
def command(ctx: click.Context, read_only: bool, verbose: bool) -> None:
    """Serve this knowledge base to an MCP client (a coding agent) on stdin and stdout.

    The agent starts `kb mcp` itself; stdout carries the protocol and logs go to stderr.
    Tools: search, show, list and pickup read; new_finding, new_lesson, new_action and
    close_action write new record files (or an action's closing keys) into the working tree,
    validated as `kb new` and `kb close` validate them, for you to review and commit.
    Resources: each audit report and the other rendered documents, read-only, passing the
    same secret gate as `kb render`. Needs the MCP SDK: pip install 'kb[mcp]'.

    \b
    Examples:
      kb mcp
      kb mcp --read-only
      claude mcp add --scope project kb -- kb mcp
    """
    cfg = config(ctx)
    try:
        from kb.mcpserver.server import serve
    except ModuleNotFoundError as err:
        if (err.name or "").partition(".")[0] != "mcp":
            raise
        click.echo(f"kb mcp needs the MCP Python SDK, which is not installed: {INSTALL}", err=True)
        ctx.exit(2)
    logging.basicConfig(format="kb mcp: %(levelname)s %(name)s: %(message)s", level=logging.WARNING)
    logging.getLogger("kb").setLevel(logging.INFO if verbose else logging.WARNING)
    serve(cfg, read_only)
