"""The import case corpus: every report under tests/cases/import/, imported through the CLI.

Each `NAME.yaml` there names the reports it imports in one run (by default `NAME.md`) and what
that gives: how many records of each kind and how many notes, the W701 warnings, messages, and
exact field values of audits, findings and actions, found by title (a finding an action follows
from, or a lesson's findings, by their titles too). For every case, every line of every report
must be mapped to a field or a note, importing again must create nothing, and the knowledge
base must validate.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from kb.store.config import discover
from kb.store.loader import KnowledgeBase, load
from tests.conftest import run_kb

CASES = Path(__file__).parent.parent / "cases" / "import"
SPECS = sorted(CASES.glob("*.yaml"))


def _reports(spec: dict[str, Any], case: Path) -> list[Path]:
    return [CASES / name for name in spec.get("reports", [f"{case.stem}.md"])]


def _plain(value: Any) -> Any:
    """Expectations and records compared as JSON would hold them (dates as text)."""
    return json.loads(json.dumps(value, default=str))


def _subset(expected: Any, got: Any, where: str) -> list[str]:
    """Every way `got` differs from what `expected` says (fields it does not name are free)."""
    if isinstance(expected, dict) and isinstance(got, dict):
        return [d for key, value in expected.items() for d in _subset(value, got.get(key), f"{where}.{key}")]
    return [] if expected == got else [f"{where}: expected {expected!r}, got {got!r}"]


def _by_title(kb: KnowledgeBase, kind: str) -> dict[str, dict[str, Any]]:
    """Records of one kind by title ('TITLE @ REPORT' where reports share one), with the IDs they
    name replaced by those records' titles."""
    titles = {record.id: record.title_text for record in kb.by_id().values()}
    records = [_plain(entry.record.model_dump(mode="json", exclude_none=True)) for entry in kb.entries[kind]]
    seen = Counter(data["title"] for data in records)
    out: dict[str, dict[str, Any]] = {}
    for data in records:
        if kind == "action":
            data["finding"] = titles.get(data["source"].get("finding"))
        if kind == "lesson":
            data["findings"] = [titles[f] for f in data["findings"]]
        key = data["title"] if seen[data["title"]] == 1 else f"{data['title']} @ {data['imported_from'].split(':')[0]}"
        assert key not in out, f"two {kind}s {key!r} in one report: give the case distinct titles"
        out[key] = data
    return out


def _import(root: Path, spec: dict[str, Any], reports: list[Path], folder: Path) -> Any:
    folder.mkdir(exist_ok=True)
    copies = []
    for report in reports:  # copied out of the repository, so git cannot date them
        shutil.copy(report, folder / report.name)
        copies.append(str(folder / report.name))
    result = run_kb(root, "import", "report", *copies, "--json", "--explain", *spec.get("args", []))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _unmapped(outcome: Any, reports: list[Path]) -> list[str]:
    """Lines with words in them that the --explain mapping does not cover."""
    lost = []
    for entry, report in zip(outcome["reports"], reports, strict=True):
        covered = {line for m in entry["explain"] for line in range(m["lines"][0], m["lines"][1] + 1)}
        lines = report.read_text(encoding="utf-8").splitlines()
        lost += [
            f"{report.name}:{n}: {text}"
            for n, text in enumerate(lines, 1)
            if re.search(r"\w", text) and n not in covered
        ]
    return lost


@pytest.mark.parametrize("case", SPECS, ids=[case.stem for case in SPECS])
def test_import_case(case: Path, tmp_path: Path) -> None:
    spec = _plain(yaml.safe_load(case.read_text(encoding="utf-8")))
    reports = _reports(spec, case)
    root = tmp_path / "kb"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    outcome = _import(root, spec, reports, tmp_path / "reports")
    kb = load(discover(root))

    counts = {kind: len(entries) for kind, entries in kb.entries.items()}
    counts["notes"] = sum(len(audit.notes) for audit in kb.audits)
    assert counts == {"audit": len(reports), **spec["counts"]}
    assert sorted(f"{w['file']} {w['field']}" for w in outcome["warnings"]) == sorted(spec.get("warnings", []))
    for expected in spec.get("messages", []):
        assert any(expected in message for message in outcome["messages"]), (expected, outcome["messages"])

    problems = []
    for kind in ("audit", "finding", "action", "lesson"):
        records = _by_title(kb, kind)
        for title, expected in spec.get(f"{kind}s", {}).items():
            problems += (
                [f"{kind} {title!r} missing"] if title not in records else _subset(expected, records[title], title)
            )
    notes = [note for audit in kb.audits for note in audit.notes]
    problems += [f"no note {note!r}" for note in spec.get("notes", []) if note not in notes]
    assert problems == []
    assert _unmapped(outcome, reports) == []

    again = _import(root, spec, reports, tmp_path / "reports")
    assert again["created"] == [] and again["filled"] == []
    check = run_kb(root, "validate")
    assert check.exit_code == 0, check.output
