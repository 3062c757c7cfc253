"""The documents kb.toml's outputs name: rendered from the records, then written where they changed.

`render_documents` is the pure part (records in, texts out) that the site and the tests reuse;
`write_outputs` compares them with the files on disk and writes (or, checking, diffs) what
changed. kb/pipeline.py runs the gates before either.

kb writes only what is its own: a whole document over a file that carries kb's marker line
(kb/store/ownership.py), a managed region between its markers in a hand-written file
(kb/rendering/regions.py); it removes only reports it wrote, inside the folder it renders into.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from kb.check.diagnostics import Code, Diagnostic, Stopped
from kb.rendering import regions
from kb.speed.forks import fork_map, workers_for
from kb.store import ownership
from kb.store.atomic import write_batch
from kb.store.config import Config, Output, position
from kb.store.layout import mkdocs_file
from kb.store.settings import AUDIT_PLACEHOLDER

if TYPE_CHECKING:
    from kb.store.loader import KnowledgeBase

# pydantic and Jinja are imported by the functions that use them: a check the render stamp
# answers needs neither, and answers in a fraction of the time importing them takes.

PARALLEL_MIN = 50
"""Documents per extra process before rendering is spread over the cores."""
MARKER_BYTES = len(ownership.marked("").encode("utf-8"))
"""What kb's marker line adds to a document it writes whole."""
DEFAULTS: dict[str, Any] = {"report": None, "unlinked": [], "snapshot_diff": None}
"""Context every template can rely on; `extra` overrides these."""


class Rendered(dict[str, str]):
    """Every whole document's text by its output path (the dict itself), and `regions`: each
    managed region's text by (path, region name). The site and `kb mcp` take the documents."""

    def __init__(self, documents: Mapping[str, str], parts: Mapping[tuple[str, str], str]) -> None:
        super().__init__(documents)
        self.regions = dict(parts)


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
    files: dict[str, str] = field(default_factory=dict)
    """Every output file's text as kb writes it (marker line, filled regions), when this run rendered them."""

    @property
    def stale(self) -> list[str]:
        return list(self.diffs)


def _jobs(config: Config, audits: Sequence[str]) -> list[tuple[Output, str, str | None]]:
    """(output, path, audit) of everything the outputs make, given the audits' IDs: the
    whole-base documents and regions first, then each `{audit}` output once per audit."""
    single = [(output, output.path, None) for output in config.outputs if AUDIT_PLACEHOLDER not in output.path]
    jobs: list[tuple[Output, str, str | None]] = list(single)
    for output in config.outputs:
        if AUDIT_PLACEHOLDER in output.path:
            jobs += [(output, output.path.replace(AUDIT_PLACEHOLDER, audit), audit) for audit in audits]
    return jobs


def planned(config: Config, audits: Sequence[str]) -> list[tuple[str, str, str | None]]:
    """(path, template, audit) of every whole document the outputs make (regions are parts of
    hand-written files), given the audits' IDs."""
    return [(path, output.template, audit) for output, path, audit in _jobs(config, audits) if output.region is None]


def render_documents(kb: KnowledgeBase, extra: Mapping[str, Any] | None = None) -> Rendered:
    """Every configured output's text: documents by relative path (`{audit}` outputs once per
    audit), regions by path and name.

    `extra` adds context for every template (e.g. `unlinked`, `snapshot_diff`); its optional
    `by_audit` mapping of audit ID to a dict adds context for that audit's documents only, and
    `agent` (kb/rendering/agentview.py) is held to each output's `max_bytes`.
    The documents are independent, so a large knowledge base renders them on all cores.
    Raises Stopped (E603) when a template fails, E601 when an agent context cannot fit its budget,
    and E604 when a document or region would carry HTML outside the allow-list
    (kb/rendering/htmlcheck.py): the last step before any is written.
    """
    import jinja2

    from kb.rendering.agentview import AgentContext, AgentLists, within
    from kb.rendering.htmlcheck import check_pages
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
    jobs = _jobs(config, [a.id for a in view.audits])
    lists = AgentLists(view)

    def one(job: tuple[Output, str, str | None]) -> str | Diagnostic:
        output, _, audit = job
        own = context if audit is None else {**context, "report": view.audit(audit), **by_audit.get(audit, {})}
        template = templates[output.template]
        reserved = 0 if output.region else MARKER_BYTES  # a whole document ends with kb's marker line

        def with_agent(agent: AgentContext) -> str:
            return render_text(template, {**own, "agent": agent})

        try:
            text = within(with_agent, lists, output.max_bytes, reserved)
        except jinja2.TemplateError as err:
            return template_error(err)
        return _too_small(config, output) if text is None else text

    if workers_for(len(jobs), PARALLEL_MIN) > 1:
        view.prepare()  # what every document uses, computed once rather than in each worker
    texts = fork_map(one, jobs, PARALLEL_MIN)
    failed = [text for text in texts if isinstance(text, Diagnostic)]
    if failed:
        raise Stopped("render", failed[:1])
    documents: dict[str, str] = {}
    parts: dict[tuple[str, str], str] = {}
    for (output, path, _), text in zip(jobs, texts, strict=True):
        if isinstance(text, str) and output.region:
            parts[(path, output.region)] = text
        elif isinstance(text, str):
            documents[path] = text
    named = {f"{path} (region {name})": text for (path, name), text in parts.items()}
    check_pages(kb, {**documents, **named}, "render", mkdocs_file(config.root))
    return Rendered(dict(sorted(documents.items())), parts)


def _too_small(config: Config, output: Output) -> Diagnostic:
    key = ("outputs", config.outputs.index(output), "max_bytes")
    line, column = position(config, key)
    message = f"{output.max_bytes} bytes cannot hold {output.path}'s agent context even without lessons and actions"
    return Diagnostic("kb.toml", line, column, Code.E601, ".".join(map(str, key)), message)


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
    files kb wrote (its marker line) inside `base`, matching an `{audit}` output path whose
    `{audit}` part is a record ID. A file kb did not write is never one, whatever its name."""
    import re

    from kb.records.refs import is_record_id

    inside = base.resolve()
    found = set()
    for output in config.outputs:
        head, placeholder, tail = output.path.partition(AUDIT_PLACEHOLDER)
        if not placeholder:
            continue
        pattern = re.compile(re.escape(head) + "(.+)" + re.escape(tail))
        for path in base.glob(output.path.replace(AUDIT_PLACEHOLDER, "*")):
            relative = path.relative_to(base).as_posix()
            match = pattern.fullmatch(relative)
            if not (match and is_record_id(match[1]) and relative not in documents and path.is_file()):
                continue
            if path.resolve().is_relative_to(inside) and ownership.is_marked(_read(path) or ""):
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


NOT_KBS = (
    "kb did not write this file (it has no `<!-- generated by kb` line) and would replace it with the rendered"
    " document. To keep it hand-written, let kb keep only a part of it current: put the lines"
    " `<!-- kb:begin NAME -->` and `<!-- kb:end NAME -->` where that part belongs and add"
    ' `region = "NAME"` to its [[outputs]] table in kb.toml. Or back it up and replace it: `kb render --force`.'
)
FOREIGN_OUT = (
    "this folder holds files kb did not write (no .kb-generated file in it), which a render could"
    " replace or remove: render into a new or empty folder"
)


class _Planned(NamedTuple):
    """What a render would leave in each output file, and the regions it changes in each."""

    files: dict[str, str]
    changes: dict[str, list[regions.Change]]
    problems: list[Diagnostic]


def _plan(config: Config, documents: Rendered, olds: Mapping[str, str | None], force: bool) -> _Planned:
    """Each output file's new text: a document with kb's marker line, over a file kb wrote (or
    any, with `force`); a hand-written file (read from the knowledge base) with its regions filled."""
    planned = _Planned({}, {}, [])
    for relative, body in documents.items():
        old = olds[relative]
        planned.files[relative] = ownership.marked(body)
        if old is not None and old != planned.files[relative] and not (force or ownership.owns(old, body)):
            planned.problems.append(Diagnostic(relative, 0, 0, Code.E605, "", NOT_KBS))
    by_file: dict[str, dict[str, str]] = {}
    for (path, name), body in documents.regions.items():
        by_file.setdefault(path, {})[name] = body
    for path, bodies in sorted(by_file.items()):
        try:
            source = (config.root / path).read_bytes().decode("utf-8")
        except FileNotFoundError:
            names = ", ".join(regions.begin(name) for name in sorted(bodies))
            message = f"no such file: write it, with {names} and the end markers where kb's text belongs"
            planned.problems.append(Diagnostic(path, 0, 0, Code.E606, "", message))
            continue
        except (OSError, UnicodeDecodeError) as err:
            planned.problems.append(Diagnostic(path, 0, 0, Code.E606, "", f"cannot read it as UTF-8 text: {err}"))
            continue
        updated = regions.update(path, source, bodies)
        planned.problems.extend(updated.problems)
        planned.files[path], planned.changes[path] = updated.text, updated.changes
    return planned


def region_diffs(path: str, changes: Sequence[regions.Change]) -> str:
    """A diff of the changed regions of one file, each with its marker lines as context, numbered
    as the file's lines are (so it applies as a patch), the region named after each `@@`."""
    import re

    parts, offset = [], 0
    for change in changes:
        head, tail = change.markers

        def shift(match: re.Match[str], change: regions.Change = change, offset: int = offset) -> str:
            old, new = int(match[1]) + change.line - 1, int(match[3]) + change.line - 1 + offset
            return f"@@ -{old}{match[2] or ''} +{new}{match[4] or ''} @@ {regions.begin(change.name)}"

        diff = unified_diff(path, head + change.old + tail, head + change.new + tail)
        parts.append(re.sub(r"(?m)^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", shift, diff.split("\n", 2)[2]))
        offset += change.new.count("\n") - change.old.count("\n")
    return f"--- a/{path}\n+++ b/{path}\n" + "".join(parts)


def write_outputs(
    config: Config, documents: Rendered, base: Path, check: bool, warnings: list[Diagnostic], force: bool = False
) -> RenderResult:
    """Write each output file whose text differs from the file under `base`, atomically, and delete
    the reports kb wrote of audits that are gone; with `check`, write nothing and diff each stale
    output instead (a region: that region only).

    Stops (nothing written) on any output over a file kb did not write (unless `force`), any
    region marker problem, or an `--out` folder (`base` other than the root) holding others' files.
    """
    problems = []
    elsewhere = base.resolve() != config.root.resolve()
    if elsewhere and ownership.foreign_folder(base):
        problems.append(Diagnostic(str(base), 0, 0, Code.E605, "--out", FOREIGN_OUT))
    paths = [*documents, *dict.fromkeys(path for path, _ in documents.regions)]
    targets = {relative: _target(base, relative) for relative in paths}
    olds = {relative: _read(target) for relative, target in targets.items()}
    planned = _plan(config, documents, olds, force)
    problems += planned.problems
    if problems:
        raise Stopped("render", sorted(problems))
    result = RenderResult(warnings=warnings, documents=documents, files=planned.files)
    for relative, text in planned.files.items():
        old = olds[relative]
        if old == text:
            result.unchanged.append(relative)
        elif not check:
            result.written.append(relative)
        elif relative in planned.changes and not elsewhere:  # the file the regions were filled in
            result.diffs[relative] = region_diffs(relative, planned.changes[relative])
        else:
            result.diffs[relative] = unified_diff(relative, old, text)
    for relative in orphaned(config, base, documents):
        if check:
            result.diffs[relative] = unified_diff(relative, _read(base / relative), None)
        else:
            result.removed.append(relative)
    if check:
        return result
    write_batch((), [(targets[relative], planned.files[relative]) for relative in result.written], durable=False)
    for relative in result.removed:
        (base / relative).unlink(missing_ok=True)
    if elsewhere:
        ownership.claim_folder(base, "kb render --out")
    return result
