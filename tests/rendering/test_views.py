"""kb.rendering.views: the shaping every document (and the site) relies on, across more than one audit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kb.rendering.outputs import render_documents
from kb.rendering.views import KnowledgeView, date_range, label
from kb.store.config import discover
from kb.store.loader import load

FOLLOWUP = "AUD-followup-audit-2qx9z"


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (dt.date(2026, 1, 25), dt.date(2026, 1, 26), "January 25-26, 2026"),
        (dt.date(2026, 1, 25), None, "January 25, 2026"),
        (dt.date(2026, 1, 30), dt.date(2026, 2, 2), "January 30 - February 2, 2026"),
        (dt.date(2025, 12, 30), dt.date(2026, 1, 2), "December 30, 2025 - January 2, 2026"),
    ],
)
def test_date_range(start: dt.date, end: dt.date | None, text: str) -> None:
    assert date_range(start, end) == text


def test_label() -> None:
    assert (label("non-functional"), label(None)) == ("Non-functional", "")


@pytest.fixture
def two_audits(sample_kb: Path) -> Path:
    """The sample plus a later, smaller audit: one open finding, one action, a snapshot, a confirmation."""
    data = sample_kb / "data"
    (data / "audits" / f"{FOLLOWUP}.yaml").write_text(
        f"id: {FOLLOWUP}\ntitle: Follow-up audit\nstarted: 2026-02-10\ntrigger: Weekly check\n"
        "scope:\n  description: Monitoring only\noutcome: YELLOW\n"
        "pickup:\n- ACT-grafana-upgrade-5mm3k\n"
    )
    (data / "findings" / "F-grafana-disk-full-8kk2w.yaml").write_text(
        f"id: F-grafana-disk-full-8kk2w\naudit: {FOLLOWUP}\ntitle: Grafana disk full\nseverity: high\nstatus: open\n"
    )
    (data / "actions" / "ACT-grafana-upgrade-5mm3k.yaml").write_text(
        "id: ACT-grafana-upgrade-5mm3k\ntitle: Grafana upgrade\ntodo: Upgrade to v11\npriority: P2\n"
        f"source:\n  audit: {FOLLOWUP}\n  finding: F-grafana-disk-full-8kk2w\n"
    )
    (data / "snapshots" / "SNAP-followup-audit-7tt1c.yaml").write_text(
        f"id: SNAP-followup-audit-7tt1c\naudit: {FOLLOWUP}\ntaken: 2026-02-10\n"
        "applications:\n- name: monitoring\n  sync: OutOfSync\n  health: Degraded\n"
    )
    lesson = data / "lessons" / "L-nestjs-startup-timing-9ce4r.yaml"
    lesson.write_text(lesson.read_text() + f"confirmed:\n- audit: {FOLLOWUP}\n  note: seen again on grafana\n")
    return sample_kb


def test_views_across_two_audits(two_audits: Path) -> None:
    view = KnowledgeView(load(discover(two_audits)))
    assert [a.audit.id for a in view.stabilization_log] == [FOLLOWUP, "AUD-production-ecosystem-audit-k3f9x"]
    assert view.latest_snapshot is not None and view.latest_snapshot.snapshot.id == "SNAP-followup-audit-7tt1c"
    assert view.pickup[0].action.id == "ACT-grafana-upgrade-5mm3k"  # P2 beats every unprioritised action
    assert view.pickup[0].opened == dt.date(2026, 2, 10)  # no end date: the audit's single day
    assert [v.finding.id for v in view.open_findings] == ["F-grafana-disk-full-8kk2w"]
    followup = view.audit(FOLLOWUP)
    assert [g.title for g in followup.groups] == ["High (1)"]
    assert followup.findings_heading == "Issues Found (1 total, 0 resolved)"
    assert [les.id for les in followup.confirmed] == ["L-nestjs-startup-timing-9ce4r"]
    assert followup.groups[0].items[0].resolved is None


def test_documents_across_two_audits(two_audits: Path) -> None:
    documents = render_documents(load(discover(two_audits)))
    anatomy = documents["docs/INFRA_ANATOMY.md"]
    assert "**As of:** 2026-02-10, snapshot `SNAP-followup-audit-7tt1c` of Follow-up audit" in anatomy
    assert anatomy.index("### 2026-02-10: Follow-up audit") < anatomy.index("### 2026-01-26: Production Ecosystem")
    assert "| Grafana disk full (`F-grafana-disk-full-8kk2w`) | High | open | 2026-02-10 |" in anatomy
    assert "### P2\n\n- **Grafana upgrade**: Upgrade to v11" in anatomy
    assert "## Hosts" not in anatomy  # the latest snapshot records no nodes
    followup = documents[f"docs/audits/{FOLLOWUP}.md"]
    assert "Cluster Topology" not in followup and "## Issues Found (1 total, 0 resolved)" in followup
    assert "Confirmed again by this audit:\n\n- **NestJS startup timing**" in followup
    assert "(seen again on grafana)" in followup
    gitops = documents["docs/GITOPS.md"]
    assert "| monitoring | OutOfSync | Degraded |  |" in gitops
    assert "| Grafana upgrade |" not in gitops  # not tagged gitops and names no application
