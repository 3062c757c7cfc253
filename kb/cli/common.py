"""What the verbs share: finding the knowledge base and printing results."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NoReturn

import click

from kb.config import Config, ConfigError, discover

if TYPE_CHECKING:
    from kb.diagnostics import Diagnostic


class UsageError(click.UsageError):
    """Bad invocation or configuration: exit status 2."""


def config(ctx: click.Context) -> Config:
    """The configuration of the knowledge base this run is about, or a usage error."""
    root_ctx = ctx.find_root()
    try:
        return discover(root_ctx.obj)
    except ConfigError as err:
        raise UsageError(str(err), ctx) from None


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def fail(ctx: click.Context, diagnostics: Iterable[Diagnostic], summary: str) -> NoReturn:
    """Print every problem as `path:line:col: CODE field: message`, then the summary; exit 1."""
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(), err=True)
    click.echo(summary, err=True)
    ctx.exit(1)
