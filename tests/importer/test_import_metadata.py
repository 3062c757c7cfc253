"""Where an audit's own fields come from: header lines, key tables, titles, headings, named
sections, the file's git history and `--date`; and what --explain says about each line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from kb.importer.dating import dated
from kb.importer.planning import plan
from kb.importer.reportparse import parse
from kb.store.config import discover
from kb.store.loader import load
from tests.conftest import run_kb
from tests.gitrepos import GitRepo

FINDING = "\n## Findings\n\n1. **Something broke**\n   - Root cause: a cause\n"

HEADERS: list[tuple[str, dict[str, Any]]] = [
    ("# R\n\n**Date:** 2024-11-19\n", {"started": "2024-11-19"}),
    ("# R\n\n**Generated:** 2026-04-14 09:30 UTC\n", {"started": "2026-04-14"}),
    ("# R\n\n| Date | January 25-26, 2026 |\n|---|---|\n", {"started": "2026-01-25", "ended": "2026-01-26"}),
    ("# Stabilization Log (2026-01-25 / 2026-01-26)\n", {"started": "2026-01-25", "ended": "2026-01-26"}),
    ("# Security Review — November 20, 2025\n", {"started": "2025-11-20"}),
    (
        "# R\n\n## Day 1 (2026-01-25)\n\nx\n\n## Day 2 (2026-01-26)\n\ny\n",
        {"started": "2026-01-25", "ended": "2026-01-26"},
    ),
    ("# R\n\nDate: 2024-11-19\n**Last Updated:** 2025-01-02\n", {"started": "2024-11-19"}),
    ("# R\n\nLast updated: 2025-01-02\nGenerated: 2024-11-19\n", {"started": "2024-11-19"}),
    (
        "# R\n\nDate: 2024-11-19\n\n### Trigger\n\nPager storm on Monday,\nthree services down.\n",
        {"trigger": "Pager storm on Monday,\nthree services down."},
    ),
    ("# R\n\nDate: 2024-11-19\n\n## Scope\n\n- api\n- web\n", {"scope": {"description": "- api\n- web"}}),
    (
        "# R\n\nDate: 2024-11-19\n\n## Executive Summary\n\nAll good.\n\n**Audit Status:** ✅ PASSED\n",
        {"summary": "✅ PASSED\n\nAll good.", "outcome": "GREEN"},
    ),
    ("# R\n\nDate: 2024-11-19\n**Status:** ⚠️ NEEDS ATTENTION\n", {"outcome": "YELLOW"}),
    ("# R\n\nDate: 2024-11-19\n**Result:** 2 blockers, RED\n", {"outcome": "RED", "summary": "2 blockers, RED"}),
    ("# R\n\nDate: 2024-11-19\n\nA pass over the staging cluster.\n", {"summary": "A pass over the staging cluster."}),
    (
        "# R\n\n## Report Information\n\n| Field | Value |\n|---|---|\n| Date | 2025-03-09 |\n| Scope | billing |\n",
        {"started": "2025-03-09", "scope": {"description": "billing"}},
    ),
]


@pytest.mark.parametrize(("text", "expected"), HEADERS, ids=[str(i) for i in range(len(HEADERS))])
def test_audit_fields_are_found_where_reports_put_them(text: str, expected: dict[str, Any], tmp_path: Path) -> None:
    root = tmp_path / "kb"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    report = tmp_path / "report.md"
    report.write_text(text + FINDING)
    result = run_kb(root, "import", "report", str(report), "--json")
    assert result.exit_code == 0, result.output
    (audit,) = load(discover(root)).audits
    got = audit.model_dump(mode="json", exclude_none=True)
    assert {key: got.get(key) for key in expected} == expected
    assert len(load(discover(root)).findings) == 1


def test_a_report_without_a_date_takes_its_last_commit_day(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "infra")
    repo.commit(
        "add the notes", {"docs/cache-review.md": "# Cache Review\n" + FINDING}, date="2025-03-04T10:00:00+01:00"
    )
    root = tmp_path / "kb"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    result = run_kb(root, "import", "report", str(repo.path / "docs"), "--date", "2020-01-01")
    assert result.exit_code == 0, result.output
    assert "cache-review.md:1:1: W701 date: the report names no date: used the day of its last commit, 2025-03-04" in (
        result.output
    )
    assert load(discover(root)).audits[0].started == dt.date(2025, 3, 4)


def test_an_unreadable_date_line_gives_way_to_the_title_and_is_kept(tmp_path: Path) -> None:
    parsed = parse("# Review of 2025-02-03\n\n**Date:** sometime last week\n" + FINDING)
    days, said = dated(parsed, None, "r.md", None)
    assert days is not None and days.started == dt.date(2025, 2, 3) and days.source == "title"
    assert [d.format() for d in said] == [
        "r.md:3:1: W701 date: cannot read a date in 'sometime last week' (write e.g. 2026-01-25 or January 25-26,"
        " 2026); used title instead"
    ]


def test_without_days_the_records_are_still_checked(tmp_path: Path) -> None:
    """One run reports every problem: a report that cannot be dated still has its values checked."""
    root = tmp_path / "kb"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    text = "# R\n\n## Applications\n\n| App | Sync | Health |\n|--|--|--|\n| web | Sideways | Healthy |\n"
    planned = plan(parse(text), load(discover(root)), "r.md", None)
    expected = "r.md:3:1: E702 applications.0.sync: snapshot: Input should be 'Synced', 'OutOfSync' or 'Unknown'"
    assert [d.format() for d in planned.problems] == [f"{expected}, got 'Sideways'"]


def test_explain_maps_every_line_of_the_seed(tmp_path: Path) -> None:
    seed = Path(__file__).parent.parent / "fixtures" / "000_ca42ef2d6db47840.txt"
    root = tmp_path / "kb"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    result = run_kb(root, "import", "report", str(seed), "--dry-run", "--explain")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith(f"{seed.name} -> AUD-production-ecosystem"))
    rows = [line.split(None, 3) for line in lines[head + 1 :] if line.startswith("  ")]
    by_line = {row[0]: (row[1], row[3]) for row in rows}
    assert by_line["3"] == ("audit", "date")
    assert by_line["26"] == ("finding", "root_cause")
    assert by_line["165"] == ("action", "title, todo")
    assert by_line["220"] == ("audit", "notes")
    assert by_line["180"] == ("commit", "hash, subject")
    as_json = json.loads(run_kb(root, "import", "report", str(seed), "--dry-run", "--explain", "--json").stdout)
    covered = {n for m in as_json["reports"][0]["explain"] for n in range(m["lines"][0], m["lines"][1] + 1)}
    text = seed.read_text().splitlines()
    assert [n for n, line in enumerate(text, 1) if any(c.isalnum() for c in line) and n not in covered] == []
