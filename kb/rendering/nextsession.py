"""The hand-over to the next session: what is left to do, first things first, and how the last session ended.

The items are the open actions and the open or mitigated findings that no open action follows
up (a finding nobody is working on is exactly what a hand-over must not drop). One order for
all: priority, then due date (the overdue, being the earliest, first), then impact, then age,
then the audit report's own order. A finding on the list ranks by its severity, as an action of
the matching priority would. The pickup template (docs/PICKUP.md), `kb pickup` and the MCP tool
all read these, so every form lists the same items in the same order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kb.records.models import Action, ActionStatus, Audit, Finding, FindingStatus, Impact, Priority, Severity

if TYPE_CHECKING:
    from kb.rendering.views import ActionView, FindingView, KnowledgeView

PRIORITIES: tuple[Priority | None, ...] = (*Priority, None)
"""P1 first, unset last."""
IMPACTS: tuple[Impact | None, ...] = (
    *(Impact.outage, Impact.degraded, Impact.non_functional, Impact.low),
    None,
    *(Impact.cosmetic, Impact.expected, Impact.intentional, Impact.placeholder),
)
"""What leaving it costs, most first; an unrated item comes after those that cost something and
before those said to cost nothing now."""
SEVERITY_PRIORITY: dict[Severity, Priority] = {
    Severity.critical: Priority.p1,
    Severity.high: Priority.p2,
    Severity.medium: Priority.p3,
    Severity.low: Priority.p4,
    Severity.info: Priority.p4,
}
"""The priority a finding without an action ranks as."""
FINDING_POSITION = 3
"""Findings come after every action of equal rank in the reports' order (pickup 0, remaining 1, neither 2)."""

Rank = tuple[int, dt.date, int, dt.date, tuple[int, int], str]


def rank(
    priority: Priority | None,
    due: dt.date | None,
    impact: Impact | None,
    opened: dt.date,
    position: tuple[int, int],
    ident: str,
) -> Rank:
    """The sort key of the hand-over order (see the module docstring)."""
    return (PRIORITIES.index(priority), due or dt.date.max, IMPACTS.index(impact), opened, position, ident)


@dataclass(frozen=True)
class HandoverItem:
    """One thing for the next session: an open action, or an open finding no open action follows up."""

    kind: str
    """'action' or 'finding'."""
    id: str
    """The action's or the finding's ID."""
    headline: str
    """The action's pickup title (else its title), or the finding's title."""
    text: str
    """What to do: the action's pickup text (else its `todo`), or the finding's symptom or root cause."""
    priority: Priority | None
    """The action's priority; for a finding, the priority its severity ranks as."""
    due: dt.date | None
    """When the action is due."""
    impact: Impact | None
    """What leaving the action undone costs."""
    opened: dt.date
    """When it was raised: the action's `opened` (else its audit's last day) or the finding's `found`."""
    owner: str | None
    """Who has the action."""
    tags: tuple[str, ...]
    """The record's tags."""
    audit: Audit | None
    """The audit that raised it."""
    finding: Finding | None
    """The finding an action follows from, or the finding itself."""
    action: Action | None
    """The action itself, for an action."""
    status: str
    """open, mitigated or REGRESSED (a finding whose fix was reverted)."""
    position: tuple[int, int]
    """Its place in the audit reports' lists, the last of the order's keys."""

    def sort_key(self) -> Rank:
        return rank(self.priority, self.due, self.impact, self.opened, self.position, self.id)

    def overdue(self, today: dt.date) -> bool:
        """Whether it was due before `today`."""
        return self.due is not None and self.due < today


def action_item(view: ActionView) -> HandoverItem:
    action = view.action
    return HandoverItem(
        kind="action",
        id=action.id,
        headline=view.headline,
        text=view.text,
        priority=action.priority,
        due=action.due,
        impact=action.impact,
        opened=view.opened,
        owner=action.owner,
        tags=tuple(action.tags),
        audit=view.audit,
        finding=view.finding,
        action=action,
        status=action.status.value,
        position=view.position,
    )


def finding_item(view: FindingView, audit: Audit | None) -> HandoverItem:
    finding = view.finding
    return HandoverItem(
        kind="finding",
        id=finding.id,
        headline=finding.title + (f" ({finding.context})" if finding.context else ""),
        text=finding.symptom or finding.root_cause or "no action recorded for it yet",
        priority=SEVERITY_PRIORITY.get(finding.severity) if finding.severity else None,
        due=None,
        impact=None,
        opened=view.found,
        owner=None,
        tags=tuple(finding.tags),
        audit=audit,
        finding=finding,
        action=None,
        status=view.status,
        position=(FINDING_POSITION, view.number),
    )


def handover_items(kb: KnowledgeView) -> list[HandoverItem]:
    """The open actions and the open findings without an open action, in the hand-over order."""
    followed = {view.action.source.finding for view in kb.pickup}
    items = [action_item(view) for view in kb.pickup]
    items += [
        finding_item(v, kb.audit_by_id.get(v.finding.audit)) for v in kb.open_findings if v.finding.id not in followed
    ]
    return sorted(items, key=HandoverItem.sort_key)


@dataclass(frozen=True)
class PickupFilter:
    """What `kb pickup` narrows the list to; None or empty means no restriction."""

    audit: str | None = None
    """An audit's full ID: items it raised."""
    tags: tuple[str, ...] = ()
    """Items carrying every one of these tags."""
    owner: str | None = None
    """Actions this person has (any case)."""
    since: dt.date | None = None
    """Items raised on this day or later."""

    def admits(self, item: HandoverItem) -> bool:
        return (
            (self.audit is None or (item.audit is not None and item.audit.id == self.audit))
            and set(self.tags) <= set(item.tags)
            and (self.owner is None or (item.owner or "").casefold() == self.owner.casefold())
            and (self.since is None or item.opened >= self.since)
        )


def _counted(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}" if n else f"no {word}s"


@dataclass(frozen=True)
class LastSession:
    """How the latest audit ended: its outcome, what it resolved, what it left open."""

    audit: Audit
    """The latest audit."""
    dates: str
    """Its days, as the report heads them: 'January 25-26, 2026'."""
    resolved: list[Finding]
    """Findings resolved within its days."""
    closed: list[Action]
    """Actions closed within its days."""
    left_open: list[HandoverItem]
    """Items on the hand-over that it raised."""
    carried: list[HandoverItem]
    """Items on the hand-over that earlier sessions raised."""

    @property
    def summary(self) -> str:
        """'It resolved 10 findings and closed no actions; it left 12 actions and 1 finding open.'"""
        actions = sum(1 for item in self.left_open if item.kind == "action")
        findings = len(self.left_open) - actions
        left = " and ".join(_counted(n, w) for n, w in ((actions, "action"), (findings, "finding")) if n) or "nothing"
        carried = f"; {_counted(len(self.carried), 'item')} carried over from earlier sessions" if self.carried else ""
        resolved, closed = _counted(len(self.resolved), "finding"), _counted(len(self.closed), "action")
        return f"It resolved {resolved} and closed {closed}; it left {left} open{carried}."


def last_session(kb: KnowledgeView) -> LastSession | None:
    """The latest audit's hand-over summary (None before the first audit)."""
    latest = kb.latest_audit
    if latest is None:
        return None
    audit = latest.audit
    within = (audit.started, audit.last_day)
    resolved = [
        v.finding
        for v in kb.findings
        if v.finding.status is FindingStatus.resolved and v.resolved and within[0] <= v.resolved <= within[1]
    ]
    closed = [
        a
        for a in kb.kb.actions
        if a.status is not ActionStatus.open and a.closed and within[0] <= a.closed <= within[1]
    ]
    items = handover_items(kb)  # the whole list, however `kb pickup` narrows what it shows
    mine = [item for item in items if item.audit is not None and item.audit.id == audit.id]
    others = [item for item in items if item.audit is None or item.audit.id != audit.id]
    return LastSession(audit, latest.dates, resolved, closed, mine, others)
