"""The pipeline every verb composes: load → check → gate → render → write → publish (and link).

Each step is a plain function taking and returning plain data; the verbs below it are the only
ways kb writes (or serves) documents, publishes a site or writes records in bulk, and each is a
few steps in a row. Whatever reaches a document or the site has passed `check` (schema, IDs, references)
and `gate` (the secret scan) first, so no path can skip them. Every step that finds a problem
raises `Stopped` (kb/check/diagnostics.py) with all of them, before anything is written.

The stages' own modules are imported inside the steps: a `kb render --check` that the render
stamp answers loads neither pydantic nor Jinja.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.check.diagnostics import Diagnostic, Report, Stopped
from kb.speed import heap
from kb.store.config import Config

if TYPE_CHECKING:
    from kb.check.checks import Check
    from kb.gitlink.linking import LinkResult
    from kb.importer.batch import Batch
    from kb.importer.planning import Planned
    from kb.publish.sitebuild import SiteResult
    from kb.rendering.outputs import Rendered, RenderResult
    from kb.store.loader import KnowledgeBase


# The steps.


def sweep(config: Config, base: Path | None = None) -> None:
    """Remove the temporary files a killed kb left (kb.store.tempfiles) in the cache folder and its
    subfolders and, with `base`, in the folders the outputs are written to under it. Each records
    folder is swept as `load` lists it."""
    from kb.store.settings import AUDIT_PLACEHOLDER
    from kb.store.tempfiles import subfolders, sweep_folders

    folders = [config.cache, *subfolders(config.cache, skip=config.site_docs)]
    if base is not None:
        for parent in {Path(output.path).parent.as_posix() for output in config.outputs}:
            pattern = parent.replace(AUDIT_PLACEHOLDER, "*")
            folders += base.glob(pattern) if pattern != parent else [base / parent]
    sweep_folders(folders)


def load(config: Config, stats: dict[str, Any] | None = None) -> KnowledgeBase:
    """Every record of the knowledge base; files that do not load become problems, not errors."""
    from kb.store.loader import load as load_records

    return load_records(config, stats)


def check(kb: KnowledgeBase, strict: bool = False, checks: Iterable[Check] | None = None) -> Report:
    """Every problem of the loaded records (schema, identity, references, commits, dates)."""
    from kb.check.checks import CHECKS, run_checks

    return run_checks(kb, strict, tuple(CHECKS if checks is None else checks))


def gate(kb: KnowledgeBase, step: str) -> None:
    """Stop `step` if any record holds what looks like a credential (E602 for each, with its line)."""
    from kb.check.secretscan import scan

    found = scan(kb)
    if found:
        raise Stopped(step, found)


def render(kb: KnowledgeBase) -> Rendered:
    """Every configured document's text by its output path (and each managed region's), with the per-audit context."""
    from kb.rendering.outputs import audit_context, render_documents

    return render_documents(kb, audit_context(kb.config, kb))


def write(
    config: Config, documents: Rendered, base: Path, check: bool, report: Report, force: bool = False
) -> RenderResult:
    """Write the documents that changed under `base` (with `check`: only say how they differ);
    only over files kb wrote, unless `force`."""
    from kb.rendering.outputs import write_outputs

    return write_outputs(config, documents, base, check, report.warnings, force)


def publish(
    kb: KnowledgeBase,
    documents: dict[str, str],
    site_dir: Path,
    strict: bool = True,
    jobs: int = 1,
    today: dt.date | None = None,
) -> SiteResult:
    """Generate every site page and build the site into `site_dir` with MkDocs Material."""
    from kb.publish.sitebuild import build

    return build(kb, documents, site_dir, strict, jobs, today)


def _checked(
    config: Config, step: str, strict: bool, stats: dict[str, Any] | None = None
) -> tuple[KnowledgeBase, Report]:
    """load → check → gate: the records every output is made from, or Stopped."""
    kb = load(config, stats)
    report = check(kb, strict)
    if not report.ok:
        raise Stopped(step, report.errors)
    gate(kb, step)
    return kb, report


# The verbs, each a composition of the steps.


def validate(config: Config, strict: bool = False, live: bool = False) -> tuple[KnowledgeBase, Report]:
    """`kb validate`: every problem of every record, the secret scan's included (`live`: also ask git)."""
    from kb.check.checks import CHECKS
    from kb.check.secretscan import scan

    sweep(config)
    checks: tuple[Check, ...] = CHECKS
    if live:
        from kb.gitlink.verify import check_git

        checks = (*CHECKS, check_git)
    kb = load(config)
    found = check(kb, strict, checks)
    return kb, Report.of([*found.errors, *found.warnings, *scan(kb)], strict)


@heap.paused()  # what these make lives to the end or is freed at once: no cycles to hunt
def render_docs(
    config: Config, out: Path | None = None, check: bool = False, strict: bool = False, force: bool = False
) -> RenderResult:
    """`kb render`: rebuild every output under `out` (default: the root); with `check`, write nothing;
    with `force`, replace files at output paths that kb did not write.

    When the render stamp proves nothing changed since the last run, no record is even loaded.
    """
    from kb.rendering.outputs import RenderResult, orphaned
    from kb.speed import renderstamp

    base = out if out is not None else config.root
    sweep(config, base)
    inputs = renderstamp.fingerprint(config, {"strict": strict})
    proven = renderstamp.current(config, base, inputs.digest)
    if proven is not None and not orphaned(config, base, proven[0]):
        return RenderResult(unchanged=proven[0], warnings=proven[1])
    kb, report = _checked(config, "render", strict, inputs.stats)
    documents = render(kb)
    result = write(config, documents, base, check, report, force)
    renderstamp.save(config, base, inputs.digest, inputs.newest, result.files, report.warnings)
    return result


@heap.paused()  # what these make lives to the end or is freed at once: no cycles to hunt
def site(config: Config, strict: bool = True, jobs: int = 1, today: dt.date | None = None) -> SiteResult:
    """`kb site`: load → check → gate → render → publish into [site] site_dir."""
    sweep(config)
    kb, _ = _checked(config, "site", strict=False)
    return publish(kb, render(kb), config.site_dir, strict, jobs, today)


@heap.paused()  # what these make lives to the end or is freed at once: no cycles to hunt
def build(config: Config, strict: bool = False, jobs: int = 1, force: bool = False) -> tuple[RenderResult, SiteResult]:
    """`kb build`: the records loaded and checked once, then the docs written and the site published."""
    from kb.publish.sitebuild import refuse_foreign_site

    sweep(config, config.root)
    kb, report = _checked(config, "build", strict)
    refuse_foreign_site(config, config.site_dir, "build")  # before the docs are written, not after
    documents = render(kb)
    written = write(config, documents, config.root, False, report, force)
    return written, publish(kb, documents, config.site_dir, True, jobs)


def serve(config: Config, host: str, port: int, jobs: int = 1) -> None:
    """`kb serve`: `site` into a temporary folder, done again whenever a record or template changes."""
    from kb.publish.sitebuild import serve as live_server

    def rebuild(site_dir: Path) -> None:
        kb, _ = _checked(config, "serve", strict=False)
        publish(kb, render(kb), site_dir, False, jobs)

    live_server(config, host, port, rebuild)


def documents(config: Config) -> dict[str, str]:
    """`kb mcp`'s documents: load → check → gate → render, as `kb render` does, but written nowhere."""
    kb, _ = _checked(config, "render", strict=False)
    return render(kb)


def link(config: Config) -> LinkResult:
    """`kb link`: load → check (identity, references) → resolve every cited commit → write commit records.

    Git reads history in a second thread while the records load. The commits that resolve are
    written even when others do not; those are in the result's problems.
    """
    from kb.check.checks import check_identity, check_references
    from kb.gitlink.linking import LinkResult, Repositories, history_scan, plan, write_changes

    sweep(config)
    with Repositories(config) as repos, history_scan(config, repos) as history:
        kb = load(config)
        report = check(kb, checks=(check_identity, check_references))  # the errors that stop a link
        if not report.ok:
            return LinkResult(problems=report.errors)
        result = plan(config, kb, repos, history)
    write_changes(config, result)
    return result


def import_kubectl(
    config: Config, sources: list[tuple[str, str | None]], audit: str, taken: dt.date, dry_run: bool = False
) -> Planned:
    """`kb import kubectl`: read kubectl's JSON → plan one snapshot of `audit` (validated) → write it."""
    from kb.importer.apply import write
    from kb.importer.kubectl import plan_snapshot, read

    objects = read(sources)
    planned = plan_snapshot(load(config), objects, audit, taken)
    if not dry_run:
        write(config, [planned], source=", ".join(objects.sources) or "<stdin>")
    return planned


def import_report(
    config: Config, sources: Path | Sequence[Path], dry_run: bool = False, day: dt.date | None = None
) -> Batch:
    """`kb import report`: find the reports (files, folders, globs) → read, parse and date each →
    join them (a finding two reports of the same days describe is one record) → plan each against
    the loaded records (each validated) → write them all, or none if any report has a problem.

    `day` dates a report that names no date and that git has no commit of.
    """
    from kb.importer.apply import read_report, write
    from kb.importer.batch import Batch, Report, find_reports, join, names
    from kb.importer.dating import dated
    from kb.importer.planning import plan
    from kb.importer.reportparse import parse

    paths, problems = find_reports([sources] if isinstance(sources, Path) else sources)
    reports: list[Report] = []
    for path, name in zip(paths, names(paths), strict=True):
        try:
            parsed = parse(read_report(path))
        except Stopped as err:
            problems += [d for d in err.problems if isinstance(d, Diagnostic)]
            continue
        reports.append(Report(path, name, parsed, *dated(parsed, path, name, day)))
    kb = load(config)
    batch = Batch(problems, join(reports))
    for report in reports:
        batch.add(report, plan(report.parsed, kb, report.name, report.days, batch.hashes))
    if batch.problems:
        raise Stopped("import", batch.problems)
    batch.explain_repeats(kb)
    if not dry_run:
        write(config, batch.created, batch.filled)
    return batch
