"""What the verbs share: finding the knowledge base and printing results."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from kb.store.config import Config, ConfigError, discover, with_ignored, with_repositories

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:
    from kb.author.changing import Changed
    from kb.check.diagnostics import Stopped


class UsageError(click.UsageError):
    """Bad invocation or configuration: exit status 2."""


def config(ctx: click.Context, ignore: tuple[str, ...] = ()) -> Config:
    """The configuration of the knowledge base this run is about, silencing kb.toml's ignored
    warnings and those of `--ignore`; or a usage error."""
    root_ctx = ctx.find_root()
    try:
        return with_ignored(discover(root_ctx.obj), ignore)
    except ConfigError as err:
        raise UsageError(str(err), ctx) from None


def ignore_option(function: F) -> F:
    """`--ignore CODE`, repeatable: a warning to silence in this run, as kb.toml's `[diagnostics] ignore`."""
    return click.option(
        "--ignore",
        "ignore",
        multiple=True,
        metavar="CODE",
        help="Silence this warning code (repeatable), on top of [diagnostics] ignore in kb.toml; errors cannot be.",
    )(function)


def repo_option(function: F) -> F:
    """`--repo [NAME=]PATH`, repeatable: where a repository is for this run, overriding kb.toml."""
    return click.option(
        "--repo",
        "repos",
        multiple=True,
        metavar="[NAME=]PATH",
        help="Repository location for this run (repeatable); a bare PATH is the default repository.",
    )(function)


def config_with_repos(ctx: click.Context, repos: tuple[str, ...], ignore: tuple[str, ...] = ()) -> Config:
    """`config(ctx, ignore)` with the `--repo` overrides applied."""
    try:
        return with_repositories(config(ctx, ignore), repos)
    except ConfigError as err:
        raise UsageError(str(err), ctx) from None


def jobs_option(function: F) -> F:
    """`--jobs N`: processes that share the site's page building (default 1, MkDocs' own build; 0 = one per core)."""
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=0),
        default=1,
        show_default=True,
        metavar="N",
        help="Processes that share the page building (0: one per core); the site is the same.",
    )(function)


def print_json(value: Any) -> None:
    """`value` as JSON on stdout: as UTF-8 text, or escaped where stdout's encoding is not UTF."""
    plain = not sys.stdout.encoding.lower().startswith("utf")
    json.dump(value, sys.stdout, indent=2, ensure_ascii=plain, default=str)
    sys.stdout.write("\n")


def report(cfg: Config, changed: Changed, headline: str, as_json: bool = False) -> None:
    """Print what a change did to a record: with `as_json` its summary (kb.author.changing.summary),
    else `headline` and the file."""
    from kb.author.changing import summary
    from kb.store.loader import relative

    if as_json:
        print_json(summary(cfg, changed))
    else:
        click.echo(f"{headline}: {relative(cfg, changed.path)}")


def stop(ctx: click.Context, err: Stopped, hint: str = "") -> NoReturn:
    """Print every problem (`path:line:col: CODE field: message`), then what stopped; exit 1."""
    for line in err.lines():
        click.echo(line, err=True)
    click.echo(f"{err}{hint}", err=True)
    ctx.exit(1)
