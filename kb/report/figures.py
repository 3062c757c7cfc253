"""The knowledge base in figures: what `kb stats` prints and the site's dashboard draws.

One computation for both, from the loaded records: counts by severity and status, how long
findings took to resolve, how old the open actions are, and which components keep coming back.
Dates a record leaves out fall back to its audit's: found defaults to the audit's start,
resolved to its last day, an action's opening to its audit's last day.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from kb.records.models import Action, ActionStatus, Audit, Finding, FindingStatus, Priority, Severity
from kb.store.loader import KnowledgeBase

UNRATED = "unrated"
UNSET = "unset"
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("under 7 days", 7),
    ("7-30 days", 31),
    ("31-90 days", 91),
    ("over 90 days", None),
)
"""Open-action age buckets: label and the first age in days past the bucket (None: no end)."""
RESOLVE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("same day", 1),
    ("1 day", 2),
    ("2-7 days", 8),
    ("8-30 days", 31),
    ("over 30 days", None),
)
"""Time-to-resolve histogram buckets, in the same form."""


@dataclass(frozen=True)
class Spread:
    """Days from found to resolved over the resolved findings."""

    count: int
    median: float | None
    p25: float | None
    p75: float | None
    minimum: int | None
    maximum: int | None


@dataclass(frozen=True)
class Recurring:
    """A component named by findings of more than one audit, or by several findings."""

    component: str
    findings: int
    audits: int


@dataclass(frozen=True)
class OpenAction:
    id: str
    title: str
    priority: str
    age_days: int


@dataclass(frozen=True)
class Stats:
    """Every figure of the dashboard and of `kb stats`, as plain data."""

    today: dt.date
    records: dict[str, int]
    severity: dict[str, int]
    status: dict[str, int]
    severity_by_status: dict[str, dict[str, int]]
    resolve_days: Spread
    resolve_histogram: dict[str, int]
    open_by_priority: dict[str, int]
    open_by_age: dict[str, int]
    open_actions: list[OpenAction] = field(default_factory=list)
    recurring: list[Recurring] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def found_on(finding: Finding, audit: Audit | None) -> dt.date | None:
    """When a finding was found: its own date, else its audit's first day."""
    return finding.found or (audit.started if audit else None)


def resolved_on(finding: Finding, audit: Audit | None) -> dt.date | None:
    """When a resolved finding was resolved: its own date, else its audit's last day."""
    if finding.status != FindingStatus.resolved:
        return None
    return finding.resolved or (audit.last_day if audit else None)


def opened_on(action: Action, audit: Audit | None) -> dt.date | None:
    return action.opened or (audit.last_day if audit else None)


def _spread(days: list[int]) -> Spread:
    if not days:
        return Spread(0, None, None, None, None, None)
    quartiles = [float(days[0])] * 3 if len(days) == 1 else statistics.quantiles(days, n=4, method="inclusive")
    return Spread(len(days), statistics.median(days), quartiles[0], quartiles[2], min(days), max(days))


def _bucket(days: int, buckets: tuple[tuple[str, int | None], ...]) -> str:
    for label, limit in buckets:
        if limit is None or days < limit:
            return label
    raise AssertionError("the last bucket has no limit")  # pragma: no cover


def _recurring(findings: list[Finding]) -> list[Recurring]:
    counts: Counter[str] = Counter()
    audits: dict[str, set[str]] = {}
    for finding in findings:
        for component in dict.fromkeys(finding.components):
            counts[component] += 1
            audits.setdefault(component, set()).add(finding.audit)
    rows = [Recurring(c, n, len(audits[c])) for c, n in counts.items() if n > 1 or len(audits[c]) > 1]
    return sorted(rows, key=lambda r: (-r.audits, -r.findings, r.component))


def _ordered(counts: Counter[str], order: list[str]) -> dict[str, int]:
    """Counts in the enum's order, every value present (zeros included) so charts keep their axes."""
    return {key: counts.get(key, 0) for key in order}


def compute(kb: KnowledgeBase, today: dt.date | None = None) -> Stats:
    """Every figure, from the loaded knowledge base, as of `today` (default: the real today)."""
    today = today or dt.date.today()
    audits = {a.id: a for a in kb.audits}
    findings = kb.findings
    severities = [s.value for s in Severity] + [UNRATED]
    statuses = [s.value for s in FindingStatus]

    def severity(f: Finding) -> str:
        return f.severity.value if f.severity else UNRATED

    by_status: dict[str, dict[str, int]] = {
        st: _ordered(Counter(severity(f) for f in findings if f.status.value == st), severities) for st in statuses
    }
    days = []
    for finding in findings:
        audit = audits.get(finding.audit)
        start, end = found_on(finding, audit), resolved_on(finding, audit)
        if start and end:
            days.append(max((end - start).days, 0))

    open_actions = []
    for action in kb.actions:
        if action.status != ActionStatus.open:
            continue
        opened = opened_on(action, audits.get(action.source.audit))
        age = max((today - opened).days, 0) if opened else 0
        priority = action.priority.value if action.priority else UNSET
        open_actions.append(OpenAction(action.id, action.title, priority, age))
    priorities = [p.value for p in Priority] + [UNSET]
    open_actions.sort(key=lambda a: (priorities.index(a.priority), -a.age_days, a.id))

    return Stats(
        today=today,
        records={kind: len(entries) for kind, entries in kb.entries.items()},
        severity=_ordered(Counter(severity(f) for f in findings), severities),
        status=_ordered(Counter(f.status.value for f in findings), statuses),
        severity_by_status=by_status,
        resolve_days=_spread(days),
        resolve_histogram=_ordered(Counter(_bucket(d, RESOLVE_BUCKETS) for d in days), [b[0] for b in RESOLVE_BUCKETS]),
        open_by_priority=_ordered(Counter(a.priority for a in open_actions), priorities),
        open_by_age=_ordered(
            Counter(_bucket(a.age_days, AGE_BUCKETS) for a in open_actions), [b[0] for b in AGE_BUCKETS]
        ),
        open_actions=open_actions,
        recurring=_recurring(findings),
    )


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:g} d"


def text(stats: Stats, limit: int = 10) -> str:
    """The figures as a terminal report (`limit` rows of each list)."""
    spread = stats.resolve_days
    lines = [
        "records:  " + ", ".join(f"{kind} {n}" for kind, n in stats.records.items()),
        "severity: " + ", ".join(f"{k} {n}" for k, n in stats.severity.items() if n),
        "status:   " + ", ".join(f"{k} {n}" for k, n in stats.status.items() if n),
        f"time to resolve ({spread.count} resolved): median {_days(spread.median)}, "
        f"middle half {_days(spread.p25)} to {_days(spread.p75)}, "
        f"range {_days(spread.minimum)} to {_days(spread.maximum)}",
        f"open actions ({len(stats.open_actions)}) by priority: "
        + ", ".join(f"{k} {n}" for k, n in stats.open_by_priority.items() if n),
        "open actions by age: " + ", ".join(f"{k} {n}" for k, n in stats.open_by_age.items() if n),
    ]
    if stats.open_actions:
        lines.append("oldest open actions first, by priority:")
        lines += [f"  {a.priority:5} {a.age_days:>5} d  {a.id}  {a.title}" for a in stats.open_actions[:limit]]
    if stats.recurring:
        lines.append("recurring components (findings, audits):")
        lines += [f"  {r.component}  {r.findings} findings, {r.audits} audits" for r in stats.recurring[:limit]]
    return "\n".join(lines) + "\n"
