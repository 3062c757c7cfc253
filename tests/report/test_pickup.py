"""`kb pickup`: every open action, by priority then age then report order, as table, Markdown or JSON."""

from __future__ import annotations

import json
from pathlib import Path

from kb.report.handover import pickup
from kb.store.config import discover
from kb.store.ownership import marked
from tests.conftest import ROOT, run_kb

ACTIONS = "data/actions"


def set_fields(root: Path, action: str, **fields: str) -> None:
    path = root / ACTIONS / f"{action}.yaml"
    path.write_text(path.read_text() + "".join(f"{k}: {v}\n" for k, v in fields.items()))


def ids(root: Path) -> list[str]:
    result = run_kb(root, "pickup", "--format", "json")
    assert result.exit_code == 0, result.output
    return [item["id"] for item in json.loads(result.stdout)]


def test_without_priorities_the_audit_pickup_order_comes_first() -> None:
    order = ids(ROOT)
    assert order[:7] == [
        "ACT-agents-madfam-io-502-8kr3n",
        "ACT-external-secrets-config-degraded-2pv7c",
        "ACT-switchyard-api-sql-bug-1qz6h",
        "ACT-monitoring-stack-upgrade-0hs5v",
        "ACT-argocd-image-updater-outofsync-6nd2k",
        "ACT-dhanam-api-probes-6vk8d",
        "ACT-load-testing-3xr7m",
    ]
    assert order[7:] == [  # then the remaining items, in the report's order
        "ACT-arc-runners-unknown-sync-3fh8q",
        "ACT-kyverno-policies-outofsync-9mx4t",
        "ACT-core-services-progressing-5tj1w",
        "ACT-janua-proxy-scaled-to-0-4wc9e",
        "ACT-sentinel-namespace-empty-7bg2x",
    ]


def test_priority_then_age_then_position(sample_kb: Path) -> None:
    set_fields(sample_kb, "ACT-sentinel-namespace-empty-7bg2x", priority="P1")
    set_fields(sample_kb, "ACT-load-testing-3xr7m", priority="P2", opened="2026-01-20")
    set_fields(sample_kb, "ACT-janua-proxy-scaled-to-0-4wc9e", priority="P2")
    set_fields(sample_kb, "ACT-arc-runners-unknown-sync-3fh8q", opened="2025-12-01")
    order = ids(sample_kb)
    assert order[:4] == [
        "ACT-sentinel-namespace-empty-7bg2x",  # P1
        "ACT-load-testing-3xr7m",  # P2, opened earlier
        "ACT-janua-proxy-scaled-to-0-4wc9e",  # P2, opened at the audit's end
        "ACT-arc-runners-unknown-sync-3fh8q",  # unset priority, but the oldest
    ]
    assert order[4] == "ACT-agents-madfam-io-502-8kr3n"


def test_closed_actions_leave_the_list(sample_kb: Path) -> None:
    path = sample_kb / ACTIONS / "ACT-load-testing-3xr7m.yaml"
    path.write_text(path.read_text().replace("status: open", "status: done\nevidence:\n  note: ran k6"))
    assert "ACT-load-testing-3xr7m" not in ids(sample_kb)
    assert len(ids(sample_kb)) == 11


def test_json_carries_source_and_impact() -> None:
    first = json.loads(run_kb(ROOT, "pickup", "--format", "json").stdout)[0]
    assert first["headline"] == "Auto-Claude deployment"
    assert first["impact"] == "expected" and first["priority"] is None and first["opened"] == "2026-01-26"
    assert first["audit"] == {
        "id": "AUD-production-ecosystem-audit-k3f9x",
        "title": "Production Ecosystem Audit Report",
    }
    assert first["finding"]["title"] == "agents.madfam.io returning 502"


def test_markdown_is_the_default_off_a_terminal_and_matches_the_rendered_doc() -> None:
    result = run_kb(ROOT, "pickup")
    assert result.exit_code == 0
    assert marked(result.stdout) == (ROOT / "docs" / "PICKUP.md").read_text()  # the file adds kb's marker line
    assert "1. **Auto-Claude deployment**: Deploy to replace `agents.madfam.io` http_status:503" in result.stdout
    assert "10. **core-services Progressing**: Ingress resource has no controller\n    - Priority" in result.stdout


def test_the_table_fits_the_terminal_and_strips_control_characters(sample_kb: Path) -> None:
    path = sample_kb / ACTIONS / "ACT-load-testing-3xr7m.yaml"
    path.write_text(path.read_text().replace("title: Load testing", 'title: "Load \\e[31mtesting"'))
    table = pickup(discover(sample_kb), "table", width=120)
    lines = table.splitlines()
    assert lines[0].split() == ["#", "PRI", "OPENED", "IMPACT", "ID", "ITEM"]
    assert len(lines) == 13 and all(len(line) <= 120 for line in lines)
    assert "\x1b" not in table and "Load  [31mtesting" in table


def test_broken_records_stop_the_list(sample_kb: Path) -> None:
    path = sample_kb / ACTIONS / "ACT-load-testing-3xr7m.yaml"
    path.write_text(path.read_text().replace("status: open", "status: opne"))
    result = run_kb(sample_kb, "pickup")
    assert result.exit_code == 1
    assert "ACT-load-testing-3xr7m.yaml:5:1: E201 status" in result.stderr


def test_help_teaches() -> None:
    assert "kb pickup --format md" in run_kb(ROOT, "pickup", "--help").output
