"""`kb import report FOLDER` as a real process: every report of the case corpus in one run.

The totals a folder gives are the sums of the cases' own expectations (tests/cases/import/*.yaml),
one summary line per report; a run with a report it cannot date, or cannot read, lists every
problem and writes nothing at all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.importer.test_import_cases import CASES, SPECS

ROOT = Path(__file__).parent.parent.parent
KINDS = ("finding", "action", "lesson", "commit", "snapshot")


def kb(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KB_DAEMON": "off"}
    return subprocess.run([sys.executable, "-m", "kb", *args], capture_output=True, text=True, env=env, cwd=ROOT)


def _expected() -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """The run's totals by kind, and each single-report case's counts by report name."""
    totals = dict.fromkeys(("audit", *KINDS, "notes"), 0)
    single = {}
    for case in SPECS:
        spec = yaml.safe_load(case.read_text(encoding="utf-8"))
        reports = spec.get("reports", [f"{case.stem}.md"])
        totals["audit"] += len(reports)
        for kind in (*KINDS, "notes"):
            totals[kind] += spec["counts"][kind]
        if len(reports) == 1:
            single[reports[0]] = spec["counts"]
    return totals, single


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "kb"
    assert kb("init", str(root)).returncode == 0
    folder = tmp_path / "docs" / "audits"
    shutil.copytree(CASES, folder, ignore=shutil.ignore_patterns("*.yaml"))
    return root, folder


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.yaml"))


def test_a_folder_imports_every_report_with_the_cases_totals(setup: tuple[Path, Path]) -> None:
    root, folder = setup
    totals, single = _expected()
    result = kb("--root", str(root), "import", "report", str(folder), "--date", "2025-06-01")
    assert result.returncode == 0, result.stderr
    created = sum(totals[kind] for kind in ("audit", *KINDS))
    findings, actions, lessons = totals["finding"], totals["action"], totals["lesson"]
    last = result.stdout.splitlines()[-1]
    assert last == (
        f"{totals['audit']} reports: {created} record(s) created, {totals['notes']} note(s) kept unmapped; "
        f"{findings} findings, {actions} actions, {lessons} lessons"
    )
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.split() and line.split()[0] in single}
    assert sorted(lines) == sorted(single)
    for name, counts in single.items():
        figures = f"{counts['finding']} findings, {counts['action']} actions, {counts['lesson']} lessons"
        assert "  AUD-" in lines[name] and f"{figures}, {counts['notes']} note(s);" in lines[name], lines[name]
    assert "W701" in result.stderr and "no-date-notes.md:1:1: W701 date: the report names no date: used --date" in (
        result.stderr
    )
    check = kb("--root", str(root), "validate")
    assert check.returncode == 0, check.stderr
    again = kb("--root", str(root), "import", "report", str(folder), "--date", "2025-06-01", "--json")
    outcome = json.loads(again.stdout)
    assert outcome["created"] == [] and outcome["total"]["reports"] == totals["audit"]


def test_dry_run_json_gives_the_same_totals_and_writes_nothing(setup: tuple[Path, Path]) -> None:
    root, folder = setup
    totals, _ = _expected()
    before = _files(root)
    result = kb(
        "--root", str(root), "import", "report", str(folder / "*.md"), "--date", "2025-06-01", "--dry-run", "--json"
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["dry_run"] is True
    assert len(outcome["reports"]) == totals["audit"]
    assert outcome["total"]["findings"] == totals["finding"]
    assert len(outcome["created"]) == sum(totals[kind] for kind in ("audit", *KINDS))
    assert _files(root) == before


def test_one_undatable_and_one_unreadable_report_stop_the_whole_run(setup: tuple[Path, Path]) -> None:
    root, folder = setup
    (folder / "garbled.md").write_bytes(b"# Report\n\n\xff\xfe not UTF-8\n")
    before = _files(root)
    result = kb("--root", str(root), "import", "report", str(folder))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if " E70" in line]
    assert len(errors) == 2, result.stderr
    assert any("garbled.md:0:0: E703" in line and "cannot read the report" in line for line in errors)
    assert any("no-date-notes.md:1:1: E701 date:" in line and "pass --date YYYY-MM-DD" in line for line in errors)
    assert "import stopped: 2 problem(s); nothing written" in result.stderr
    assert _files(root) == before


def test_names_that_match_nothing_are_problems(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    assert kb("init", str(root)).returncode == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    result = kb("--root", str(root), "import", "report", str(empty), str(tmp_path / "*.md"), str(tmp_path / "gone.md"))
    assert result.returncode == 1
    assert "E703 the folder holds no Markdown report (*.md)" in result.stderr
    assert "E703 the pattern matches no file" in result.stderr
    assert "gone.md:0:0: E703 no such file or folder" in result.stderr
