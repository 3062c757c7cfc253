"""Turning a parsed report into validated records, linked to each other and to what already exists.

The links a reader makes are made here: a remaining item and the pickup point naming the same
thing become one action, actions point at the finding the report names (or shares distinctive
words with), lessons at the findings they share words with, findings name the components
(nodes, apps, services, hosts) their titles mention. Records the knowledge base already holds
from an earlier import of the same report are reused, never duplicated, and their empty fields
are filled (`kb.importer.refill`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kb.check.diagnostics import Code, Diagnostic
from kb.importer import match, values
from kb.importer.dating import Days
from kb.importer.mdblocks import Draft, Note
from kb.importer.parsed import Parsed
from kb.importer.refill import Filled, fill
from kb.records.models import Action, Audit, Commit, Finding, Lesson, Record, Snapshot, Stored
from kb.records.refs import CommitRef, new_id
from kb.store.loader import Entry, KnowledgeBase

FINDING_TEXT = ("title", "context", "symptom", "root_cause", "fix", "investigation", "verification", "takeaway")
_HOST = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}$")


@dataclass
class Planned:
    """A record to create, where it goes, and the report line it came from."""

    record: Stored
    path: Path
    line: int
    source: str = ""
    """The report it came from, as named in messages."""


@dataclass(frozen=True)
class Mapped:
    """Report lines `first`-`last` went into `field` of record `id` (of `kind`)."""

    first: int
    last: int
    kind: str
    id: str
    field: str


@dataclass
class Plan:
    """What importing one report would do."""

    source: str
    audit: str
    created: list[Planned] = field(default_factory=list)
    filled: list[Filled] = field(default_factory=list)
    existing: list[tuple[str, str]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    uncited: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    mapped: list[Mapped] = field(default_factory=list)
    described: Counter[str] = field(default_factory=Counter)
    """Records the report describes, by kind: created, reused, or shared with an earlier report."""
    shared: int = 0
    """Findings that an earlier report of the same run describes too (one record for both)."""
    drafts: list[Draft] = field(default_factory=list)
    """The report's own finding drafts, each with the ID of the record it became."""


def source_name(imported_from: str | None) -> str | None:
    """The file name an `imported_from` value names first ('seed/report.md:12; b.md:3' -> 'report.md')."""
    if not imported_from:
        return None
    return imported_from.split("; ")[0].rsplit(":", 1)[0].rsplit("/", 1)[-1]


class _Builder:
    def __init__(self, parsed: Parsed, kb: KnowledgeBase, name: str, hashes: set[str]):
        self.parsed = parsed
        self.kb = kb
        self.name = name
        self.hashes = hashes
        self.plan = Plan(name, "")
        self.entries = {e.record.id: e for e in kb.all_entries() if isinstance(e.record, Record)}
        self.finding_ids: list[str] = []
        self.finding_text: list[frozenset[str]] = []
        self.finding_evidence: list[frozenset[str]] = []  # the text plus subjects of its own commits
        self.action_ids: list[str] = []
        self.action_text: list[frozenset[str]] = []
        self.closed: dt.date | None = None
        """The audit's last day: when an action the report marks done was closed, as far as it says."""

    def model(self, model: type[Stored], line: int, data: dict[str, Any]) -> Stored | None:
        """Validate one record; on failure add every problem, with the report line, and return None."""
        data = {k: v for k, v in data.items() if v is not None}
        try:
            return model.model_validate(data)
        except ValidationError as err:
            for item in err.errors(include_url=False):
                where = ".".join(str(p) for p in item["loc"])
                message = f"{model.kind}: {item['msg']}"
                if isinstance(item.get("input"), str):
                    message += f", got {item['input']!r}"
                self.plan.problems.append(Diagnostic(self.name, line, 1, Code.E702, where, message))
            return None

    def origin(self, draft: Draft) -> str:
        return "; ".join([f"{self.name}:{draft.line}", *draft.also])

    def add(self, model: type[Stored], draft: Draft, data: dict[str, Any]) -> None:
        record = self.model(model, draft.line, {**data, "imported_from": self.origin(draft)})
        if record is None:
            return
        folder = self.kb.config.records / record.folder
        stem = record.id if isinstance(record, Record) else str(getattr(record, "hash", ""))
        self.plan.created.append(Planned(record, folder / f"{stem}.yaml", draft.line, self.name))

    def reuse(self, kind: str, record_id: str, draft: Draft | None = None, data: dict[str, Any] | None = None) -> str:
        """Point at a record an earlier import made, filling its empty fields with `data`."""
        self.plan.existing.append((kind, record_id))
        entry = self.entries.get(record_id)
        if entry is not None and draft is not None and data is not None:
            self._refill(entry, draft, {**data, "id": record_id})
        return record_id

    def _refill(self, entry: Entry, draft: Draft, data: dict[str, Any]) -> None:
        found = self.model(type(entry.record), draft.line, data)
        edit = fill(entry, found) if found is not None else None
        if isinstance(edit, Filled):
            self.plan.filled.append(edit)
        elif edit is not None:
            self.plan.messages.append(f"{edit}: left as it is")

    # --- the audit ------------------------------------------------------------------

    def audit(self, days: Days | None) -> Audit | None:
        """The audit's own fields; what the report does not say is a warning, not an error."""
        header = self.parsed.header
        data: dict[str, Any] = {"title": self.parsed.title or Path(self.name).stem}
        for key, what in (("trigger", "why the audit was run"), ("scope", "what was audited")):
            if key in header:
                continue
            message = f"the report does not say {what} (no '{key.capitalize()}:' line or section): left unset"
            self.plan.warnings.append(Diagnostic(self.name, 1, 1, Code.W701, key, message))
        if days is not None:
            data["started"], data["ended"] = days.started, days.ended
        date = header.get("date")
        if date is not None and days is not None and days.source != "header":
            self.parsed.keep(date.line, date.last, f"Header: {self.parsed.lines[date.line - 1].strip()}")
        if "trigger" in header:
            data["trigger"] = header["trigger"].text
        if "scope" in header:
            data["scope"] = values.scope(header["scope"].text)
        result = header["result"].text if "result" in header else ""
        summary = header["summary"].text if "summary" in header else ""
        data["summary"] = "\n\n".join(t for t in (result, summary) if t) or None
        data["outcome"] = values.outcome(result) or values.outcome(summary, verdict=False)
        data["readiness"] = self.parsed.readiness
        if "readiness" in header:
            data["readiness"] = values.readiness("readiness: " + header["readiness"].text)
        data["cleanup"] = self.parsed.cleanup
        data["documentation"] = self.parsed.documentation
        data["notes"] = [n.text for n in self.parsed.notes]
        data["id"] = "AUD-placeholder"
        record = self.model(Audit, self.parsed.audit.line, data) if days is not None else None
        return record if isinstance(record, Audit) else None

    def existing_audit(self, draft: Audit) -> Audit | None:
        """The audit an earlier import of this report made: two of the same file, day and title.

        A report dated by git alone may change its day, and one retitled its title, but not both.
        """
        for audit in self.kb.audits:
            same = (
                source_name(audit.imported_from) == self.name,
                audit.started == draft.started,
                audit.title == draft.title,
            )
            if sum(same) >= 2:
                return audit
        return None

    # --- the records ----------------------------------------------------------------

    def findings(self, audit: str, existing: bool) -> None:
        known = {(f.audit, f.title.lower()): f.id for f in self.kb.findings} if existing else {}
        names = _component_names(self.parsed.snapshot)
        drafts = [d for d in self.parsed.findings if d.merged_into is None]
        shared = Counter(h for d in drafts for h in d.data["commits"])
        subjects = {d.data["hash"]: d.data.get("subject", "") for d in self.parsed.commits}
        for draft in self.parsed.findings:
            if draft.merged_into is not None:
                continue
            data = dict(draft.data)
            own = [subjects.get(h, "") for h in data["commits"] if shared[h] == 1]
            self.finding_text.append(match.tokens(*(data.get(k) for k in FINDING_TEXT)))
            self.finding_evidence.append(self.finding_text[-1] | match.tokens(*own))
            if not data["components"]:
                data["components"] = _components(data["title"], names)
            key = (audit, data["title"].lower())
            if key in known:
                draft.record = self.reuse("finding", known[key], draft, {**data, "audit": audit})
            else:
                data.update(id=new_id(Finding.prefix, data["title"]), audit=audit)
                draft.record = data["id"]
                self.add(Finding, draft, data)
            self.finding_ids.append(draft.record)
            self.plan.described["finding"] += 1
            self.plan.drafts.append(draft)
        mine = {id(d) for d in self.parsed.findings}
        for draft in self.parsed.findings:
            if draft.merged_into is not None and id(draft.final()) not in mine:
                self.plan.shared += 1
                self.plan.described["finding"] += 1

    def actions(self, audit: str, existing: bool) -> tuple[list[str], list[str]]:
        known: dict[str, str] = {}
        if existing:
            for action in self.kb.actions:
                if action.source.audit == audit:
                    known[action.title.lower()] = action.id
                    if action.handover:
                        known[action.handover.title.lower()] = action.id
        remaining = [d for d in self.parsed.remaining if d.merged_into is None]
        free = [d for d in self.parsed.pickup if d.merged_into is None]
        open_ = [d for d in remaining if "handover" not in d.data]
        pairs = match.pairs(
            [match.tokens(d.data["title"], d.data["todo"]) for d in open_],
            [match.tokens(d.data["title"], d.data["todo"]) for d in free],
        )
        for i, j in pairs.items():
            open_[i].data["handover"] = {"title": free[j].data["title"], "text": free[j].data["todo"]}
            free[j].merged_into = open_[i]
        for draft in remaining + [d for d in free if d.merged_into is None]:
            draft.record = self.action(draft, audit, known)
        return [str(d.record) for d in remaining], [str(d.final().record) for d in self.parsed.pickup]

    def action(self, draft: Draft, audit: str, known: dict[str, str]) -> str:
        """One action from a remaining item (with its pickup wording, if any) or a pickup point."""
        data = dict(draft.data)
        hand = data.get("handover") or {}
        texts = [data["title"], data["todo"], hand.get("title"), hand.get("text")]
        text = match.tokens(*texts)
        self.action_text.append(text)
        if draft.link is not None:
            finding: str | None = draft.link.final().record
        else:
            best = match.best(text, self.finding_text)
            finding = self.finding_ids[best] if best is not None else None
        data["source"] = {"audit": audit, "finding": finding}
        if data.get("status") == "done":
            data.setdefault("closed", self.closed)
            data.setdefault("evidence", {"note": f"marked done in {self.name}:{draft.line}"})
        self.plan.described["action"] += 1
        found = next((known[t.lower()] for t in texts[::2] if t and t.lower() in known), None)
        if found:
            self.action_ids.append(self.reuse("action", found, draft, {**data, "id": found}))
            return found
        data["id"] = new_id(Action.prefix, data["title"])
        self.action_ids.append(data["id"])
        self.add(Action, draft, data)
        return str(data["id"])

    def lessons(self, audit: str, existing: bool) -> None:
        known = {(lesson.audit, lesson.title.lower()): lesson.id for lesson in self.kb.lessons} if existing else {}
        for draft in self.parsed.lessons:
            data = dict(draft.data)
            text = match.tokens(data["title"], data["rule"], data.get("detail"))
            findings = [self.finding_ids[i] for i in match.related(text, self.finding_evidence)]
            actions = [] if findings else [self.action_ids[i] for i in match.related(text, self.action_text)]
            data.update(audit=audit, findings=findings, actions=actions)
            self.plan.described["lesson"] += 1
            if (audit, data["title"].lower()) in known:
                record = known[(audit, data["title"].lower())]
                draft.record = self.reuse("lesson", record, draft, data)
                continue
            data["id"] = draft.record = new_id("L", data["title"])
            self.add(Lesson, draft, data)

    def commits(self) -> list[str]:
        """Commit records for every listed hash; cited hashes without a subject are reported."""
        listed = [d.data["hash"] for d in self.parsed.commits]
        cited = [h for d in self.parsed.findings if d.merged_into is None for h in d.data["commits"]]
        for draft in self.parsed.commits:
            draft.record = draft.data["hash"]
            if draft.record in self.hashes or self.kb.commit(CommitRef(None, draft.data["hash"])) is not None:
                self.reuse("commit", draft.data["hash"])
            else:
                self.hashes.add(draft.record)
                self.add(Commit, draft, dict(draft.data))
        for commit in dict.fromkeys(cited):
            known = any(commit.startswith(h) or h.startswith(commit) for h in listed)
            if not known and self.kb.commit(CommitRef(None, commit)) is None:
                self.plan.uncited.append(commit)
        return list(dict.fromkeys(listed + [h for h in cited if h not in listed]))

    def snapshot(self, title: str, taken: dt.date, audit_id: str, existing: bool) -> None:
        draft = self.parsed.snapshot
        if draft is None:
            return
        for snap in self.kb.snapshots if existing else []:
            if snap.audit == audit_id and source_name(snap.imported_from) == self.name:
                draft.record = self.reuse("snapshot", snap.id)
                return
        data = {**draft.data, "id": new_id(Snapshot.prefix, title), "audit": audit_id, "taken": taken}
        draft.record = data["id"]
        self.add(Snapshot, draft, data)

    def explain(self) -> None:
        """Which record and field each range of report lines went into."""
        kinds = {id(self.parsed.audit): "audit", id(self.parsed.snapshot): "snapshot"}
        kinds |= {id(d): "finding" for d in self.parsed.findings}
        kinds |= {id(d): "action" for d in [*self.parsed.remaining, *self.parsed.pickup, *self.parsed.recommended]}
        kinds |= {id(d): "lesson" for d in self.parsed.lessons} | {id(d): "commit" for d in self.parsed.commits}
        self.parsed.audit.record = self.plan.audit
        for span in self.parsed.spans:
            draft = span.draft.final()
            if draft.record is not None:
                kind = kinds.get(id(draft), "finding")  # a finding of an earlier report, merged across reports
                self.plan.mapped.append(Mapped(span.first, span.last, kind, draft.record, span.field))
        self.plan.mapped.sort(key=lambda m: (m.first, m.last))


@dataclass
class _Names:
    """Component names a finding title may mention, indexed for lookup by word."""

    whole: dict[str, str] = field(default_factory=dict)
    """Lower-case name to the component to record."""
    spread: dict[str, list[tuple[list[frozenset[str]], str]]] = field(default_factory=dict)
    """Stem of a hyphenated name's first part to (stems of its parts, component)."""

    def add(self, key: str, name: str) -> None:
        self.whole.setdefault(key.lower(), name)
        parts = [match.tokens(part) for part in key.lower().split("-")]
        if len(parts) > 1 and parts[0]:
            self.spread.setdefault(min(parts[0]), []).append((parts, name))


def _component_names(snapshot: Draft | None) -> _Names:
    """Nodes (also by purpose), applications and services of the report's own snapshot."""
    names = _Names()
    data = snapshot.data if snapshot else {}
    for node in data.get("nodes", []):
        names.add(node["name"], node["name"])
        if node.get("purpose"):
            names.add(node["purpose"], node["name"])
    for entry in data.get("applications", []) + data.get("images", []):
        name = entry.get("name") or entry.get("service") or ""
        if name and " " not in name and "*" not in name:
            names.add(name, name)
    return names


def _components(title: str, names: _Names) -> list[str]:
    """The component a title mentions first (the longest name at that place), if any.

    Names match whole words, and a hyphenated name also matches its words in a row with plural
    forms folded ('Kyverno policy' names `kyverno-policies`); failing those, a host name counts.
    """
    title_words = [w.strip(".,:;()") for w in title.lower().split()]
    stems = [match.tokens(w) for w in title_words]
    for start, word in enumerate(title_words):
        found = [(len(word), names.whole[word])] if word in names.whole else []
        for stem in stems[start]:
            for parts, name in names.spread.get(stem, []):
                window = stems[start : start + len(parts)]
                if len(window) == len(parts) and all(p <= w for p, w in zip(parts, window, strict=True)):
                    found.append((len(name), name))
        if found:
            return [max(found)[1]]
        if _HOST.match(word):
            return [word]
    return []


def plan(parsed: Parsed, kb: KnowledgeBase, name: str, days: Days | None, hashes: set[str] | None = None) -> Plan:
    """Every record the report describes, validated and linked; nothing is written here.

    `days` are the audit's (see `kb.importer.dating`); without them the records are still
    checked, so one run reports every problem. `hashes` are the commits earlier reports of the
    run already record (and gains this one's).
    """
    builder = _Builder(parsed, kb, name, set() if hashes is None else hashes)
    draft = builder.audit(days)
    found = builder.existing_audit(draft) if draft else None
    existing = found is not None
    audit_id = found.id if found else new_id(Audit.prefix, draft.title if draft else "report")
    builder.plan.audit = audit_id
    builder.closed = draft.last_day if draft else None
    builder.findings(audit_id, existing)
    remaining, pickup = builder.actions(audit_id, existing)
    builder.lessons(audit_id, existing)
    commits = builder.commits()
    builder.plan.notes = parsed.notes
    builder.snapshot(draft.title if draft else "report", draft.last_day if draft else dt.date.min, audit_id, existing)
    if draft is not None:
        fields = draft.model_dump(exclude={"id"}, exclude_none=True)
        fields.update(id=audit_id, commits=commits, remaining=remaining, pickup=pickup)
        if found is None:
            builder.add(Audit, parsed.audit, fields)
        else:
            builder.reuse("audit", found.id, parsed.audit, fields)
            if builder.plan.created:
                message = f"{audit_id} was imported before and is left as it is; link the new records to it by hand"
                builder.plan.messages.insert(0, message + " if needed")
    builder.explain()
    return builder.plan
