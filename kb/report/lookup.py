"""Questions about the loaded knowledge base: one record and what links to it, or a filtered list.

`kb show` and `kb list` print what these return; nothing here prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kb.check.checks import cited_commits
from kb.records.models import KINDS, Action, Audit, Commit, Finding, Lesson, Record, Snapshot, Stored
from kb.records.refs import CommitRef, is_record_id
from kb.store.loader import Entry, KnowledgeBase, plain

LISTABLE = ("audit", "finding", "lesson", "action", "snapshot", "commit")


class QueryError(Exception):
    """The question names something that is not there; the message says what."""


@dataclass
class Shown:
    """A record, its file, and the records linked to it by role ("audit", "lessons", ...)."""

    entry: Entry
    links: dict[str, list[Stored]] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)

    @property
    def record(self) -> Stored:
        return self.entry.record

    def as_data(self) -> dict[str, Any]:
        """`kb show --json`: the record, its file, its links by role (kind, ID and title each) and
        the IDs it names that are not recorded."""
        links = {
            role: [{"kind": r.kind, "id": ident(r), "title": title(r)} for r in records]
            for role, records in self.links.items()
        }
        return {
            "kind": self.record.kind,
            "id": ident(self.record),
            "path": self.entry.file,
            "record": plain(self.record),
            "links": links,
            "missing": self.missing,
        }


def _entry_of(kb: KnowledgeBase, record: Stored) -> Entry:
    return next(e for e in kb.entries[record.kind] if e.record is record)


def find(kb: KnowledgeBase, ident: str) -> Entry:
    """The entry an ID names: exact, a prefix only one record has, or a commit reference."""
    entries = [e for e in kb.all_entries() if isinstance(e.record, Record)]
    exact = [e for e in entries if e.record.id == ident]  # type: ignore[attr-defined]
    if exact:
        return exact[0]
    try:
        commit = kb.commit(CommitRef.parse(ident))
    except ValueError:
        commit = None
    if commit is not None:
        return _entry_of(kb, commit)
    prefixed = [e for e in entries if e.record.id.startswith(ident)]  # type: ignore[attr-defined]
    if len(prefixed) == 1:
        return prefixed[0]
    if prefixed:
        names = ", ".join(e.record.id for e in prefixed[:5])  # type: ignore[attr-defined]
        raise QueryError(f"{ident!r} matches {len(prefixed)} records: {names}")
    kind = "record" if is_record_id(ident) or "-" in ident else "record or commit"
    raise QueryError(f"no {kind} {ident!r}")


def _ids(kb: KnowledgeBase, ids: Iterable[str | None], links: Shown, role: str) -> None:
    index = kb.by_id()
    for ident in ids:
        if ident is None:
            continue
        if ident in index:
            links.links.setdefault(role, []).append(index[ident])
        else:
            links.missing.setdefault(role, []).append(ident)


def _commits(kb: KnowledgeBase, refs: Iterable[str], shown: Shown) -> None:
    for text in refs:
        commit = kb.commit(CommitRef.parse(text))
        if commit is None:
            shown.missing.setdefault("commits", []).append(text)
        else:
            shown.links.setdefault("commits", []).append(commit)


def _add(shown: Shown, role: str, records: Iterable[Stored]) -> None:
    found = list(records)
    if found:
        shown.links.setdefault(role, []).extend(found)


def show(kb: KnowledgeBase, ident: str) -> Shown:
    """A record with everything linked to it, in either direction."""
    shown = Shown(find(kb, ident))
    rec = shown.record
    if isinstance(rec, Finding):
        _ids(kb, [rec.audit], shown, "audit")
        _commits(kb, rec.commits, shown)
        _ids(kb, [rec.recurrence_of], shown, "recurrence_of")
        _add(shown, "recurrences", (f for f in kb.findings if f.recurrence_of == rec.id))
        _add(shown, "lessons", (le for le in kb.lessons if rec.id in le.findings))
        _add(shown, "actions", (a for a in kb.actions if a.source.finding == rec.id))
    elif isinstance(rec, Lesson):
        _ids(kb, [rec.audit], shown, "audit")
        _ids(kb, rec.findings, shown, "findings")
        _ids(kb, rec.actions, shown, "actions")
        _ids(kb, (c.audit for c in rec.confirmed), shown, "confirmed_by")
    elif isinstance(rec, Action):
        _ids(kb, [rec.source.audit], shown, "audit")
        _ids(kb, [rec.source.finding], shown, "finding")
        if rec.evidence and rec.evidence.commit:
            _commits(kb, [rec.evidence.commit], shown)
        _add(shown, "lessons", (le for le in kb.lessons if rec.id in le.actions))
    elif isinstance(rec, Audit):
        _add(shown, "findings", (f for f in kb.findings if f.audit == rec.id))
        _add(shown, "actions", (a for a in kb.actions if a.source.audit == rec.id))
        _add(shown, "lessons", (le for le in kb.lessons if le.audit == rec.id))
        _add(shown, "snapshots", (s for s in kb.snapshots if s.audit == rec.id))
        _commits(kb, rec.commits, shown)
    elif isinstance(rec, Snapshot):
        _ids(kb, [rec.audit], shown, "audit")
    elif isinstance(rec, Commit):
        ref = CommitRef(rec.repo, rec.hash)
        citing = [e.record for e in kb.all_entries() if any(r.matches(ref) for _, r in cited_commits(e))]
        _add(shown, "cited_by", citing)
    return shown


def record_date(kb: KnowledgeBase, rec: Stored) -> dt.date | None:
    """The day a record is about: when it was found, raised or run, else its audit's last day."""
    audits = {a.id: a for a in kb.audits}

    def audit_day(audit_id: str | None) -> dt.date | None:
        audit = audits.get(audit_id or "")
        return audit.last_day if audit else None

    if isinstance(rec, Audit):
        return rec.started
    if isinstance(rec, Finding):
        return rec.found or audit_day(rec.audit)
    if isinstance(rec, Action):
        return rec.opened or audit_day(rec.source.audit)
    if isinstance(rec, Lesson):
        return audit_day(rec.audit)
    if isinstance(rec, Snapshot):
        return rec.taken
    if isinstance(rec, Commit) and rec.date is not None:
        return rec.date.date() if isinstance(rec.date, dt.datetime) else rec.date
    return None


def audit_of(rec: Stored) -> str | None:
    if isinstance(rec, (Finding, Lesson, Snapshot)):
        return rec.audit
    if isinstance(rec, Action):
        return rec.source.audit
    if isinstance(rec, Audit):
        return rec.id
    return None


@dataclass(frozen=True)
class Filters:
    """What `kb list` narrows by; None or empty means no filter."""

    status: str | None = None
    severity: str | None = None
    tags: tuple[str, ...] = ()
    audit: str | None = None
    """The audit's ID, or a prefix only one record's ID has."""
    since: dt.date | None = None


def _value(rec: Stored, name: str) -> str | None:
    value = getattr(rec, name, None)
    return None if value is None else str(getattr(value, "value", value))


def select(kb: KnowledgeBase, kind: str, filters: Filters) -> list[tuple[Stored, dt.date | None]]:
    """Records of `kind` that pass every filter, with their dates, newest first."""
    if kind not in KINDS:
        raise QueryError(f"no record kind {kind!r}; kinds: {', '.join(LISTABLE)}")
    audit = find(kb, filters.audit).record.id if filters.audit else None  # type: ignore[attr-defined]
    rows = []
    for rec in kb.of(KINDS[kind]):
        day = record_date(kb, rec)
        if filters.status and _value(rec, "status") != filters.status:
            continue
        if filters.severity and _value(rec, "severity") != filters.severity:
            continue
        if filters.tags and not set(filters.tags) <= set(getattr(rec, "tags", [])):
            continue
        if audit and audit_of(rec) != audit:
            continue
        if filters.since and (day is None or day < filters.since):
            continue
        rows.append((rec, day))
    return sorted(rows, key=lambda row: (row[1] or dt.date.min, title(row[0])), reverse=True)


def title(rec: Stored) -> str:
    """The one-line name of any stored record: its title, a commit's subject, else its ID."""
    if isinstance(rec, Commit):
        return rec.subject
    return str(getattr(rec, "title", None) or ident(rec))


def ident(rec: Stored) -> str:
    """A record's ID, or a commit's reference."""
    return rec.ref if isinstance(rec, Commit) else str(getattr(rec, "id", ""))
