"""`kb validate`: schema and reference checks over the whole knowledge base."""

from __future__ import annotations

import click

from kb.cli.common import config_with_repos, ignore_option, print_json, repo_option


@click.command()
@click.option("--json", "as_json", is_flag=True, help='Print {"errors": [...], "warnings": [...]} instead of lines.')
@click.option("--strict", is_flag=True, help="Treat warnings as errors (those ignored stay silent).")
@ignore_option
@click.option("--git", "live", is_flag=True, help="Also verify every commit link in its repository (needs them).")
@repo_option
@click.pass_context
def command(
    ctx: click.Context, as_json: bool, strict: bool, ignore: tuple[str, ...], live: bool, repos: tuple[str, ...]
) -> None:
    """Check every record: schema, IDs, references between records, commits, dates, secrets.

    Every problem is reported in one run as `path:line:col: CODE field: message`.
    Commit links are checked against the stored commit records; `--git` also looks each one
    up in its repository and checks that a finding's fix commits touched its `paths`.
    Exit status: 0 valid, 1 problems found, 2 usage error.

    \b
    Examples:
      kb validate
      kb validate --strict --json | jq '.errors[].message'
      kb validate --git --repo ../infra
      kb validate --strict --ignore W401    # every warning fails the run but this one
    """
    from kb.pipeline import validate

    kb, report = validate(config_with_repos(ctx, repos, ignore), strict=strict, live=live)
    if as_json:
        print_json(
            {
                "errors": [d.as_json() for d in report.errors],
                "warnings": [d.as_json() for d in report.warnings],
            }
        )
    else:
        for diagnostic in report.errors + report.warnings:
            click.echo(diagnostic.format(), err=True)
        count = sum(len(entries) for entries in kb.entries.values())
        verdict = "valid" if report.ok else "invalid"
        click.echo(f"{count} records {verdict}: {len(report.errors)} errors, {len(report.warnings)} warnings", err=True)
        if not live and kb.commits:
            click.echo("commit links checked against stored commit records only; `--git` verifies them", err=True)
    ctx.exit(0 if report.ok else 1)
