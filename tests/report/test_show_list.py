"""`kb show` and `kb list` on the sample knowledge base."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.conftest import run_kb

AUDIT = "AUD-production-ecosystem-audit-k3f9x"
DEADLOCK = "F-kyverno-cronjob-deadlock-8fs4k"
AGENTS = "F-agents-madfam-io-returning-502-6jc1v"


def shown(root: Path, ident: str) -> dict[str, object]:
    result = run_kb(root, "show", ident, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def link_ids(data: dict[str, object], role: str) -> set[str]:
    links = data["links"]
    assert isinstance(links, dict)
    return {item["id"] for item in links.get(role, [])}


def test_show_finding_with_audit_commits_lessons_and_actions(sample_kb: Path) -> None:
    data = shown(sample_kb, DEADLOCK)
    assert data["kind"] == "finding"
    assert data["path"] == f"data/findings/{DEADLOCK}.yaml"
    assert link_ids(data, "audit") == {AUDIT}
    lessons = {"L-bitnami-docker-hub-5kn3w", "L-helm-hook-deadlocks-3vm9f", "L-kyverno-helm-values-8qd1t"}
    assert link_ids(data, "lessons") == lessons
    assert link_ids(data, "commits")  # every commit it cites is recorded
    assert data["missing"] == {}
    assert link_ids(shown(sample_kb, AGENTS), "actions") == {"ACT-agents-madfam-io-502-8kr3n"}


def test_show_lesson_and_action(sample_kb: Path) -> None:
    assert link_ids(shown(sample_kb, "L-helm-hook-deadlocks-3vm9f"), "findings") == {DEADLOCK}
    action = shown(sample_kb, "ACT-agents-madfam-io-502-8kr3n")
    assert link_ids(action, "finding") == {AGENTS}
    assert link_ids(action, "audit") == {AUDIT}


def test_show_audit_with_everything_it_holds(sample_kb: Path) -> None:
    data = shown(sample_kb, "AUD-production")  # a prefix only one record has
    counts = {role: len(link_ids(data, role)) for role in ("findings", "actions", "lessons", "snapshots", "commits")}
    assert counts == {"findings": 10, "actions": 12, "lessons": 8, "snapshots": 1, "commits": 8}


def test_show_commit_lists_who_cites_it(sample_kb: Path) -> None:
    data = shown(sample_kb, "9a96a77")
    assert data["kind"] == "commit"
    assert AUDIT in link_ids(data, "cited_by")
    assert "F-nonexistent-madfam-io-subdomains-in-tunnel-0qv3h" in link_ids(data, "cited_by")


def test_show_reports_links_to_missing_records(sample_kb: Path) -> None:
    path = sample_kb / "data" / "findings" / f"{AGENTS}.yaml"
    path.write_text(path.read_text().replace("- 4c17f1f", "- 4c17f1f\n- abcdef1"))
    data = shown(sample_kb, AGENTS)
    assert data["missing"] == {"commits": ["abcdef1"]}
    text = run_kb(sample_kb, "show", AGENTS).stdout
    assert "abcdef1  (not recorded)" in text


def test_show_text_has_the_file_and_the_links(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "show", DEADLOCK)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"finding {DEADLOCK}  (data/findings/{DEADLOCK}.yaml)\n")
    assert "  title: Kyverno CronJob deadlock" in result.stdout
    assert "yaml-language-server" not in result.stdout
    assert "  lessons  L-helm-hook-deadlocks-3vm9f  Helm hook deadlocks" in result.stdout


@pytest.mark.parametrize(
    ("ident", "message"),
    [("F-nope", "no record 'F-nope'"), ("F-k", "matches 2 records"), ("abcdef1", "no record or commit")],
)
def test_show_unknown_or_ambiguous(sample_kb: Path, ident: str, message: str) -> None:
    result = run_kb(sample_kb, "show", ident)
    assert result.exit_code == 1
    assert message in result.stderr


LISTS = [
    (["finding"], 10),
    (["finding", "--severity", "critical"], 4),
    (["finding", "--severity", "critical", "--status", "open"], 0),
    (["action", "--status", "open"], 12),
    (["action", "--tag", "domains"], None),
    (["lesson", "--tag", "kyverno", "--tag", "helm"], None),
    (["finding", "--audit", "AUD-production"], 10),
    (["finding", "--since", "2026-01-26"], 10),
    (["finding", "--since", "2026-01-27"], 0),
    (["commit"], 8),
    (["snapshot"], 1),
]


@pytest.mark.parametrize(("args", "count"), LISTS, ids=[" ".join(a) for a, _ in LISTS])
def test_list_filters(sample_kb: Path, args: list[str], count: int | None) -> None:
    result = run_kb(sample_kb, "list", *args, "--json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    if count is not None:
        assert len(records) == count
    else:
        assert records
    tags = [args[i + 1] for i, arg in enumerate(args) if arg == "--tag"]
    assert all(set(tags) <= set(r.get("tags", [])) for r in records)


def test_list_orders_newest_first(sample_kb: Path) -> None:
    new = run_kb(sample_kb, "new", "finding", "--title", "Fresh one", "--found", dt.date.today().isoformat(), "--json")
    newest = json.loads(new.stdout)["id"]
    records = json.loads(run_kb(sample_kb, "list", "finding", "--json").stdout)
    assert records[0]["id"] == newest
    since_today = json.loads(run_kb(sample_kb, "list", "finding", "--since", "2026-06-01", "--json").stdout)
    assert [r["id"] for r in since_today] == [newest]


def test_list_table(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "list", "finding", "--severity", "critical")
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "SEVERITY", "STATUS", "DATE", "TITLE"]
    assert len(lines) == 5
    assert any(
        line.startswith("F-grafana-crashloopbackoff-7hd3x") and "Grafana CrashLoopBackOff" in line for line in lines
    )
    assert result.stderr.strip() == "4 findings"


def test_list_unknown_audit(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "list", "finding", "--audit", "AUD-nope")
    assert result.exit_code == 1
    assert "no record 'AUD-nope'" in result.stderr
