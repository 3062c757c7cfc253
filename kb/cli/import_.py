"""`kb import`: bring existing Markdown audit reports and live cluster state into the knowledge base."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kb.cli.common import config, print_json, stop

if TYPE_CHECKING:
    from kb.importer.batch import Batch
    from kb.importer.planning import Plan, Planned


@click.group()
def command() -> None:
    """Import an existing Markdown report, or the cluster's state from kubectl JSON.

    \b
    Examples:
      kb import report claudedocs/ECOSYSTEM_AUDIT_2026_01_26.md --dry-run
      kb import report docs/audits/ --explain
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


def _summary(plan: Plan) -> dict[str, Any]:
    """One report's figures: what it describes, what is new, what was kept as notes."""
    kinds = ("finding", "action", "lesson")
    figures: dict[str, Any] = {f"{kind}s": plan.described[kind] for kind in kinds}
    figures.update(created=len(plan.created), filled=len(plan.filled), notes=len(plan.notes), shared=plan.shared)
    return figures


def _report_json(plan: Plan, root: Path, explain: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "source": plan.source,
        "audit": plan.audit,
        **_summary(plan),
        "created": [_created(item, root) for item in plan.created],
        "filled": [{"file": f.file, "fields": f.fields} for f in plan.filled],
        "existing": [{"kind": k, "id": i} for k, i in plan.existing],
        "notes": [{"line": n.line, "text": n.text} for n in plan.notes],
        "warnings": [d.as_json() for d in plan.warnings],
        "commits_without_subject": plan.uncited,
        "messages": plan.messages,
    }
    if explain:
        out["explain"] = [
            {"lines": [m.first, m.last], "kind": m.kind, "id": m.id, "field": m.field} for m in plan.mapped
        ]
    return out


def _json(batch: Batch, root: Path, dry_run: bool, explain: bool) -> None:
    reports = [_report_json(plan, root, explain) for plan in batch.plans]
    every = {key: [x for r in reports for x in r[key]] for key in ("created", "filled", "existing", "warnings")}
    print_json(
        {
            "dry_run": dry_run,
            "audit": batch.plans[0].audit if len(batch.plans) == 1 else None,
            **every,
            "notes": [{"source": r["source"], **n} for r in reports for n in r["notes"]],
            "commits_without_subject": [c for r in reports for c in r["commits_without_subject"]],
            "messages": [m for r in reports for m in r["messages"]] + batch.recurrences,
            "reports": reports,
            "total": _total(batch),
        }
    )


def _total(batch: Batch) -> dict[str, Any]:
    """The run's figures; a finding two reports share counts once."""
    figures = [_summary(plan) for plan in batch.plans]
    total = {key: sum(f[key] for f in figures) for key in figures[0]} if figures else {}
    if total:
        total["findings"] -= total["shared"]
    return {"reports": len(batch.plans), **total}


def _explain(plan: Plan) -> None:
    click.echo(f"{plan.source} -> {plan.audit}")
    for item in plan.mapped:
        lines = f"{item.first}" if item.first == item.last else f"{item.first}-{item.last}"
        click.echo(f"  {lines:>9}  {item.kind:<8} {item.id}  {item.field}")


def _one(plan: Plan, verb: str) -> None:
    """A single report's outcome, record by record."""
    for item in plan.created:
        click.echo(f"{verb} {item.record.kind:<9} {_created(item, Path('/'))['id']}  ({item.source}:{item.line})")
    for filled in plan.filled:
        click.echo(f"filled {filled.file}: {', '.join(filled.fields)}")
    if plan.existing:
        click.echo(f"already imported: {len(plan.existing)} record(s), left as they are")
    for note in plan.notes:
        click.echo(f"{plan.source}:{note.line}: kept as an audit note: {note.text.splitlines()[0]}")
    for commit in plan.uncited:
        click.echo(f"commit {commit} is cited but not listed with a subject: run `kb link` to record it")
    for message in plan.messages:
        click.echo(message)


def _text(batch: Batch, dry_run: bool, explain: bool) -> None:
    verb = "would create" if dry_run else "created"
    for warning in batch.warnings:
        click.echo(warning.format(), err=True)
    if len(batch.plans) == 1:
        _one(batch.plans[0], verb)
    for plan in batch.plans if explain else []:
        _explain(plan)
    for message in batch.recurrences:
        click.echo(message)
    width = max((len(plan.source) for plan in batch.plans), default=0)
    for plan in batch.plans if len(batch.plans) > 1 else []:
        for message in plan.messages:
            click.echo(f"{plan.source}: {message}")
        f = _summary(plan)
        shared = f" ({f['shared']} also in an earlier report)" if f["shared"] else ""
        click.echo(
            f"{plan.source:<{width}}  {plan.audit}  {f['findings']} findings{shared}, {f['actions']} actions, "
            f"{f['lessons']} lessons, {f['notes']} note(s); {f['created']} record(s) {verb}"
        )
    total = _total(batch)
    filled = f", {total['filled']} filled in" if total.get("filled") else ""
    audit = f"; audit {batch.plans[0].audit}" if len(batch.plans) == 1 else ""
    reports = f"{total['reports']} reports: " if len(batch.plans) > 1 else ""
    figures = (
        f"; {total['findings']} findings, {total['actions']} actions, {total['lessons']} lessons" if reports else ""
    )
    notes = f"{total.get('notes', 0)} note(s) kept unmapped"
    click.echo(f"{reports}{total.get('created', 0)} record(s) {verb}{filled}, {notes}{audit}{figures}")


@command.command("report")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be created; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.option("--explain", is_flag=True, help="Also print which record and field each range of report lines went into.")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Day of a report that names no date and that git has no commit of (YYYY-MM-DD).",
)
@click.pass_context
def report(
    ctx: click.Context, sources: tuple[Path, ...], dry_run: bool, as_json: bool, explain: bool, day: dt.datetime | None
) -> None:
    """Create the records Markdown audit reports describe: files, folders (every *.md) or globs.

    Each report is one audit. Reads its date, trigger, scope and result wherever it puts them
    (header lines, a key table, the title, `### Trigger` or `## Executive Summary` sections);
    what it does not say is a warning, not an error. Findings are read as numbered items with
    Root cause/Fix/... lines, as numbered or ID'd headings ("#### Issue 1.1.2 - Title",
    "### CRITICAL - 1: Title") with `**Label:**` lines, or as tracker table rows (merged with a
    detailed section about the same issue); severity groups, emoji and status marks are mapped
    onto kb's scales. Recommendations, next steps and checklists become actions, linked to the
    finding they name. Node, application, image, storage, commit, documentation and lesson
    sections are read as in the seed report.

    Every line is mapped to a field or kept on the audit as a note (listed here; `--explain`
    shows the whole mapping). A finding that two reports of the same days describe is one
    record naming both; one of other days is flagged as a possible recurrence. Importing again
    creates nothing new and only fills fields earlier imports left empty. If any report has a
    problem, nothing is written and every problem of every report is listed.

    \b
    Examples:
      kb import report reports/2026-01-26-audit.md --dry-run
      kb import report docs/audits/ --explain
      kb import report 'docs/**/*AUDIT*.md' --date 2025-06-01
      kb import report reports/2026-01-26-audit.md --json | jq '.created[].id'
    """
    from kb.check.diagnostics import Stopped
    from kb.pipeline import import_report

    cfg = config(ctx)
    try:
        batch = import_report(cfg, list(sources), dry_run=dry_run, day=day.date() if day else None)
    except Stopped as err:
        stop(ctx, err)
    if as_json:
        _json(batch, cfg.root, dry_run, explain)
    else:
        _text(batch, dry_run, explain)


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
