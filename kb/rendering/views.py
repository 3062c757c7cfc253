"""Records shaped for documents: grouping, ordering, effective dates and counts, in one place.

Templates only lay these views out; every decision about what goes where and in which order
is made here, so the rendered docs and the site agree. Nothing here formats Markdown or
escapes text: values stay record values until a template filter places them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from kb.gitlink.citations import reverted_fixes
from kb.records.models import (
    Action,
    ActionStatus,
    Application,
    Audit,
    Commit,
    Discovery,
    Finding,
    FindingStatus,
    Lesson,
    Node,
    Record,
    Severity,
    Snapshot,
)
from kb.rendering.nextsession import HandoverItem, LastSession, PickupFilter, Rank, handover_items, last_session, rank
from kb.store.loader import KnowledgeBase

SEVERITIES: tuple[Severity, ...] = tuple(Severity)
GITOPS_TAGS = frozenset({"gitops", "argocd"})
DISCOVERY_GROUPS = {Discovery.during_audit: "Discovered During Audit", Discovery.incident: "Incidents"}
"""Headings for findings not found by a planned check; planned ones are grouped by severity."""


def label(value: object) -> str:
    """An enum value or word as a heading or cell shows it: 'non-functional' -> 'Non-functional'."""
    if value is None:
        return ""
    text = str(getattr(value, "value", value))
    return text[:1].upper() + text[1:]


def source_position(record: Record) -> tuple[str, int]:
    """Where an imported record was in its source report, so imports keep the report's order
    (the first place, when reports of one run described it twice: 'a.md:12; b.md:40')."""
    first = (record.imported_from or "").split("; ")[0]
    source, _, line = first.rpartition(":")
    return (source, int(line)) if line.isdigit() else (first, 0)


def date_range(start: dt.date, end: dt.date | None) -> str:
    """'January 25-26, 2026', 'January 30 - February 2, 2026' or 'January 25, 2026'."""
    first = f"{start:%B} {start.day}"
    if end is None or end == start:
        return f"{first}, {start.year}"
    if (end.year, end.month) == (start.year, start.month):
        return f"{first}-{end.day}, {start.year}"
    if end.year == start.year:
        return f"{first} - {end:%B} {end.day}, {start.year}"
    return f"{first}, {start.year} - {end:%B} {end.day}, {end.year}"


def scope_counts(audit: Audit) -> str:
    """The scope's counts in words: '2-node k3s cluster, 19 namespaces, 28 domains, 13 ArgoCD apps'."""
    scope = audit.scope
    if scope is None:
        return ""
    parts = []
    if scope.nodes is not None:
        parts.append(" ".join(p for p in (f"{scope.nodes}-node", scope.cluster, "cluster") if p))
    elif scope.cluster:
        parts.append(f"{scope.cluster} cluster")
    if scope.namespaces is not None:
        parts.append(f"{scope.namespaces} namespaces")
    if scope.domains is not None:
        parts.append(f"{scope.domains} domains")
    if scope.apps is not None:
        parts.append(" ".join(p for p in (str(scope.apps), scope.gitops, "apps") if p))
    return ", ".join(parts)


def names_application(text: str, applications: Iterable[Application]) -> list[str]:
    """The applications whose name appears in `text` as a whole word (dashes count as letters)."""
    return [
        app.name for app in applications if re.search(rf"(?<![\w-]){re.escape(app.name)}(?![\w-])", text, re.IGNORECASE)
    ]


# --- snapshots ---------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotView:
    """A snapshot with the counts its documents print computed from its own rows."""

    snapshot: Snapshot
    """The snapshot record itself."""

    @staticmethod
    def role(node: Node) -> str:
        """'worker (builder)': the node's role with its purpose."""
        return f"{node.role} ({node.purpose})" if node.purpose else node.role

    @property
    def pods(self) -> str:
        """'79 Running, 12 Completed, ...' in the order the snapshot recorded them."""
        return ", ".join(f"{count} {phase}" for phase, count in self.snapshot.pods.items())

    @property
    def routes_checked(self) -> int:
        """How many routes the domain check covered: its groups' counts, else its total."""
        domains = self.snapshot.domains
        if domains is None:
            return 0
        return sum(g.count for g in domains.groups) if domains.groups else domains.total

    @property
    def volumes_bound(self) -> int:
        """How many volumes are Bound."""
        return sum(1 for v in self.snapshot.volumes if v.status == "Bound")

    @property
    def sync_counts(self) -> str:
        """'6 Synced, 4 OutOfSync, ...': applications by sync status, most common first."""
        counts = Counter(label(app.sync) for app in self.snapshot.applications)
        return ", ".join(f"{n} {name}" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def latest_snapshot(snapshots: Iterable[Snapshot]) -> Snapshot | None:
    """The most recent snapshot by `taken`, the ID breaking ties."""
    return max(snapshots, key=lambda s: (s.taken, s.id), default=None)


# --- findings ----------------------------------------------------------------------


@dataclass(frozen=True)
class Reverted:
    """A fix commit that a later commit reverted."""

    commit: str
    """The fix commit, as cited."""
    reverted_by: str
    """The hash of the commit that reverted it."""


@dataclass
class FindingView:
    """A finding as a document lists it: numbered, with effective dates and its links resolved."""

    finding: Finding
    """The finding record itself."""
    number: int
    """Its number in the list it is shown in, from 1."""
    found: dt.date
    """When it was found: its `found`, else its audit's start."""
    resolved: dt.date | None
    """When it was resolved: its `resolved`, else (if resolved) its audit's last day."""
    reverted: list[Reverted] = field(default_factory=list)
    """Its fix commits that a later commit reverted."""
    lessons: list[Lesson] = field(default_factory=list)
    """The lessons learned from it."""
    linked: list[Commit] = field(default_factory=list)
    """Commits naming it in a trailer, beyond those it cites."""

    @property
    def regressed(self) -> bool:
        """A fix commit was reverted: whatever the record says, the problem is back."""
        return bool(self.reverted)

    @property
    def status(self) -> str:
        """Its status, or REGRESSED when a fix commit was reverted."""
        return "REGRESSED" if self.regressed else self.finding.status.value


@dataclass
class FindingGroup:
    """One heading of findings: 'Critical', 'Discovered During Audit', ..."""

    name: str
    """The heading: a severity, 'Unrated', or a kind of discovery."""
    items: list[FindingView]
    """Its findings, numbered on across the groups."""

    @property
    def title(self) -> str:
        """The heading with its count: 'Critical (4)'."""
        return f"{self.name} ({len(self.items)})"


def group_key(finding: Finding) -> tuple[int, str]:
    """Planned findings by severity (unrated last), then each other kind of discovery."""
    if finding.discovery is Discovery.planned:
        if finding.severity is None:
            return len(SEVERITIES), "Unrated"
        return SEVERITIES.index(finding.severity), label(finding.severity)
    names = list(DISCOVERY_GROUPS)
    return len(SEVERITIES) + 1 + names.index(finding.discovery), DISCOVERY_GROUPS[finding.discovery]


def group_findings(views: Sequence[FindingView]) -> list[FindingGroup]:
    """Views grouped as the audit report groups them, renumbered 1..N across the groups."""
    keyed = sorted(((group_key(v.finding), v.number, i) for i, v in enumerate(views)))
    groups: dict[tuple[int, str], FindingGroup] = {}
    for number, (key, _, i) in enumerate(keyed, start=1):
        groups.setdefault(key, FindingGroup(key[1], [])).items.append(replace(views[i], number=number))
    return list(groups.values())


# --- actions -----------------------------------------------------------------------


@dataclass
class ActionView:
    """An action with what it came from and the wording a handover uses."""

    action: Action
    """The action record itself."""
    opened: dt.date
    """When it was raised: its `opened`, else its audit's last day."""
    audit: Audit | None
    """The audit it came from."""
    finding: Finding | None
    """The finding it follows from, if any."""
    position: tuple[int, int]
    """Its place in the audit reports: (0, n) in a pickup list, (1, n) among remaining items, (2, 0) neither."""

    @property
    def headline(self) -> str:
        """Its pickup wording's title, else its title."""
        return self.action.handover.title if self.action.handover else self.action.title

    @property
    def text(self) -> str:
        """Its pickup wording's text, else its `todo`."""
        return self.action.handover.text if self.action.handover else self.action.todo

    @property
    def is_open(self) -> bool:
        """Whether its status is open."""
        return self.action.status is ActionStatus.open

    def sort_key(self) -> Rank:
        """The hand-over order: priority, due date, impact, age, report order (kb.rendering.nextsession)."""
        action = self.action
        return rank(action.priority, action.due, action.impact, self.opened, self.position, action.id)


# --- audits ------------------------------------------------------------------------


@dataclass
class AuditView:
    """Everything one audit report shows, resolved against the rest of the knowledge base."""

    audit: Audit
    """The audit record itself."""
    snapshot: SnapshotView | None
    """Its latest snapshot."""
    findings: list[FindingView]
    """Its findings, in the order found."""
    commits: list[tuple[str, Commit | None]]
    """Its session's commits as cited, each with its commit record (None before `kb link`)."""
    lessons: list[Lesson]
    """The lessons it taught."""
    confirmed: list[Lesson]
    """Earlier lessons it confirmed again."""
    remaining: list[ActionView]
    """Its remaining (non-blocking) items, in its order."""
    pickup: list[ActionView]
    """Its pickup points for the next session, in its order."""

    @property
    def dates(self) -> str:
        """'January 25-26, 2026'."""
        return date_range(self.audit.started, self.audit.ended)

    @property
    def scope(self) -> str:
        """The scope's counts in words: '2-node k3s cluster, 19 namespaces, ...'."""
        return scope_counts(self.audit)

    @cached_property
    def groups(self) -> list[FindingGroup]:
        """Its findings under the report's headings: by severity, then discovered during the audit, incidents."""
        return group_findings(self.findings)

    @property
    def resolved(self) -> int:
        """How many of its findings are resolved."""
        return sum(1 for v in self.findings if v.status == FindingStatus.resolved.value)

    @property
    def commit_lines(self) -> list[str]:
        """'HASH subject' per session commit, as `git log --oneline` would print them."""
        lines = []
        for text, commit in self.commits:
            if commit is None:
                lines.append(f"{text} (no commit record; run `kb link`)")
            else:
                reverted = f" (reverted by {commit.reverted_by})" if commit.reverted_by else ""
                lines.append(f"{text} {commit.subject}{reverted}")
        return lines

    @property
    def findings_heading(self) -> str:
        """'Issues Found & Resolved (10 total)', or 'Issues Found (10 total, 8 resolved)'."""
        total = len(self.findings)
        if self.resolved == total:
            return f"Issues Found & Resolved ({total} total)"
        return f"Issues Found ({total} total, {self.resolved} resolved)"


class KnowledgeView:
    """The whole knowledge base shaped for documents; every view is computed once, on first use.

    `narrowed` restricts the hand-over (`handover`) to the items it admits, as `kb pickup --tag ...` asks."""

    def __init__(self, kb: KnowledgeBase, narrowed: PickupFilter | None = None):
        self.kb = kb
        self.narrowed = narrowed
        self._audit_views: dict[str, AuditView] = {}

    @cached_property
    def audits(self) -> list[Audit]:
        """Every audit, oldest first."""
        return sorted(self.kb.audits, key=lambda a: (a.started, a.last_day, a.id))

    @cached_property
    def audit_by_id(self) -> dict[str, Audit]:
        """Every audit by its ID."""
        return {a.id: a for a in self.audits}

    @cached_property
    def finding_by_id(self) -> dict[str, Finding]:
        """Every finding by its ID."""
        return {f.id: f for f in self.kb.findings}

    @cached_property
    def action_by_id(self) -> dict[str, Action]:
        """Every action by its ID."""
        return {a.id: a for a in self.kb.actions}

    @cached_property
    def lessons(self) -> list[Lesson]:
        """Every lesson, imports in their report's order."""
        return sorted(self.kb.lessons, key=lambda les: (source_position(les), les.id))

    @cached_property
    def _lessons_by_finding(self) -> dict[str, list[Lesson]]:
        index: dict[str, list[Lesson]] = {}
        for lesson in self.lessons:
            for finding in lesson.findings:
                index.setdefault(finding, []).append(lesson)
        return index

    @cached_property
    def _lessons_by_audit(self) -> dict[str, list[Lesson]]:
        index: dict[str, list[Lesson]] = {}
        for lesson in self.lessons:
            if lesson.audit:
                index.setdefault(lesson.audit, []).append(lesson)
        return index

    @cached_property
    def _confirmed_by_audit(self) -> dict[str, list[Lesson]]:
        index: dict[str, list[Lesson]] = {}
        for lesson in self.lessons:
            for audit in dict.fromkeys(c.audit for c in lesson.confirmed):
                index.setdefault(audit, []).append(lesson)
        return index

    @cached_property
    def _snapshots_by_audit(self) -> dict[str, Snapshot]:
        index: dict[str, Snapshot] = {}
        for snap in self.kb.snapshots_in_time:
            index[snap.audit] = snap  # the audit's latest wins
        return index

    @cached_property
    def latest_snapshot(self) -> SnapshotView | None:
        """The most recent snapshot, which INFRA_ANATOMY and GITOPS describe."""
        snap = latest_snapshot(self.kb.snapshots)
        return SnapshotView(snap) if snap else None

    @cached_property
    def latest_audit(self) -> AuditView | None:
        """The audit that started last."""
        return self.audit(self.audits[-1].id) if self.audits else None

    def commit(self, text: str) -> Commit | None:
        """The commit record a reference names, looked up once per reference."""
        return self.kb.cited_commit(text)

    def reverted(self, finding: Finding) -> list[Reverted]:
        """The finding's fix commits (cited or trailer-linked) that a later commit reverted."""
        return [Reverted(c.ref, c.reverted_by) for c in reverted_fixes(self.kb, finding) if c.reverted_by]

    def trailer_linked(self, finding: Finding) -> list[Commit]:
        """Commits whose message names the finding in a trailer, beyond those it cites."""
        cited = {id(self.commit(text)) for text in finding.commits}
        return [c for c in self.kb.commits_naming.get(finding.id, []) if id(c) not in cited]

    def finding_view(self, finding: Finding, number: int = 0) -> FindingView:
        """A finding with its dates defaulting to its audit's first and last day."""
        audit = self.audit_by_id.get(finding.audit)
        found = finding.found or (audit.started if audit else dt.date.min)
        resolved = finding.resolved
        if resolved is None and finding.status is FindingStatus.resolved and audit is not None:
            resolved = audit.last_day
        lessons = self._lessons_by_finding.get(finding.id, [])
        linked = self.trailer_linked(finding)
        return FindingView(finding, number, found, resolved, self.reverted(finding), lessons, linked)

    @cached_property
    def findings(self) -> list[FindingView]:
        """Every finding, in the order found (imports keep their report's order)."""
        views = [self.finding_view(f) for f in self.kb.findings]
        views.sort(key=lambda v: (v.found, source_position(v.finding), v.finding.id))
        for number, view in enumerate(views, start=1):
            view.number = number
        return views

    @cached_property
    def _findings_by_audit(self) -> dict[str, list[FindingView]]:
        index: dict[str, list[FindingView]] = {}
        for view in self.findings:
            index.setdefault(view.finding.audit, []).append(view)
        return index

    @cached_property
    def _report_positions(self) -> dict[str, tuple[int, int]]:
        """Each action's place in its audit's lists: pickup first, then remaining, then neither."""
        positions: dict[str, tuple[int, int]] = {}
        for audit in self.audits:
            for i, action_id in enumerate(audit.pickup):
                positions.setdefault(action_id, (0, i))
            for i, action_id in enumerate(audit.remaining):
                positions.setdefault(action_id, (1, i))
        return positions

    def action_view(self, action: Action) -> ActionView:
        """An action with its age defaulting to its audit's last day."""
        audit = self.audit_by_id.get(action.source.audit)
        opened = action.opened or (audit.last_day if audit else dt.date.min)
        finding = self.finding_by_id.get(action.source.finding) if action.source.finding else None
        return ActionView(action, opened, audit, finding, self._report_positions.get(action.id, (2, 0)))

    @cached_property
    def actions(self) -> list[ActionView]:
        """Every action in pickup order: priority, due date, impact, age, report order."""
        return sorted((self.action_view(a) for a in self.kb.actions), key=ActionView.sort_key)

    @cached_property
    def pickup(self) -> list[ActionView]:
        """The open actions in pickup order: what the next session should do, first things first."""
        return [view for view in self.actions if view.is_open]

    @cached_property
    def handover(self) -> list[HandoverItem]:
        """The next session's list: open actions, and open findings no open action follows up, first things first."""
        items = handover_items(self)
        return [item for item in items if self.narrowed.admits(item)] if self.narrowed else items

    @cached_property
    def last_session(self) -> LastSession | None:
        """How the latest audit ended: outcome, what it resolved, what it left open (None before any audit)."""
        return last_session(self)

    @cached_property
    def pickup_by_priority(self) -> list[tuple[str, list[ActionView]]]:
        """The pickup list cut by priority: ('P1', [...]), ..., ('Unprioritised', [...])."""
        groups: dict[str, list[ActionView]] = {}
        for view in self.pickup:
            name = view.action.priority.value if view.action.priority else "Unprioritised"
            groups.setdefault(name, []).append(view)
        return list(groups.items())

    @cached_property
    def open_findings(self) -> list[FindingView]:
        """Findings not (or no longer) resolved: open, mitigated or regressed."""
        closed = {FindingStatus.resolved.value, FindingStatus.wontfix.value}
        return [v for v in self.findings if v.status not in closed]

    @cached_property
    def severity_counts(self) -> list[dict[str, Any]]:
        """Findings per severity: total and by status, for the executive summary."""
        rows = []
        for name in [*SEVERITIES, None]:
            views = [v for v in self.findings if v.finding.severity == name]
            if views:
                statuses = Counter(v.status for v in views)
                rows.append({"severity": label(name) if name else "Unrated", "total": len(views), **statuses})
        return rows

    @cached_property
    def statuses(self) -> list[str]:
        """The finding statuses present, in a fixed order, as the summary's columns."""
        present = {v.status for v in self.findings}
        return [s for s in ["REGRESSED", *(s.value for s in FindingStatus)] if s in present]

    def prepare(self) -> None:
        """Compute the views most documents share now, so that workers forked to render the
        documents inherit them instead of each computing them again."""
        self.stabilization_log  # noqa: B018 - every audit's view, and with them every finding's
        self.pickup  # noqa: B018

    def audit(self, audit_id: str) -> AuditView:
        """The view of one audit's report (computed once per audit)."""
        if audit_id not in self._audit_views:
            self._audit_views[audit_id] = self._audit_view(self.audit_by_id[audit_id])
        return self._audit_views[audit_id]

    def _audit_view(self, audit: Audit) -> AuditView:
        audit_id = audit.id
        snap = self._snapshots_by_audit.get(audit_id)
        views = self._findings_by_audit.get(audit_id, [])
        actions = [self.action_by_id[a] for a in audit.remaining if a in self.action_by_id]
        pickup = [self.action_by_id[a] for a in audit.pickup if a in self.action_by_id]
        return AuditView(
            audit=audit,
            snapshot=SnapshotView(snap) if snap else None,
            findings=views,
            commits=[(text, self.commit(text)) for text in audit.commits],
            lessons=self._lessons_by_audit.get(audit_id, []),
            confirmed=self._confirmed_by_audit.get(audit_id, []),
            remaining=[self.action_view(a) for a in actions],
            pickup=[self.action_view(a) for a in pickup],
        )

    @cached_property
    def stabilization_log(self) -> list[AuditView]:
        """One entry per audit, newest first."""
        return [self.audit(a.id) for a in reversed(self.audits)]

    @cached_property
    def gitops_lessons(self) -> list[Lesson]:
        """Lessons tagged gitops or argocd."""
        return [les for les in self.lessons if GITOPS_TAGS & set(les.tags)]

    @cached_property
    def sync_issues(self) -> list[tuple[ActionView, list[str]]]:
        """Open actions about GitOps: tagged gitops/argocd, or naming an application of the latest snapshot."""
        apps = self.latest_snapshot.snapshot.applications if self.latest_snapshot else []
        issues = []
        for view in self.pickup:
            named = names_application(view.action.title, apps)
            if named or GITOPS_TAGS & set(view.action.tags):
                issues.append((view, named))
        return issues
