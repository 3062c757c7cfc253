"""`kb import`: bring existing Markdown audit reports and live cluster state into the knowledge base."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kb.cli.common import config, print_json, stop

if TYPE_CHECKING:
    from kb.importer.planning import Plan, Planned


@click.group()
def command() -> None:
    """Import an existing Markdown report, or the cluster's state from kubectl JSON.

    \b
    Examples:
      kb import report claudedocs/ECOSYSTEM_AUDIT_2026_01_26.md --dry-run
      kubectl get nodes -o json > nodes.json
      kb import kubectl nodes.json pods.json pvc.json apps.json --audit AUD-...
    """


def _created(item: Planned, root: Path) -> dict[str, Any]:
    record = item.record
    return {
        "kind": record.kind,
        "id": getattr(record, "id", None) or getattr(record, "hash", ""),
        "file": str(item.path.relative_to(root)) if item.path.is_relative_to(root) else str(item.path),
        "imported_from": getattr(record, "imported_from", None),
    }


def _show(plan: Plan, root: Path, dry_run: bool, as_json: bool) -> None:
    created = [_created(item, root) for item in plan.created]
    notes: list[dict[str, Any]] = [{"line": n.line, "text": n.text} for n in plan.notes]
    if as_json:
        print_json(
            {
                "audit": plan.audit,
                "dry_run": dry_run,
                "created": created,
                "existing": [{"kind": k, "id": i} for k, i in plan.existing],
                "notes": notes,
                "commits_without_subject": plan.uncited,
                "messages": plan.messages,
            }
        )
        return
    verb = "would create" if dry_run else "created"
    for item in created:
        click.echo(f"{verb} {item['kind']:<9} {item['id']}  ({item['imported_from']})")
    if plan.existing:
        click.echo(f"already imported: {len(plan.existing)} record(s), left as they are")
    for note in notes:
        click.echo(f"{plan.source}:{note['line']}: kept as an audit note: {note['text'].splitlines()[0]}")
    for commit in plan.uncited:
        click.echo(f"commit {commit} is cited but not listed with a subject: run `kb link` to record it")
    for message in plan.messages:
        click.echo(message)
    click.echo(f"{len(created)} record(s) {verb}, {len(notes)} note(s) kept unmapped; audit {plan.audit}")


@command.command("report")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be created; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_context
def report(ctx: click.Context, file: Path, dry_run: bool, as_json: bool) -> None:
    """Create the records a Markdown audit report describes.

    Reads the header (Date, Trigger, Scope, Result), findings (numbered items or numbered
    sub-headings, grouped by severity, with Root cause/Fix/Commit/... bullets), the node,
    application, image, storage, remaining-items and documentation tables (columns matched by
    name), the commit list, lessons and next-session pickup points. Anything it cannot map is
    kept on the audit as a note and listed here. Importing the same report again creates
    nothing new; every record says which file and line it came from.

    \b
    Examples:
      kb import report reports/2026-01-26-audit.md --dry-run
      kb import report reports/2026-01-26-audit.md --json | jq '.created[].id'
    """
    from kb.check.diagnostics import Stopped
    from kb.pipeline import import_report

    cfg = config(ctx)
    try:
        plan = import_report(cfg, file, dry_run=dry_run)
    except Stopped as err:
        stop(ctx, err)
    _show(plan, cfg.root, dry_run, as_json)


@command.command("kubectl")
@click.argument("files", nargs=-1, type=click.Path(allow_dash=True, dir_okay=False, path_type=Path))
@click.option("--audit", "audit", required=True, help="ID of the audit the snapshot belongs to.")
@click.option(
    "--taken",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Day the state was measured (YYYY-MM-DD). Default: today.",
)
@click.option("--dry-run", is_flag=True, help="Show the snapshot; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_context
def kubectl(
    ctx: click.Context, files: tuple[Path, ...], audit: str, taken: dt.datetime | None, dry_run: bool, as_json: bool
) -> None:
    """Create a snapshot from `kubectl get ... -o json` output (files, or - for standard input).

    Understands nodes, pods (-A), PVCs (-A) and Argo CD applications, told apart by the kind
    of their items; standard input may hold several documents one after another.

    \b
    Examples:
      kubectl get nodes -o json > nodes.json
      kubectl get pods -A -o json > pods.json
      kubectl get pvc -A -o json > pvc.json
      kubectl get applications.argoproj.io -A -o json > apps.json
      kb import kubectl nodes.json pods.json pvc.json apps.json --audit AUD-jan-audit-k3f9x
      (kubectl get nodes -o json; kubectl get pods -A -o json) | kb import kubectl - --audit AUD-...
    """
    from kb.check.diagnostics import Stopped
    from kb.pipeline import import_kubectl

    cfg = config(ctx)
    paths = [str(f) for f in files] or ["-"]
    sources: list[tuple[str, str | None]] = [(p, None) for p in paths]  # each read within a limit
    day = taken.date() if taken else dt.date.today()
    try:
        planned = import_kubectl(cfg, sources, audit, day, dry_run=dry_run)
    except Stopped as err:
        stop(ctx, err)
    snapshot = planned.record
    if as_json:
        created = [_created(planned, cfg.root)]
        print_json({"dry_run": dry_run, "created": created, "snapshot": snapshot.model_dump(mode="json")})
        return
    verb = "would create" if dry_run else "created"
    data = snapshot.model_dump()
    counts = ", ".join(f"{len(data[k])} {k}" for k in ("nodes", "applications", "images", "volumes"))
    click.echo(f"{verb} snapshot {_created(planned, cfg.root)['id']}: {counts}, pods {data['pods']}")
