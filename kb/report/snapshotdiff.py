"""What changed in the infrastructure between two snapshots.

`diff_snapshots` compares two Snapshot records: nodes added or removed, version and readiness
changes, applications whose sync or health changed, failing pod counts that went up, volumes
added, removed or resized. The result feeds `kb diff` and the audit report's "Changes since
the previous snapshot" section (as the `snapshot_diff` context value, via `as_dict()`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from kb.records.models import Audit, Snapshot, Volume
from kb.store.loader import KnowledgeBase

NOT_FAILING = frozenset({"Running", "Completed", "Succeeded", "Pending"})
"""Pod count keys that are not failures; every other phase or waiting reason is one."""


class DiffError(Exception):
    """An ID that names no snapshot, or an audit without one."""


@dataclass(frozen=True)
class Change:
    """One named thing whose value went from `before` to `after`."""

    name: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class AppChange:
    name: str
    sync_before: str
    sync_after: str
    health_before: str
    health_after: str


@dataclass(frozen=True)
class CountChange:
    reason: str
    before: int
    after: int


@dataclass
class SnapshotDiff:
    """Every difference between an earlier snapshot (`before`) and a later one (`after`), by ID."""

    before: str
    after: str
    nodes_added: list[Change] = field(default_factory=list)
    nodes_removed: list[Change] = field(default_factory=list)
    versions: list[Change] = field(default_factory=list)
    node_status: list[Change] = field(default_factory=list)
    apps_added: list[Change] = field(default_factory=list)
    apps_removed: list[Change] = field(default_factory=list)
    apps: list[AppChange] = field(default_factory=list)
    failing_pods: list[CountChange] = field(default_factory=list)
    volumes_added: list[Change] = field(default_factory=list)
    volumes_removed: list[Change] = field(default_factory=list)
    volumes_resized: list[Change] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(value for key, value in self.as_dict().items() if key not in ("before", "after"))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def rows(self) -> list[dict[str, str | None]]:
        """One row per change, {section, name, before, after}: the audit report's table."""
        rows: list[dict[str, str | None]] = []

        def add(section: str, name: str, before: object, after: object) -> None:
            rows.append({"section": section, "name": name, "before": _text(before), "after": _text(after)})

        for title, changes in (
            ("Node added", self.nodes_added),
            ("Node removed", self.nodes_removed),
            ("Node version", self.versions),
            ("Node status", self.node_status),
            ("Application added", self.apps_added),
            ("Application removed", self.apps_removed),
            ("Volume added", self.volumes_added),
            ("Volume removed", self.volumes_removed),
            ("Volume resized", self.volumes_resized),
        ):
            for change in changes:
                add(title, change.name, change.before, change.after)
        for app in self.apps:
            add(
                "Application",
                app.name,
                f"{app.sync_before}/{app.health_before}",
                f"{app.sync_after}/{app.health_after}",
            )
        for count in self.failing_pods:
            add("Failing pods", count.reason, count.before, count.after)
        return rows


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _volume_key(volume: Volume) -> str:
    return f"{volume.namespace}/{volume.name}"


def _app_state(sync: Any, health: Any) -> str:
    return f"{sync.value}/{health.value}"


def diff_snapshots(a: Snapshot, b: Snapshot) -> SnapshotDiff:
    """What changed from snapshot `a` to the later snapshot `b`."""
    diff = SnapshotDiff(a.id, b.id)
    nodes_a = {n.name: n for n in a.nodes}
    nodes_b = {n.name: n for n in b.nodes}
    diff.nodes_added = [Change(n, None, nodes_b[n].version) for n in nodes_b if n not in nodes_a]
    diff.nodes_removed = [Change(n, nodes_a[n].version, None) for n in nodes_a if n not in nodes_b]
    for name in (n for n in nodes_b if n in nodes_a):
        old, new = nodes_a[name], nodes_b[name]
        if old.version != new.version:
            diff.versions.append(Change(name, old.version, new.version))
        if old.status != new.status:
            diff.node_status.append(Change(name, old.status, new.status))

    apps_a = {app.name: app for app in a.applications}
    apps_b = {app.name: app for app in b.applications}
    diff.apps_added = [Change(n, None, _app_state(x.sync, x.health)) for n, x in apps_b.items() if n not in apps_a]
    diff.apps_removed = [Change(n, _app_state(x.sync, x.health), None) for n, x in apps_a.items() if n not in apps_b]
    for name in (n for n in apps_b if n in apps_a):
        old_app, new_app = apps_a[name], apps_b[name]
        if (old_app.sync, old_app.health) != (new_app.sync, new_app.health):
            diff.apps.append(
                AppChange(name, old_app.sync.value, new_app.sync.value, old_app.health.value, new_app.health.value)
            )

    reasons = dict.fromkeys([*a.pods, *b.pods])
    for reason in (r for r in reasons if r not in NOT_FAILING):
        before, after = a.pods.get(reason, 0), b.pods.get(reason, 0)
        if after > before:
            diff.failing_pods.append(CountChange(reason, before, after))

    vols_a = {_volume_key(v): v for v in a.volumes}
    vols_b = {_volume_key(v): v for v in b.volumes}
    diff.volumes_added = [Change(k, None, v.size) for k, v in vols_b.items() if k not in vols_a]
    diff.volumes_removed = [Change(k, v.size, None) for k, v in vols_a.items() if k not in vols_b]
    diff.volumes_resized = [
        Change(k, vols_a[k].size, v.size) for k, v in vols_b.items() if k in vols_a and vols_a[k].size != v.size
    ]
    return diff


def _arrow(change: Change) -> str:
    return f"{change.name} {change.before or '-'} -> {change.after or '-'}"


def format_diff(diff: SnapshotDiff) -> list[str]:
    """The diff as lines of text for the terminal, one line per change."""
    if diff.is_empty:
        return [f"No infrastructure changes from {diff.before} to {diff.after}."]
    lines = [f"Changes from {diff.before} to {diff.after}:"]

    def section(title: str, items: Iterable[str]) -> None:
        items = list(items)
        if items:
            lines.append(f"  {title}:")
            lines.extend(f"    {item}" for item in items)

    section("Nodes added", (f"{c.name} ({c.after or 'version unknown'})" for c in diff.nodes_added))
    section("Nodes removed", (c.name for c in diff.nodes_removed))
    section("Node versions", (_arrow(c) for c in diff.versions))
    section("Node status", (_arrow(c) for c in diff.node_status))
    section("Applications added", (f"{c.name} ({c.after})" for c in diff.apps_added))
    section("Applications removed", (c.name for c in diff.apps_removed))
    section(
        "Applications changed",
        (f"{c.name} {c.sync_before}/{c.health_before} -> {c.sync_after}/{c.health_after}" for c in diff.apps),
    )
    section("Failing pods up", (f"{c.reason} {c.before} -> {c.after}" for c in diff.failing_pods))
    section("Volumes added", (f"{c.name} ({c.after})" for c in diff.volumes_added))
    section("Volumes removed", (f"{c.name} ({c.before})" for c in diff.volumes_removed))
    section("Volumes resized", (_arrow(c) for c in diff.volumes_resized))
    return lines


def snapshot_of(kb: KnowledgeBase, ref: str) -> Snapshot:
    """The snapshot an ID names; for an audit ID, that audit's latest snapshot."""
    record = kb.by_id().get(ref)
    if isinstance(record, Snapshot):
        return record
    if isinstance(record, Audit):
        taken = [s for s in kb.snapshots if s.audit == ref]
        if not taken:
            raise DiffError(f"audit {ref} has no snapshot; add one with `kb import kubectl --audit {ref}`")
        return max(taken, key=lambda s: (s.taken, s.id))
    if record is None:
        raise DiffError(f"no snapshot or audit with ID {ref}")
    raise DiffError(f"{ref} is a {record.kind}, not a snapshot or an audit")


def previous(kb: KnowledgeBase, snapshot: Snapshot) -> Snapshot | None:
    """The latest snapshot taken before `snapshot` (for the audit report's changes section)."""
    ordered = kb.snapshots_in_time
    first_not_earlier = bisect.bisect_left(ordered, snapshot.taken, key=lambda s: s.taken)
    return ordered[first_not_earlier - 1] if first_not_earlier else None
