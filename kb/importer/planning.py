"""Turning a parsed report into validated records, linked to each other and to what already exists.

The links a reader makes are made here: a remaining item and the pickup point naming the same
thing become one action, actions and lessons point at the findings they share distinctive words
with, findings name the components (nodes, apps, services, hosts) their titles mention. Records
the knowledge base already holds from an earlier import of the same report are reused, never
duplicated.
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
from kb.importer.mdblocks import Draft, Note
from kb.importer.reportparse import Parsed
from kb.records.models import Action, Audit, Commit, Finding, Lesson, Record, Snapshot, Stored
from kb.records.refs import CommitRef, new_id
from kb.store.loader import KnowledgeBase

FINDING_TEXT = ("title", "context", "symptom", "root_cause", "fix", "investigation", "verification", "takeaway")
_HOST = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}$")


@dataclass
class Planned:
    """A record to create, where it goes, and the report line it came from."""

    record: Stored
    path: Path
    line: int


@dataclass
class Plan:
    """What importing one report would do."""

    source: str
    audit: str
    created: list[Planned] = field(default_factory=list)
    existing: list[tuple[str, str]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    uncited: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)


def source_name(imported_from: str | None) -> str | None:
    """The file name an `imported_from` value names ('seed/report.md:12' -> 'report.md')."""
    if not imported_from:
        return None
    return imported_from.rsplit(":", 1)[0].rsplit("/", 1)[-1]


class _Builder:
    def __init__(self, parsed: Parsed, kb: KnowledgeBase, name: str):
        self.parsed = parsed
        self.kb = kb
        self.name = name
        self.plan = Plan(name, "")
        self.finding_ids: list[str] = []
        self.finding_text: list[frozenset[str]] = []
        self.finding_evidence: list[frozenset[str]] = []  # the text plus subjects of its own commits
        self.action_ids: list[str] = []
        self.action_text: list[frozenset[str]] = []

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

    def add(self, model: type[Stored], line: int, data: dict[str, Any]) -> None:
        record = self.model(model, line, {**data, "imported_from": f"{self.name}:{line}"})
        if record is None:
            return
        folder = self.kb.config.records / record.folder
        stem = record.id if isinstance(record, Record) else str(getattr(record, "hash", ""))
        self.plan.created.append(Planned(record, folder / f"{stem}.yaml", line))

    def reuse(self, kind: str, record_id: str) -> str:
        self.plan.existing.append((kind, record_id))
        return record_id

    # --- the audit ------------------------------------------------------------------

    def audit(self) -> Audit | None:
        header = self.parsed.header
        data: dict[str, Any] = {"title": self.parsed.title or Path(self.name).stem}
        for key, label in (("date", "Date"), ("trigger", "Trigger"), ("scope", "Scope")):
            if key not in header:
                self.plan.problems.append(
                    Diagnostic(self.name, 1, 1, Code.E701, key, f"the report has no '{label}:' line in its header")
                )
        if "date" in header:
            line, text = header["date"]
            days = values.date_range(text)
            if days is None:
                message = f"cannot read a date in {text!r} (write e.g. 2026-01-25 or January 25-26, 2026)"
                self.plan.problems.append(Diagnostic(self.name, line, 1, Code.E701, "date", message))
            else:
                data["started"], data["ended"] = days
        if "trigger" in header:
            data["trigger"] = header["trigger"][1]
        if "scope" in header:
            data["scope"] = values.scope(header["scope"][1])
        result, summary = header.get("result", (0, ""))[1], header.get("summary", (0, ""))[1]
        data["summary"] = " ".join(t for t in (result, summary) if t) or None
        data["outcome"] = values.outcome(result or summary)
        data["readiness"] = self.parsed.readiness
        if "readiness" in header:
            data["readiness"] = values.readiness("readiness: " + header["readiness"][1])
        data["cleanup"] = self.parsed.cleanup
        data["documentation"] = self.parsed.documentation
        data["notes"] = [n.text for n in self.parsed.notes]
        data["id"] = "AUD-placeholder"
        record = self.model(Audit, self.parsed.title_line, data) if not self.plan.problems else None
        return record if isinstance(record, Audit) else None

    def existing_audit(self, draft: Audit) -> Audit | None:
        """The audit an earlier import of this report made: same start day, and same title or file."""
        for audit in self.kb.audits:
            same_day = audit.started == draft.started
            if same_day and (audit.title == draft.title or source_name(audit.imported_from) == self.name):
                return audit
        return None

    # --- the records ----------------------------------------------------------------

    def findings(self, audit: str, existing: bool) -> None:
        known = {(f.audit, f.title.lower()): f.id for f in self.kb.findings} if existing else {}
        names = _component_names(self.parsed.snapshot)
        shared = Counter(h for d in self.parsed.findings for h in d.data["commits"])
        subjects = {d.data["hash"]: d.data.get("subject", "") for d in self.parsed.commits}
        for draft in self.parsed.findings:
            data = dict(draft.data)
            own = [subjects.get(h, "") for h in data["commits"] if shared[h] == 1]
            self.finding_text.append(match.tokens(*(data.get(k) for k in FINDING_TEXT)))
            self.finding_evidence.append(self.finding_text[-1] | match.tokens(*own))
            key = (audit, data["title"].lower())
            if key in known:
                self.finding_ids.append(self.reuse("finding", known[key]))
                continue
            data.setdefault("status", None)
            if data["status"] is None:
                data["status"] = "resolved" if data["commits"] else "open"
            if not data["components"]:
                data["components"] = _components(data["title"], names)
            data.update(id=new_id(Finding.prefix, data["title"]), audit=audit)
            self.finding_ids.append(data["id"])
            self.add(Finding, draft.line, data)

    def actions(self, audit: str, existing: bool) -> tuple[list[str], list[str]]:
        known: dict[str, str] = {}
        if existing:
            for action in self.kb.actions:
                if action.source.audit == audit:
                    known[action.title.lower()] = action.id
                    if action.handover:
                        known[action.handover.title.lower()] = action.id
        remaining, pickup = self.parsed.remaining, self.parsed.pickup
        merged = match.pairs(
            [match.tokens(d.data["title"], d.data["todo"]) for d in remaining],
            [match.tokens(d.data["title"], d.data["todo"]) for d in pickup],
        )
        handed = {j: i for i, j in merged.items()}
        drafts = [(d, pickup[merged[i]] if i in merged else None) for i, d in enumerate(remaining)]
        drafts += [(d, None) for j, d in enumerate(pickup) if j not in handed]
        ids = [self.action(draft, hand, audit, known) for draft, hand in drafts]
        own = iter(ids[len(remaining) :])
        pick = [ids[handed[j]] if j in handed else next(own) for j in range(len(pickup))]
        return ids[: len(remaining)], pick

    def action(self, draft: Draft, hand: Draft | None, audit: str, known: dict[str, str]) -> str:
        """One action from a remaining item (with its pickup wording, if any) or a pickup point."""
        data = dict(draft.data)
        texts = [data["title"], data["todo"]]
        if hand is not None:
            data["handover"] = {"title": hand.data["title"], "text": hand.data["todo"]}
            texts += [hand.data["title"], hand.data["todo"]]
        text = match.tokens(*texts)
        self.action_text.append(text)
        found = next((known[t.lower()] for t in texts[::2] if t.lower() in known), None)
        if found:
            self.action_ids.append(self.reuse("action", found))
            return found
        finding = match.best(text, self.finding_text)
        data["source"] = {"audit": audit, "finding": self.finding_ids[finding] if finding is not None else None}
        data["id"] = new_id(Action.prefix, data["title"])
        self.action_ids.append(data["id"])
        self.add(Action, draft.line, data)
        return str(data["id"])

    def lessons(self, audit: str, existing: bool) -> None:
        known = {(lesson.audit, lesson.title.lower()): lesson.id for lesson in self.kb.lessons} if existing else {}
        for draft in self.parsed.lessons:
            data = dict(draft.data)
            if (audit, data["title"].lower()) in known:
                self.reuse("lesson", known[(audit, data["title"].lower())])
                continue
            text = match.tokens(data["title"], data["rule"], data.get("detail"))
            findings = [self.finding_ids[i] for i in match.related(text, self.finding_evidence)]
            actions = [] if findings else [self.action_ids[i] for i in match.related(text, self.action_text)]
            data.update(id=new_id("L", data["title"]), audit=audit, findings=findings, actions=actions)
            self.add(Lesson, draft.line, data)

    def commits(self) -> list[str]:
        """Commit records for every listed hash; cited hashes without a subject are reported."""
        listed = [d.data["hash"] for d in self.parsed.commits]
        cited = [h for d in self.parsed.findings for h in d.data["commits"]]
        for draft in self.parsed.commits:
            if self.kb.commit(CommitRef(None, draft.data["hash"])) is not None:
                self.reuse("commit", draft.data["hash"])
            else:
                self.add(Commit, draft.line, dict(draft.data))
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
                self.reuse("snapshot", snap.id)
                return
        data = {**draft.data, "id": new_id(Snapshot.prefix, title), "audit": audit_id, "taken": taken}
        self.add(Snapshot, draft.line, data)


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


def plan(parsed: Parsed, kb: KnowledgeBase, name: str) -> Plan:
    """Every record the report describes, validated and linked; nothing is written here."""
    builder = _Builder(parsed, kb, name)
    draft = builder.audit()
    found = builder.existing_audit(draft) if draft else None
    existing = found is not None
    audit_id = found.id if found else new_id(Audit.prefix, draft.title if draft else "report")
    builder.plan.audit = audit_id
    if found:
        builder.reuse("audit", found.id)
    builder.findings(audit_id, existing)
    remaining, pickup = builder.actions(audit_id, existing)
    builder.lessons(audit_id, existing)
    commits = builder.commits()
    builder.plan.notes = parsed.notes
    if draft is None:  # still check the snapshot (on a stand-in day) so one run reports every problem
        builder.snapshot("report", dt.date.min, audit_id, existing=False)
        return builder.plan
    builder.snapshot(draft.title, draft.last_day, audit_id, existing)
    if found is None:
        fields = draft.model_dump(exclude={"id"}, exclude_none=True)
        fields.update(id=audit_id, commits=commits, remaining=remaining, pickup=pickup)
        builder.add(Audit, parsed.title_line, fields)
    elif builder.plan.created:
        builder.plan.messages.append(
            f"{audit_id} was imported before and is left as it is; link the new records to it by hand if needed"
        )
    return builder.plan
