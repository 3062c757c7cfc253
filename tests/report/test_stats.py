"""`kb stats`: the dashboard's figures from the sample knowledge base and from dated records."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kb.report.figures import Recurring, Spread, Stats, _spread, compute
from kb.store.config import discover
from kb.store.loader import load
from tests.conftest import run_kb

TODAY = dt.date(2026, 3, 1)


def _figures(root: Path) -> Stats:
    return compute(load(discover(root)), TODAY)


def _append(root: Path, kind: str, record_id: str, lines: str) -> None:
    path = root / "data" / kind / f"{record_id}.yaml"
    path.write_text(path.read_text() + lines)


def test_sample_counts(sample_kb: Path) -> None:
    figures = _figures(sample_kb)
    assert figures.records["finding"] == 10
    assert figures.severity == {"critical": 4, "high": 0, "medium": 2, "low": 0, "info": 0, "unrated": 4}
    assert figures.status == {"open": 0, "mitigated": 0, "resolved": 10, "wontfix": 0}
    assert figures.severity_by_status["resolved"]["critical"] == 4
    # no finding has its own dates: found on the audit's start (01-25), resolved on its end (01-26)
    assert figures.resolve_days == Spread(10, 1, 1.0, 1.0, 1, 1)
    assert figures.resolve_histogram["1 day"] == 10
    assert len(figures.open_actions) == 12
    assert figures.open_by_age == {"under 7 days": 0, "7-30 days": 0, "31-90 days": 12, "over 90 days": 0}
    assert Recurring("cloudflared", 3, 1) in figures.recurring


def test_own_dates_win_over_the_audit(sample_kb: Path) -> None:
    _append(sample_kb, "findings", "F-grafana-crashloopbackoff-7hd3x", "found: 2026-01-20\nresolved: 2026-01-30\n")
    _append(sample_kb, "findings", "F-vps-builder-node-cni-broken-9tb5e", "resolved: 2026-01-25\n")
    figures = _figures(sample_kb)
    spread = figures.resolve_days
    assert (spread.count, spread.minimum, spread.maximum, spread.median) == (10, 0, 10, 1)
    assert figures.resolve_histogram["same day"] == 1
    assert figures.resolve_histogram["8-30 days"] == 1


def test_open_actions_by_priority_then_age(sample_kb: Path) -> None:
    _append(sample_kb, "actions", "ACT-load-testing-3xr7m", "priority: P1\nopened: 2025-10-01\n")
    _append(sample_kb, "actions", "ACT-dhanam-api-probes-6vk8d", "priority: P1\nopened: 2026-02-27\n")
    figures = _figures(sample_kb)
    first, second = figures.open_actions[:2]
    assert (first.id, first.priority, first.age_days) == ("ACT-load-testing-3xr7m", "P1", 151)
    assert (second.id, second.age_days) == ("ACT-dhanam-api-probes-6vk8d", 2)
    assert figures.open_by_priority["P1"] == 2
    assert figures.open_by_age["over 90 days"] == 1
    assert figures.open_by_age["under 7 days"] == 1


def test_recurring_needs_two_audits_or_two_findings(sample_kb: Path) -> None:
    figures = _figures(sample_kb)
    assert all(row.findings > 1 or row.audits > 1 for row in figures.recurring)
    assert "grafana" not in {row.component for row in figures.recurring}


@pytest.mark.parametrize("days,expected", [([], None), ([4], 4), ([1, 2, 9], 2), ([1, 3], 2)])
def test_median(days: list[int], expected: float | None) -> None:
    assert _spread(days).median == expected


def test_cli_text_and_json(sample_kb: Path) -> None:
    text = run_kb(sample_kb, "stats")
    assert text.exit_code == 0
    assert "severity: critical 4, medium 2, unrated 4" in text.output
    assert "recurring components" in text.output and "cloudflared" in text.output
    as_json = run_kb(sample_kb, "stats", "--json")
    data = json.loads(as_json.output)
    assert data["resolve_days"]["median"] == 1
    assert data["status"]["resolved"] == 10
    assert len(data["open_actions"]) == 12
