"""Whole-knowledge-base checks: identity, references between records, and dates.

Each check takes the loaded knowledge base and returns diagnostics; `validate` runs them all,
so one run reports every problem.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from kb.check.diagnostics import Code, Diagnostic, Report
from kb.gitlink.citations import cited, reverted_fixes
from kb.records.models import Action, Audit, Commit, Finding, Lesson, Record, Snapshot, Stored
from kb.records.refs import CommitRef
from kb.store.config import CONFIG_NAME, Config, position
from kb.store.loader import Entry, KnowledgeBase, load, relative

Check = Callable[[KnowledgeBase], Iterator[Diagnostic]]


def _diag(entry: Entry, code: Code, path: tuple[str | int, ...], message: str) -> Diagnostic:
    line, col = entry.at(*path)
    return Diagnostic(entry.file, line, col, code, ".".join(str(p) for p in path), message)


def check_identity(kb: KnowledgeBase) -> Iterator[Diagnostic]:
    """IDs are unique across kinds, match their file names and carry their kind's prefix."""
    first: dict[str, Entry] = {}
    for entry in kb.all_entries():
        record = entry.record
        if isinstance(record, Commit):
            key = f"commit {record.ref}"
        elif isinstance(record, Record):
            key = record.id
            if not record.id.startswith(f"{record.prefix}-"):
                yield _diag(entry, Code.E303, ("id",), f"a {record.kind} ID starts with '{record.prefix}-'")
            if os.path.splitext(os.path.basename(entry.file))[0] != record.id:
                yield _diag(entry, Code.E302, ("id",), f"file name should be {record.id}.yaml to match the ID")
        else:  # pragma: no cover - every kind is a Record or a Commit
            continue
        if key in first:
            other = first[key]
            yield _diag(
                entry,
                Code.E301,
                ("id",) if isinstance(record, Record) else ("hash",),
                f"{key} is also defined in {other.file}:{other.at('id')[0]}",
            )
        else:
            first[key] = entry


def _reference(
    kb: KnowledgeBase,
    index: dict[str, Record],
    entry: Entry,
    path: tuple[str | int, ...],
    target: str | None,
    kind: type[Record],
) -> Iterator[Diagnostic]:
    if target is None:
        return
    found = index.get(target)
    if found is None:
        yield _diag(entry, Code.E401, path, f"no {getattr(kind, 'kind', 'record')} with ID {target}")
    elif not isinstance(found, kind):
        yield _diag(entry, Code.E402, path, f"{target} is a {found.kind}, not a {kind.kind}")


Reference = tuple[tuple[str | int, ...], str | None, type[Record]]


def record_references(rec: Stored) -> list[Reference]:
    """Every ID a record names: (field path, target ID or None, the kind the field expects)."""
    refs: list[Reference] = []
    if isinstance(rec, Finding):
        refs += [(("audit",), rec.audit, Audit), (("recurrence_of",), rec.recurrence_of, Finding)]
    elif isinstance(rec, Audit):
        refs += [(("remaining", i), a, Action) for i, a in enumerate(rec.remaining)]
        refs += [(("pickup", i), a, Action) for i, a in enumerate(rec.pickup)]
    elif isinstance(rec, Lesson):
        refs += [(("audit",), rec.audit, Audit)]
        refs += [(("findings", i), f, Finding) for i, f in enumerate(rec.findings)]
        refs += [(("actions", i), a, Action) for i, a in enumerate(rec.actions)]
        refs += [(("confirmed", i, "audit"), c.audit, Audit) for i, c in enumerate(rec.confirmed)]
    elif isinstance(rec, Action):
        refs += [
            (("source", "audit"), rec.source.audit, Audit),
            (("source", "finding"), rec.source.finding, Finding),
        ]
    elif isinstance(rec, Snapshot):
        refs += [(("audit",), rec.audit, Audit)]
    elif isinstance(rec, Commit):
        refs += [(("records", i), r, Record) for i, r in enumerate(rec.records)]
    return refs


def check_references(kb: KnowledgeBase) -> Iterator[Diagnostic]:
    """Every ID a record names exists and is of the kind the field expects."""
    index = kb.by_id()
    for entry in kb.all_entries():
        for path, target, kind in record_references(entry.record):
            yield from _reference(kb, index, entry, path, target, kind)


def cited_commits(entry: Entry) -> Iterator[tuple[tuple[str | int, ...], CommitRef]]:
    """Every commit a record cites, with the field path that cites it."""
    for path, text in cited(entry.record):
        yield path, CommitRef.parse(text)


def check_commits(kb: KnowledgeBase) -> Iterator[Diagnostic]:
    """Cited commits are recorded and in known repositories; every commit record is cited."""
    cited_ids: set[int] = set()
    for entry in kb.all_entries():
        for path, text in cited(entry.record):
            repo = CommitRef.parse(text).repo if "@" in text else None  # most name the default repository
            if repo is not None and kb.config.repository(repo) is None:
                yield _diag(entry, Code.E404, path, f"no repository named {repo!r} in kb.toml")
                continue
            commit = kb.cited_commit(text)
            if commit is None:
                yield _diag(entry, Code.W405, path, f"commit {text} has no commit record yet; run `kb link`")
            else:
                cited_ids.add(id(commit))
    for entry in kb.entries.get("commit", []):
        if id(entry.record) not in cited_ids and not getattr(entry.record, "records", None):
            yield _diag(entry, Code.W401, ("hash",), "no audit, finding or action cites this commit")


def check_reverted(kb: KnowledgeBase) -> Iterator[Diagnostic]:
    """A finding not open whose fix commit (cited, or naming it in a trailer) was reverted has regressed.

    Works from the stored commit records (`reverted_by`, filled in by `kb link`), so it needs no git.
    """
    for entry in kb.entries.get("finding", []):
        finding = entry.record
        if not isinstance(finding, Finding) or finding.status.value == "open":
            continue
        for commit in reverted_fixes(kb, finding):
            ref = CommitRef(commit.repo, commit.hash)
            path = next((p for p, text in cited(finding) if CommitRef.parse(text).matches(ref)), ("id",))
            message = f"fix commit {commit.ref} was reverted by {commit.reverted_by}: the finding has regressed"
            yield _diag(entry, Code.W501, path, message)


def check_dates(kb: KnowledgeBase) -> Iterator[Diagnostic]:
    """Dates run forwards; closed actions say why."""
    for entry in kb.all_entries():
        rec = entry.record
        if isinstance(rec, Audit) and rec.ended and rec.ended < rec.started:
            yield _diag(entry, Code.W402, ("ended",), f"ends {rec.ended} before it starts {rec.started}")
        if isinstance(rec, Finding) and rec.found and rec.resolved and rec.resolved < rec.found:
            yield _diag(entry, Code.W402, ("resolved",), f"resolved {rec.resolved} before found {rec.found}")
        if isinstance(rec, Action):
            if rec.status.value != "open" and not (rec.evidence and (rec.evidence.commit or rec.evidence.note)):
                yield _diag(
                    entry, Code.W403, ("status",), "closed without evidence: add evidence.commit or evidence.note"
                )
            if rec.opened and rec.closed and rec.closed < rec.opened:
                yield _diag(entry, Code.W402, ("closed",), f"closed {rec.closed} before opened {rec.opened}")


def check_records_folder(kb: KnowledgeBase) -> Iterator[Diagnostic]:
    """The records folder exists: a mistyped one would otherwise be a knowledge base with no records."""
    config = kb.config
    if not config.records.is_dir():
        line, column = position(config, ("records",))
        folder = relative(config, config.records)
        hint = f"correct `records` in kb.toml, or create the folder (mkdir {folder})"
        yield Diagnostic(CONFIG_NAME, line, column, Code.E607, "records", f"no folder {folder!r}: {hint}")


CHECKS: tuple[Check, ...] = (
    check_records_folder,
    check_identity,
    check_references,
    check_commits,
    check_reverted,
    check_dates,
)


def run_checks(kb: KnowledgeBase, strict: bool = False, checks: tuple[Check, ...] = CHECKS) -> Report:
    """Every problem of a loaded knowledge base: those found loading it, then the checks',
    less the warnings its configuration ignores."""
    diagnostics = list(kb.problems)
    for one in checks:
        diagnostics.extend(one(kb))
    return Report.of(diagnostics, strict=strict, ignore=kb.config.ignore)


def validate(config: Config, strict: bool = False, checks: tuple[Check, ...] = CHECKS) -> tuple[KnowledgeBase, Report]:
    """Load and check the whole knowledge base; every problem found is in the report."""
    kb = load(config)
    return kb, run_checks(kb, strict, checks)
