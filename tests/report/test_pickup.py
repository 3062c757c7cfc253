"""`kb pickup`: the hand-over for the next session, as table, Markdown and JSON, and on the built site."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kb.report.handover import pickup
from kb.store.config import discover
from kb.store.ownership import marked
from tests.conftest import ROOT, run_kb

ACTIONS = "data/actions"
AUDIT = "AUD-production-ecosystem-audit-k3f9x"
GRAFANA = "F-grafana-crashloopbackoff-7hd3x"


def kb_set(root: Path, ident: str, *assignments: str) -> None:
    result = run_kb(root, "set", ident, *assignments)
    assert result.exit_code == 0, result.output


def listed(root: Path, *args: str) -> dict[str, object]:
    result = run_kb(root, "pickup", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def ids(root: Path, *args: str) -> list[str]:
    items = listed(root, *args)["items"]
    assert isinstance(items, list)
    return [item["id"] for item in items]


def test_without_priorities_the_costliest_come_first_then_the_reports_order() -> None:
    assert ids(ROOT) == [
        "ACT-external-secrets-config-degraded-2pv7c",  # non-functional
        "ACT-switchyard-api-sql-bug-1qz6h",  # low
        "ACT-monitoring-stack-upgrade-0hs5v",  # impact unrated: the pickup points, in the report's order
        "ACT-dhanam-api-probes-6vk8d",
        "ACT-load-testing-3xr7m",
        "ACT-argocd-image-updater-outofsync-6nd2k",  # cosmetic: pickup point, then remaining items
        "ACT-arc-runners-unknown-sync-3fh8q",
        "ACT-kyverno-policies-outofsync-9mx4t",
        "ACT-core-services-progressing-5tj1w",
        "ACT-agents-madfam-io-502-8kr3n",  # expected
        "ACT-janua-proxy-scaled-to-0-4wc9e",  # intentional
        "ACT-sentinel-namespace-empty-7bg2x",  # placeholder
    ]


def test_priority_then_due_then_impact_then_age(sample_kb: Path) -> None:
    kb_set(sample_kb, "ACT-sentinel-namespace-empty-7bg2x", "priority=P1")
    kb_set(sample_kb, "ACT-load-testing-3xr7m", "priority=P2", "due=2026-03-01")
    kb_set(sample_kb, "ACT-janua-proxy-scaled-to-0-4wc9e", "priority=P2", "due=2026-01-20")  # overdue
    kb_set(sample_kb, "ACT-core-services-progressing-5tj1w", "priority=P2")  # no due date: after those with one
    kb_set(sample_kb, "ACT-kyverno-policies-outofsync-9mx4t", "priority=P2", "impact=outage")
    kb_set(sample_kb, "ACT-arc-runners-unknown-sync-3fh8q", "priority=P2", "impact=outage", "opened=2025-12-01")
    assert ids(sample_kb)[:7] == [
        "ACT-sentinel-namespace-empty-7bg2x",  # P1
        "ACT-janua-proxy-scaled-to-0-4wc9e",  # P2, due first
        "ACT-load-testing-3xr7m",  # P2, due later
        "ACT-arc-runners-unknown-sync-3fh8q",  # P2, no due date, outage, the older
        "ACT-kyverno-policies-outofsync-9mx4t",  # P2, no due date, outage
        "ACT-core-services-progressing-5tj1w",  # P2, no due date, cosmetic
        "ACT-external-secrets-config-degraded-2pv7c",  # unset priority, non-functional
    ]
    janua = listed(sample_kb)["items"][1]  # type: ignore[index]
    assert janua["overdue"] is True and janua["due"] == "2026-01-20"


def test_an_open_finding_without_an_open_action_is_on_the_list(sample_kb: Path) -> None:
    kb_set(sample_kb, GRAFANA, "status=open", "resolved=")
    kb_set(sample_kb, "F-dhanam-api-crashlooping-4kq2m", "status=mitigated")  # but ACT-dhanam-api-probes is open
    items = listed(sample_kb)["items"]
    assert isinstance(items, list)
    findings = [item for item in items if item["kind"] == "finding"]
    assert [f["id"] for f in findings] == [GRAFANA]
    assert items[0] == findings[0]  # critical ranks as P1, above every unprioritised action
    assert findings[0]["priority"] == "P1" and findings[0]["severity"] == "critical"
    assert findings[0]["status"] == "open" and findings[0]["opened"] == "2026-01-25"
    assert findings[0]["audit"] == {"id": AUDIT, "title": "Production Ecosystem Audit Report"}
    markdown = run_kb(sample_kb, "pickup", "--format", "md").stdout
    assert "1. **Grafana CrashLoopBackOff**: Missing PVC mount and dashboard ConfigMap references\n" in markdown
    assert "    - Finding, critical, open, with no open action (ranked as P1 by its severity); found 2026-01-25\n" in (
        markdown
    )
    table = pickup(discover(sample_kb), "table", width=160)
    assert "FINDING, no action: Grafana CrashLoopBackOff" in table and GRAFANA in table
    kb_set(sample_kb, GRAFANA, "status=wontfix")
    assert GRAFANA not in ids(sample_kb)


def test_a_finding_whose_actions_are_all_closed_is_back_on_the_list(sample_kb: Path) -> None:
    kb_set(sample_kb, "F-dhanam-api-crashlooping-4kq2m", "status=open")
    assert "F-dhanam-api-crashlooping-4kq2m" not in ids(sample_kb)
    assert run_kb(sample_kb, "close", "ACT-dhanam-api-probes-6vk8d", "-m", "kept TCP probes").exit_code == 0
    assert "F-dhanam-api-crashlooping-4kq2m" in ids(sample_kb)


def test_the_last_session_header(sample_kb: Path) -> None:
    kb_set(sample_kb, GRAFANA, "status=open", "resolved=")
    assert run_kb(sample_kb, "close", "ACT-load-testing-3xr7m", "-m", "ran k6", "--date", "2026-01-26").exit_code == 0
    last = listed(sample_kb)["last_session"]
    assert isinstance(last, dict)
    assert last["audit"] == {"id": AUDIT, "title": "Production Ecosystem Audit Report"}
    assert last["outcome"] == "GREEN" and last["dates"] == "January 25-26, 2026"
    assert len(last["resolved"]) == 9 and last["closed"] == ["ACT-load-testing-3xr7m"]
    text = "It resolved 9 findings and closed 1 action; it left 11 actions and 1 finding open."
    assert last["text"] == text
    markdown = run_kb(sample_kb, "pickup", "--format", "md").stdout
    assert markdown.startswith(
        "# Next Session Pickup\n\n**Last session:** Production Ecosystem Audit Report "
        f"(`{AUDIT}`), January 25-26, 2026: outcome **GREEN**. ALL CRITICAL issues resolved. Ecosystem GREEN.\n"
        f"{text}\n\n12 open items:"
    )
    table = pickup(discover(sample_kb), "table", width=200).splitlines()
    assert table[0] == (
        f"Last session: Production Ecosystem Audit Report ({AUDIT}), January 25-26, 2026: outcome GREEN. "
        "ALL CRITICAL issues resolved. Ecosystem GREEN."
    )
    assert table[1] == text and table[3].split() == ["#", "PRI", "DUE", "OPENED", "IMPACT", "ID", "ITEM"]


def test_a_later_session_carries_the_rest_over(sample_kb: Path) -> None:
    new = run_kb(sample_kb, "new", "audit", "--title", "Follow-up", "--trigger", "weekly", "--description", "all",
                 "--started", "2026-02-02", "--no-input", "--json")  # fmt: skip
    audit = json.loads(new.stdout)["id"]
    action = run_kb(sample_kb, "new", "action", "--title", "Rotate keys", "--todo", "Rotate", "--no-input", "--json")
    last = listed(sample_kb)["last_session"]
    assert isinstance(last, dict)
    assert last["audit"]["id"] == audit and last["resolved"] == []
    assert last["left_open"] == [json.loads(action.stdout)["id"]] and len(last["carried_over"]) == 12
    assert last["text"] == (
        "It resolved no findings and closed no actions; it left 1 action open; 12 items carried over from earlier "
        "sessions."
    )


def test_filters_narrow_the_items_not_the_header(sample_kb: Path) -> None:
    kb_set(sample_kb, "ACT-load-testing-3xr7m", "owner=Dana", "tags+=perf", "opened=2026-02-01")
    kb_set(sample_kb, "ACT-sentinel-namespace-empty-7bg2x", "owner=dana", "tags+=perf")
    assert ids(sample_kb, "--owner", "DANA") == ["ACT-load-testing-3xr7m", "ACT-sentinel-namespace-empty-7bg2x"]
    assert ids(sample_kb, "--tag", "perf", "--tag", "probes") == []
    assert ids(sample_kb, "--tag", "nestjs") == ["ACT-dhanam-api-probes-6vk8d"]
    assert ids(sample_kb, "--since", "2026-01-31") == ["ACT-load-testing-3xr7m"]
    assert len(ids(sample_kb, "--audit", "AUD-production")) == 12  # a prefix, as show and close take
    narrowed = listed(sample_kb, "--owner", "dana")["last_session"]
    assert isinstance(narrowed, dict) and len(narrowed["left_open"]) == 12
    markdown = run_kb(sample_kb, "pickup", "--format", "md", "--tag", "nestjs").stdout
    assert "1 open item:" in markdown and "1. **dhanam-api probes**" in markdown
    unknown = run_kb(sample_kb, "pickup", "--audit", "AUD-nope")
    assert unknown.exit_code == 2 and "--audit 'AUD-nope' names no audit" in unknown.stderr


def test_closed_actions_leave_the_list(sample_kb: Path) -> None:
    path = sample_kb / ACTIONS / "ACT-load-testing-3xr7m.yaml"
    path.write_text(path.read_text().replace("status: open", "status: done\nevidence:\n  note: ran k6"))
    assert "ACT-load-testing-3xr7m" not in ids(sample_kb)
    assert len(ids(sample_kb)) == 11


def test_json_carries_source_and_impact() -> None:
    first = listed(ROOT)["items"][0]  # type: ignore[index]
    assert first["kind"] == "action" and first["headline"] == "Doppler provisioning"
    assert first["impact"] == "non-functional" and first["priority"] is None and first["opened"] == "2026-01-26"
    assert first["due"] is None and first["overdue"] is False and first["owner"] is None
    assert first["audit"] == {"id": AUDIT, "title": "Production Ecosystem Audit Report"}
    assert first["title"] == "external-secrets-config Degraded" and first["finding"] is None


def test_markdown_is_the_default_off_a_terminal_and_matches_the_rendered_doc() -> None:
    result = run_kb(ROOT, "pickup")
    assert result.exit_code == 0
    assert marked(result.stdout) == (ROOT / "docs" / "PICKUP.md").read_text()  # the file adds kb's marker line
    assert "1. **Doppler provisioning**: Configure External Secrets Operator Doppler provider\n    - Priority" in (
        result.stdout
    )
    assert "10. **Auto-Claude deployment**: Deploy to replace `agents.madfam.io` http_status:503\n    - Priority" in (
        result.stdout
    )


def test_the_table_fits_the_terminal_and_strips_control_characters(sample_kb: Path) -> None:
    path = sample_kb / ACTIONS / "ACT-load-testing-3xr7m.yaml"
    path.write_text(path.read_text().replace("title: Load testing", 'title: "Load \\e[31mtesting"'))
    table = pickup(discover(sample_kb), "table", width=120)
    lines = table.splitlines()
    assert lines[0].startswith("Last session:") and lines[4].split() == [
        "#",
        "PRI",
        "DUE",
        "OPENED",
        "IMPACT",
        "ID",
        "ITEM",
    ]
    assert len(lines) == 17 and all(len(line) <= 120 for line in lines)
    assert "\x1b" not in table and "Load  [31mtesting" in table


def test_broken_records_stop_the_list(sample_kb: Path) -> None:
    path = sample_kb / ACTIONS / "ACT-load-testing-3xr7m.yaml"
    path.write_text(path.read_text().replace("status: open", "status: opne"))
    result = run_kb(sample_kb, "pickup")
    assert result.exit_code == 1
    assert "ACT-load-testing-3xr7m.yaml:5:1: E201 status" in result.stderr


def test_help_teaches() -> None:
    assert "kb pickup --format md" in run_kb(ROOT, "pickup", "--help").output


# --- on the site, as MkDocs renders it -----------------------------------------------------------


class Lists(HTMLParser):
    """The list items of a page's article (not the theme's navigation), by the depth of the list
    each is in (1: a top-level list)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.article = False
        self.depth = 0
        self.items: dict[int, int] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.article |= tag == "article"
        if self.article and tag in ("ol", "ul"):
            self.depth += 1
        elif self.article and tag == "li":
            self.items[self.depth] = self.items.get(self.depth, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.article = False
        elif self.article and tag in ("ol", "ul"):
            self.depth -= 1


@pytest.mark.parametrize("extra", [0, 6, 90])
def test_mkdocs_renders_each_item_with_its_own_nested_list(sample_kb: Path, extra: int) -> None:
    """18 items (the case MkDocs once flattened into 76 list items) and 102, past three-digit markers."""
    for n in range(extra):
        run = run_kb(sample_kb, "new", "action", "--title", f"Extra {n}", "--todo", "more", "--owner", "x",
                     "--priority", "P4", "--no-input")  # fmt: skip
        assert run.exit_code == 0, run.output
    kb_set(sample_kb, GRAFANA, "status=open", "resolved=")
    markdown = run_kb(sample_kb, "pickup", "--format", "md").stdout
    nested = [line for line in markdown.splitlines() if line.lstrip().startswith("- ")]
    assert len(nested) > 3 * (13 + extra) and all(line.startswith(("    - ", "     - ")) for line in nested)
    result = run_kb(sample_kb, "site")
    assert result.exit_code == 0, result.output
    page = Lists((sample_kb / "site" / "docs" / "PICKUP.html").read_text(encoding="utf-8"))
    assert page.items == {1: 13 + extra, 2: len(nested)}  # one item per entry, its facts nested under it
