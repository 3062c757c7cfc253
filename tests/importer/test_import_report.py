"""`kb import report`: the seed report imported into an empty knowledge base, variants, re-import, dry run."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from kb.importer import values
from kb.store.config import discover
from kb.store.loader import KnowledgeBase, load, plain
from tests.conftest import SAMPLE, run_kb

FIXTURES = Path(__file__).parent.parent / "fixtures"
SEED = FIXTURES / "000_ca42ef2d6db47840.txt"
REPORTS = FIXTURES / "reports"

EDITORIAL = {"tags"}
"""Fields the hand transcription added from outside the report (labels a reader chose)."""
KNOWN_DIFFERENCES = {
    # The title says "tunnel config"; only a reader knows the tunnel is cloudflared.
    ("finding", 76, "components"): (["madfam.io"], ["cloudflared"]),
    # The pickup list's lead-in sentence has no field; it is kept as a note, never dropped.
    ("audit", 1, "notes"): (
        ["Next Session Pickup Points: For the next agent session, the following items may need attention:"],
        None,
    ),
}


def _line(imported_from: str | None) -> int:
    assert imported_from, "every imported record says where it came from"
    return int(imported_from.rsplit(":", 1)[1])


def canonical(kb: KnowledgeBase) -> dict[tuple[str, int | str], dict[str, Any]]:
    """Every record as plain data, keyed by kind and report line, with IDs replaced by those keys."""
    keys: dict[str, str] = {}
    for record in kb.by_id().values():
        keys[record.id] = f"{record.kind}@{_line(record.imported_from)}"

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            return keys.get(value, value)
        if isinstance(value, list):
            return [swap(v) for v in value]
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        return value

    out: dict[tuple[str, int | str], dict[str, Any]] = {}
    for entry in kb.all_entries():
        data = plain(entry.record)
        where = data["hash"] if entry.record.kind == "commit" else _line(data["imported_from"])
        key: tuple[str, int | str] = (entry.record.kind, where)
        data = {k: swap(v) for k, v in data.items() if k not in EDITORIAL and k not in ("id", "imported_from")}
        out[key] = data
    return out


@pytest.fixture
def empty_kb(tmp_path: Path) -> Path:
    root = tmp_path / "new"
    result = run_kb(tmp_path, "init", str(root))
    assert result.exit_code == 0, result.output
    return root


def test_seed_import_carries_every_fact_of_the_hand_transcription(empty_kb: Path) -> None:
    result = run_kb(empty_kb, "import", "report", str(SEED))
    assert result.exit_code == 0, result.output
    imported = canonical(load(discover(empty_kb)))
    by_hand = canonical(load(discover(SAMPLE.parent)))
    assert sorted(imported, key=str) == sorted(by_hand, key=str)
    differences = {}
    for key, expected in by_hand.items():
        got = imported[key]
        for name in sorted(set(expected) | set(got)):
            if got.get(name) != expected.get(name):
                differences[(*key, name)] = (got.get(name), expected.get(name))
    assert differences == KNOWN_DIFFERENCES


def test_seed_import_validates_and_every_record_points_at_its_line(empty_kb: Path) -> None:
    result = run_kb(empty_kb, "import", "report", str(SEED))
    assert result.exit_code == 0, result.output
    assert "40 record(s) created, 1 note(s) kept unmapped" in result.output
    assert f"{SEED.name}:220: kept as an audit note: Next Session Pickup Points: For the next" in result.output
    check = run_kb(empty_kb, "validate", "--strict")
    assert check.exit_code == 0, check.output
    assert "0 errors, 0 warnings" in check.output
    lines = SEED.read_text().splitlines()
    kb = load(discover(empty_kb))
    for entry in kb.all_entries():
        record = entry.record
        origin = getattr(record, "imported_from", None)
        assert origin is not None and origin.startswith(f"{SEED.name}:"), entry.file
        quoted = getattr(record, "title", None) or getattr(record, "hash", None) or "## Cluster Topology"
        assert quoted.split()[0] in lines[_line(origin) - 1], (entry.file, origin)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def test_reimport_creates_nothing(empty_kb: Path) -> None:
    run_kb(empty_kb, "import", "report", str(SEED))
    before = _files(empty_kb)
    again = run_kb(empty_kb, "import", "report", str(SEED), "--json")
    assert again.exit_code == 0, again.output
    outcome = json.loads(again.output)
    assert outcome["created"] == []
    assert sorted({e["kind"] for e in outcome["existing"]}) == [
        "action",
        "audit",
        "commit",
        "finding",
        "lesson",
        "snapshot",
    ]
    assert len(outcome["existing"]) == 40
    assert _files(empty_kb) == before


def test_seed_over_its_hand_transcription_creates_nothing(sample_kb: Path, tmp_path: Path) -> None:
    """The sample KB says `seed/000_....txt`; the same report under another folder is recognised."""
    copy = tmp_path / "elsewhere" / SEED.name
    copy.parent.mkdir()
    shutil.copy(SEED, copy)
    before = _files(sample_kb)
    result = run_kb(sample_kb, "import", "report", str(copy))
    assert result.exit_code == 0, result.output
    assert "0 record(s) created" in result.output
    assert _files(sample_kb) == before


def test_edited_report_adds_only_the_new_finding(empty_kb: Path, tmp_path: Path) -> None:
    run_kb(empty_kb, "import", "report", str(SEED))
    text = SEED.read_text().replace(
        "### Medium (2)\n", "### Medium (3)\n\n11. **Longhorn replica rebuild slow**\n    - Root cause: one disk\n\n"
    )
    edited = tmp_path / SEED.name
    edited.write_text(text)
    result = run_kb(empty_kb, "import", "report", str(edited), "--json")
    outcome = json.loads(result.output)
    assert [(c["kind"], c["imported_from"]) for c in outcome["created"]] == [("finding", f"{SEED.name}:48")]
    assert outcome["messages"] and "left as it is" in outcome["messages"][0]
    assert run_kb(empty_kb, "validate").exit_code == 0


def test_dry_run_writes_nothing(empty_kb: Path) -> None:
    before = _files(empty_kb)
    result = run_kb(empty_kb, "import", "report", str(SEED), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "40 record(s) would create" in result.output
    assert "would create finding   F-dhanam-api-crashlooping-" in result.output
    assert _files(empty_kb) == before


def test_report_without_any_date_names_the_flag_and_writes_nothing(empty_kb: Path, tmp_path: Path) -> None:
    """No date anywhere and no git history: one error naming --date; a missing trigger or scope only warns."""
    before = _files(empty_kb)
    report = tmp_path / "broken.md"  # outside any git repository, so git cannot date it either
    shutil.copy(REPORTS / "broken.md", report)
    result = run_kb(empty_kb, "import", "report", str(report))
    assert result.exit_code == 1
    assert "broken.md:1:1: E701 date: the report has no 'Date:' line in its header" in result.output
    assert "git has no commit of the file: pass --date YYYY-MM-DD" in result.output
    assert "E701 trigger:" not in result.output and "E701 scope:" not in result.output
    assert "import stopped: 1 problem(s); nothing written" in result.output
    assert _files(empty_kb) == before


def test_unreadable_date_is_an_error_with_its_line(empty_kb: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.md"
    report.write_text("# R\n\nDate: sometime last week\nTrigger: t\nScope: s\n")
    result = run_kb(empty_kb, "import", "report", str(report))
    assert result.exit_code == 1
    assert "r.md:3:1: E701 date: cannot read a date in 'sometime last week'" in result.output


def facts(root: Path) -> dict[str, Any]:
    """What a knowledge base holds, IDs replaced by titles, so expectations read like the report."""
    kb = load(discover(root))
    names = {r.id: r.title_text for r in kb.by_id().values()}

    def swap(value: Any) -> Any:
        if isinstance(value, list):
            return [swap(v) for v in value]
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items() if k not in ("id", "imported_from")}
        return names.get(value, value) if isinstance(value, str) else value

    out: dict[str, Any] = {}
    for kind in ("audit", "finding", "action", "lesson", "snapshot", "commit"):
        records = sorted((e.record for e in kb.entries[kind]), key=lambda r: str(getattr(r, "imported_from", "")))
        records.sort(key=lambda r: _line(getattr(r, "imported_from", None) or "x:0"))
        out[kind] = [swap(json.loads(json.dumps(plain(r), default=str))) for r in records]
    return out


def subset(expected: Any, got: Any) -> bool:
    if isinstance(expected, dict):
        # files leave empty lists out: an expected [] matches an absent field
        return isinstance(got, dict) and all(
            subset(v, got.get(k, [] if v == [] else None)) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(got, list) and len(expected) == len(got) and all(map(subset, expected, got))
    return bool(expected == got)


VARIANTS: dict[str, dict[str, Any]] = {
    # plain "Key: value" header in a list, no bold anywhere, "Findings"/"Open items"/"Next steps"/"Takeaways",
    # severities as P0 and High, table columns in another order, ISO date range
    "renamed.md": {
        "audit": [
            {
                "title": "Platform Audit February",
                "started": "2026-02-10",
                "ended": "2026-02-11",
                "outcome": "YELLOW",
                "scope": {
                    "description": "Staging cluster",
                    "nodes": 3,
                    "cluster": "k3s",
                    "apps": 7,
                    "gitops": "ArgoCD",
                },
                "remaining": ["S3 credential expiry"],
                "pickup": ["Log retention policy", "S3 credential expiry"],
                "commits": ["a1b2c3d"],
            }
        ],
        "finding": [
            {
                "title": "backup-cronjob failing",
                "severity": "critical",
                "duration": "3 days",
                "status": "resolved",
                "root_cause": "S3 credentials rotated but secret not updated",
                "commits": ["a1b2c3d"],
            },
            {
                "title": "stage-worker-2 NotReady",
                "severity": "high",
                "status": "open",
                "components": ["stage-worker-2"],
                "verification": "node Ready for 24 hours",
                "fix": "Enabled log rotation on the worker",
            },
        ],
        "action": [
            {
                "title": "S3 credential expiry",
                "impact": "low",
                "todo": "Rotate the S3 key again next quarter",
                "handover": {
                    "title": "S3 credential expiry",
                    "text": "Add an alert thirty days before the S3 key expires",
                },
            },
            {"title": "Log retention policy", "todo": "Decide retention for worker container logs"},
        ],
        "lesson": [{"title": "Log rotation", "findings": ["stage-worker-2 NotReady"]}],
        "snapshot": [
            {
                "taken": "2026-02-11",
                "nodes": [
                    {"name": "stage-cp-1", "role": "control-plane", "status": "Ready", "version": "v1.33.6+k3s1"},
                    {"name": "stage-worker-2", "role": "worker", "purpose": "batch", "status": "NotReady"},
                ],
                "pods": {"Running": 41, "CrashLoopBackOff": 2},
                "applications": [
                    {"name": "backups", "sync": "OutOfSync", "health": "Degraded"},
                    {"name": "web", "sync": "Synced", "health": "Healthy"},
                ],
            }
        ],
        "commit": [{"hash": "a1b2c3d", "subject": "fix(backup): re-sync S3 credentials secret"}],
    },
    # findings as numbered sub-headings, Sev1 group, [P3] prefix, bold keys, a "discovered during" group,
    # paragraph fields, impact in brackets in a follow-up list
    "headings.md": {
        "audit": [{"started": "2026-03-03", "scope": {"description": "Production ingress"}, "notes": []}],
        "finding": [
            {
                "title": "Traefik crashlooping after upgrade",
                "severity": "critical",
                "duration": "40 minutes",
                "discovery": "planned",
                "status": "resolved",
                "commits": ["0f1e2d3c"],
            },
            {"title": "Stale DNS record for old load balancer", "severity": "low", "status": "open"},
            {
                "title": "Missing PodDisruptionBudget for traefik",
                "discovery": "during-audit",
                "status": "open",
                "fix": "Added a PDB with minAvailable 1",
                "root_cause": "Chart default does not create one",
            },
        ],
        "action": [
            {"title": "Traefik values review", "impact": "cosmetic", "todo": "Check every renamed value in chart 30.0"}
        ],
        "lesson": [
            {
                "title": "Read chart release notes",
                "rule": "Major chart upgrades rename values silently. Diff rendered manifests before syncing.",
            }
        ],
        "snapshot": [],
        "commit": [],
    },
    # missing sections: no tables, no commits, no lessons, no follow-ups
    "minimal.md": {
        "audit": [
            {"title": "Quick check", "started": "2026-01-25", "outcome": "GREEN", "summary": "GREEN", "notes": []}
        ],
        "finding": [{"title": "redis pod evicted", "root_cause": "memory limit too low", "status": "open"}],
        "action": [],
        "lesson": [],
        "snapshot": [],
        "commit": [],
    },
    # what has no field is kept as notes: an unknown header key, an unknown section, a column, a bullet
    "unmapped.md": {
        "audit": [
            {
                "notes": [
                    "Header: **Auditor:** Dana",
                    "## Coffee log\nThree espressos, one regret.",
                    "Storage: pg-data: Backup=nightly",
                    "Issues Found & Resolved: pg slow queries: - Mood: grumpy",
                ]
            }
        ],
        "finding": [{"title": "pg slow queries", "status": "resolved"}],
        "snapshot": [
            {"volumes": [{"name": "pg-data", "size": "20Gi", "storage_class": "longhorn", "status": "Bound"}]}
        ],
    },
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_report_variants(name: str, empty_kb: Path) -> None:
    result = run_kb(empty_kb, "import", "report", str(REPORTS / name))
    assert result.exit_code == 0, result.output
    got = facts(empty_kb)
    for kind, expected in VARIANTS[name].items():
        assert subset(expected, got[kind]), (kind, got[kind])
    assert run_kb(empty_kb, "validate").exit_code == 0


def test_unmapped_lines_are_listed_in_the_output(empty_kb: Path) -> None:
    result = run_kb(empty_kb, "import", "report", str(REPORTS / "unmapped.md"))
    assert "unmapped.md:6: kept as an audit note: Header: **Auditor:** Dana" in result.output
    assert "unmapped.md:8: kept as an audit note: ## Coffee log" in result.output
    assert "4 note(s) kept unmapped" in result.output


def test_cited_commit_without_subject_is_left_for_kb_link(empty_kb: Path) -> None:
    result = run_kb(empty_kb, "import", "report", str(REPORTS / "headings.md"))
    assert "commit 0f1e2d3c is cited but not listed with a subject: run `kb link` to record it" in result.output
    check = run_kb(empty_kb, "validate")
    assert check.exit_code == 0
    assert "W405 commits.0: commit 0f1e2d3c has no commit record yet" in check.output


def test_help_teaches_both_imports() -> None:
    from click.testing import CliRunner

    from kb.cli.group import main

    for args, words in (
        (["import", "--help"], ["report", "kubectl"]),
        (["import", "report", "--help"], ["--dry-run", "Examples:"]),
        (["import", "kubectl", "--help"], ["--audit", "--taken", "kubectl get pvc -A -o json"]),
        (["diff", "--help"], ["--json", "Examples:"]),
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0
        for word in words:
            assert word in result.output, (args, word)


def _import_text(root: Path, tmp_path: Path, text: str) -> dict[tuple[str, int | str], dict[str, Any]]:
    report = tmp_path / SEED.name
    report.write_text(text)
    result = run_kb(root, "import", "report", str(report))
    assert result.exit_code == 0, result.output
    return canonical(load(discover(root)))


def _headings_style(text: str) -> str:
    """The seed with its findings written as numbered sub-headings instead of list items."""
    head, rest = text.split("## Issues Found", 1)
    findings, tail = rest.split("## Cleanup Actions", 1)
    findings = re.sub(r"(?m)^(\d+)\. \*\*(.+?)\*\*(.*)$", r"#### \1. \2\3", findings)
    findings = re.sub(r"(?m)^\s+- ", "- ", findings)
    return head + "## Issues Found" + findings + "## Cleanup Actions" + tail


@pytest.mark.parametrize(
    "rewrite",
    [lambda t: t.replace("**", ""), _headings_style],
    ids=["without-bold", "findings-as-headings"],
)
def test_seed_rewritten_imports_the_same_records(tmp_path: Path, rewrite: Any) -> None:
    roots = []
    for name in ("a", "b"):
        assert run_kb(tmp_path, "init", str(tmp_path / name)).exit_code == 0
        roots.append(tmp_path / name)
    assert rewrite(SEED.read_text()) != SEED.read_text()
    original = _import_text(roots[0], tmp_path / "a", SEED.read_text())
    rewritten = _import_text(roots[1], tmp_path / "b", rewrite(SEED.read_text()))
    assert rewritten == original


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("Critical (4)", "critical"),
        ("P0", "critical"),
        ("Sev1", "critical"),
        ("sev-2", "high"),
        ("High", "high"),
        ("P1 - urgent", "high"),
        ("Medium (2)", "medium"),
        ("Minor", "low"),
        ("Informational", "info"),
        ("Discovered During Audit (4)", None),
        ("Issues Found & Resolved (10 total)", None),
    ],
)
def test_severity_words(text: str, severity: str | None) -> None:
    assert values.severity(text) == severity


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("January 25-26, 2026", ("2026-01-25", "2026-01-26")),
        ("January 31 - February 1, 2026", ("2026-01-31", "2026-02-01")),
        ("Jan 25, 2026", ("2026-01-25", None)),
        ("25-26 January 2026", ("2026-01-25", "2026-01-26")),
        ("2026-02-10 to 2026-02-11", ("2026-02-10", "2026-02-11")),
        ("2026-02-10", ("2026-02-10", None)),
    ],
)
def test_date_ranges(text: str, days: tuple[str, str | None]) -> None:
    started, ended = values.date_range(text) or (None, None)
    assert (str(started), str(ended) if ended else None) == days


def test_scope_keeps_brackets_it_does_not_understand() -> None:
    assert values.scope("Prod (2-node k3s cluster, 13 ArgoCD apps)") == {
        "nodes": 2,
        "cluster": "k3s",
        "apps": 13,
        "gitops": "ArgoCD",
        "description": "Prod",
    }
    assert values.scope("Prod (2 nodes, EU only)") == {"nodes": 2, "description": "Prod (2 nodes, EU only)"}


def test_all_problems_in_one_run(empty_kb: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.md"
    report.write_text(
        "# R\n\nTrigger: t\nScope: s\n\n## Findings\n\n1. **A**\n   - Severity: P1\n\n"
        "## Applications\n\n| App | Sync | Health |\n|--|--|--|\n| web | Sideways | Healthy |\n"
    )
    result = run_kb(empty_kb, "import", "report", str(report))
    assert result.exit_code == 1
    assert "r.md:1:1: E701 date: the report has no 'Date:' line in its header" in result.output
    assert "r.md:11:1: E702 applications.0.sync: snapshot: Input should be 'Synced', 'OutOfSync' or 'Unknown'" in (
        result.output
    )
    assert "import stopped: 2 problem(s); nothing written" in result.output


def test_nested_items_stay_with_their_pickup_point(empty_kb: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.md"
    report.write_text(
        "# R\n\nDate: 2026-05-01\nTrigger: t\nScope: s\n\n## Next steps\n\n"
        "1. **Upgrade Grafana**: to v11\n   - check dashboards first\n2. **Load testing**: before launch\n"
    )
    assert run_kb(empty_kb, "import", "report", str(report)).exit_code == 0
    actions = facts(empty_kb)["action"]
    assert [(a["title"], a["todo"]) for a in actions] == [
        ("Upgrade Grafana", "to v11; check dashboards first"),
        ("Load testing", "before launch"),
    ]
