"""`kb link`: resolve every cited commit in git and keep the commit records current."""

from __future__ import annotations

import click

from kb.cli.common import config_with_repos, ignore_option, print_json, repo_option, stop
from kb.store.config import Config


@click.command()
@repo_option
@click.option("--unlinked", is_flag=True, help="List, per audit, the commits made in its days that no record cites.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes (or the unlinked commits) as JSON.")
@ignore_option
@click.pass_context
def command(ctx: click.Context, repos: tuple[str, ...], unlinked: bool, as_json: bool, ignore: tuple[str, ...]) -> None:
    """Resolve every commit the records cite and create or refresh the commit records.

    Each hash (findings' and audits' `commits`, actions' `evidence.commit`) is looked up in
    its repository: full hash, subject, author, date and files changed are stored in
    `commits/`, so the docs render without the repository. Commits whose message carries a
    trailer such as `Finding: <id>` are linked to that record, and fixes that a later commit
    reverted get `reverted_by`. kb link fills empty fields only: what a person wrote stays.
    An unknown hash, an ambiguous abbreviation or a hash from another repository is an error
    naming the file and line; the other commits are still linked, and the exit status is 1.

    Exit status: 0 linked, 1 problems found, 2 usage error.

    \b
    Examples:
      kb link
      kb link --repo ../infra               # the default repository is elsewhere this time
      kb link --repo platform=../platform --json
      kb link --unlinked                    # commits in each audit's days that no record cites
    """
    from kb.check.diagnostics import Level
    from kb.pipeline import link

    cfg = config_with_repos(ctx, repos, ignore)
    if not cfg.repositories:
        raise click.UsageError("no repositories: add [[repositories]] to kb.toml or pass --repo PATH", ctx)
    if unlinked:
        _unlinked(ctx, cfg, as_json)
        return
    result = link(cfg)
    if as_json:
        print_json(result.as_json())
    else:
        for problem in result.problems:
            click.echo(problem.format(), err=True)
        for change in result.changes:
            if change.status != "unchanged":
                kept = f" (kept as written: {', '.join(change.kept)})" if change.kept else ""
                click.echo(f"{change.status} {change.file}: {', '.join(change.fields)}{kept}")
        counts = {s: sum(c.status == s for c in result.changes) for s in ("created", "updated", "unchanged")}
        summary = ", ".join(f"{n} {s}" for s, n in counts.items())
        errors = sum(p.level is Level.error for p in result.problems)
        left = f"; {errors} error(s): the commits they name are not linked" if errors else ""
        click.echo(f"commit records: {summary}{left}", err=True)
    ctx.exit(0 if result.ok else 1)


def _unlinked(ctx: click.Context, cfg: Config, as_json: bool) -> None:
    from kb.check.diagnostics import Stopped
    from kb.gitlink.verify import unlinked_commits
    from kb.store.loader import load

    try:
        found = unlinked_commits(cfg, load(cfg), "link")
    except Stopped as err:
        stop(ctx, err)
    if as_json:
        print_json(found)
        return
    for audit_id, commits in found.items():
        click.echo(f"{audit_id}: {len(commits)} unlinked commit(s)")
        for commit in commits:
            ref = f"{commit['repo']}@{commit['hash'][:12]}" if commit["repo"] else commit["hash"][:12]
            click.echo(f"  {ref} {commit['date'][:10]} {commit['author']}: {commit['subject']}")
