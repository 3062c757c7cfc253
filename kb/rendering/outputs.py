"""The documents kb.toml's outputs name: rendered from the records, then written where they changed.

`render_documents` is the pure part (records in, texts out) that the site and the tests reuse;
`write_outputs` compares them with the files on disk and writes (or, checking, diffs) what
changed. kb/pipeline.py runs the gates before either.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.check.diagnostics import Code, Diagnostic, Stopped
from kb.speed.forks import fork_map, workers_for
from kb.store.atomic import write_batch
from kb.store.config import Config

if TYPE_CHECKING:
    from kb.store.loader import KnowledgeBase

# pydantic and Jinja are imported by the functions that use them: a check the render stamp
# answers needs neither, and answers in a fraction of the time importing them takes.

AUDIT_PLACEHOLDER = "{audit}"
PARALLEL_MIN = 50
"""Documents per extra process before rendering is spread over the cores."""
DEFAULTS: dict[str, Any] = {"report": None, "unlinked": [], "snapshot_diff": None}
"""Context every template can rely on; `extra` overrides these."""


@dataclass
class RenderResult:
    """What a render did (or, in check mode, would do), by output path relative to its folder."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    """Outputs of audits that are gone (`orphaned`), deleted by this render."""
    diffs: dict[str, str] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)
    documents: dict[str, str] = field(default_factory=dict)
    """Every document's text, when this run rendered them (empty when the stamp proved them current)."""

    @property
    def stale(self) -> list[str]:
        return list(self.diffs)


def planned(config: Config, audits: Sequence[str]) -> list[tuple[str, str, str | None]]:
    """(path, template, audit) of every document the outputs make, given the audits' IDs:
    the whole-base documents first, then each `{audit}` output once per audit."""
    jobs: list[tuple[str, str, str | None]] = []
    for output in config.outputs:
        if AUDIT_PLACEHOLDER not in output.path:
            jobs.insert(0, (output.path, output.template, None))
        else:
            jobs += [(output.path.replace(AUDIT_PLACEHOLDER, audit), output.template, audit) for audit in audits]
    return jobs


def render_documents(kb: KnowledgeBase, extra: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Every configured output's text by its relative path, `{audit}` outputs once per audit.

    `extra` adds context for every template (e.g. `unlinked`, `snapshot_diff`); its optional
    `by_audit` mapping of audit ID to a dict adds context for that audit's documents only.
    The documents are independent, so a large knowledge base renders them on all cores.
    Raises Stopped (E603) when a template fails.
    """
    import jinja2

    from kb.rendering.jinjaenv import environment, render_text, template_error
    from kb.rendering.views import KnowledgeView

    config = kb.config
    view = KnowledgeView(kb)
    env = environment(config.templates if config.templates.is_dir() else None, config.cache)
    extra = dict(extra or {})
    by_audit: Mapping[str, Mapping[str, Any]] = extra.pop("by_audit", {})
    context = {**DEFAULTS, **extra, "kb": view}
    try:  # compiled once here, so forked workers inherit them
        templates = {output.template: env.get_template(output.template) for output in config.outputs}
    except jinja2.TemplateError as err:
        raise Stopped("render", [template_error(err)]) from None
    jobs = planned(config, [a.id for a in view.audits])

    def one(job: tuple[str, str, str | None]) -> str | Diagnostic:
        _, template, audit = job
        own = context if audit is None else {**context, "report": view.audit(audit), **by_audit.get(audit, {})}
        try:
            return render_text(templates[template], own)
        except jinja2.TemplateError as err:
            return template_error(err)

    if workers_for(len(jobs), PARALLEL_MIN) > 1:
        view.prepare()  # what every document uses, computed once rather than in each worker
    texts = fork_map(one, jobs, PARALLEL_MIN)
    failed = [text for text in texts if isinstance(text, Diagnostic)]
    if failed:
        raise Stopped("render", failed[:1])
    return dict(sorted((path, text) for (path, _, _), text in zip(jobs, texts, strict=True) if isinstance(text, str)))


def unified_diff(path: str, old: str | None, new: str | None) -> str:
    """A git-style diff of one output: committed text (a/) against what the records give (b/),
    `None` on either side for a file that is not there."""
    lines = difflib.unified_diff(
        (old or "").splitlines(keepends=True),
        (new or "").splitlines(keepends=True),
        fromfile=f"a/{path}" if old is not None else "/dev/null",
        tofile=f"b/{path}" if new is not None else "/dev/null",
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None


def _target(base: Path, relative: str) -> Path:
    path = (base / relative).resolve()
    if not path.is_relative_to(base.resolve()):
        problem = Diagnostic("kb.toml", 0, 0, Code.E601, "outputs", f"output path {relative!r} leaves {base}")
        raise Stopped("render", [problem])
    return path


def orphaned(config: Config, base: Path, documents: Collection[str]) -> list[str]:
    """Per-audit outputs on disk that no audit produces any more (the report of a deleted audit):
    files matching an `{audit}` output path whose `{audit}` part is a record ID."""
    import re

    from kb.records.refs import is_record_id

    found = set()
    for output in config.outputs:
        head, placeholder, tail = output.path.partition(AUDIT_PLACEHOLDER)
        if not placeholder:
            continue
        pattern = re.compile(re.escape(head) + "(.+)" + re.escape(tail))
        for path in base.glob(output.path.replace(AUDIT_PLACEHOLDER, "*")):
            relative = path.relative_to(base).as_posix()
            match = pattern.fullmatch(relative)
            if match and is_record_id(match[1]) and relative not in documents and path.is_file():
                found.add(relative)
    return sorted(found)


def audit_context(config: Config, kb: KnowledgeBase) -> dict[str, Any]:
    """Per-audit context the audit reports add to the records: changes since the previous
    snapshot (from the records alone) and, when kb.toml names repositories, the session's
    commits that no record cites (read from git)."""
    from kb.report.snapshotdiff import diff_snapshots, previous

    by_audit: dict[str, dict[str, Any]] = {}
    for snap in kb.snapshots:
        before = previous(kb, snap)
        if before is not None:
            by_audit.setdefault(snap.audit, {})["snapshot_diff"] = diff_snapshots(before, snap).rows() or None
    if config.repositories:
        from kb.gitlink.verify import unlinked_commits

        for audit_id, commits in unlinked_commits(config, kb, "render").items():
            by_audit.setdefault(audit_id, {})["unlinked"] = commits
    return {"by_audit": by_audit}


def write_outputs(
    config: Config, documents: dict[str, str], base: Path, check: bool, warnings: list[Diagnostic]
) -> RenderResult:
    """Write each document whose text differs from its file under `base`, atomically, and delete the
    outputs of audits that are gone; with `check`, write nothing and diff each stale output instead."""
    targets = {relative: _target(base, relative) for relative in documents}
    result = RenderResult(warnings=warnings, documents=documents)
    for relative, text in documents.items():
        old = _read(targets[relative])
        if old == text:
            result.unchanged.append(relative)
        elif check:
            result.diffs[relative] = unified_diff(relative, old, text)
        else:
            result.written.append(relative)
    for relative in orphaned(config, base, documents):
        if check:
            result.diffs[relative] = unified_diff(relative, _read(base / relative), None)
        else:
            result.removed.append(relative)
    write_batch((), [(targets[relative], documents[relative]) for relative in result.written])
    for relative in result.removed:
        (base / relative).unlink(missing_ok=True)
    return result
