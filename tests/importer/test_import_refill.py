"""Importing a report again fills the fields an earlier import left empty, and nothing else.

An earlier, weaker import is played by emptying fields of real imported files; a person's
edits and comments in the same files must survive the next import byte for byte.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from kb.records.models import Audit, Finding
from kb.store.config import discover
from kb.store.lineedit import set_key
from kb.store.loader import load
from tests.conftest import run_kb
from tests.importer.test_import_cases import CASES

REPORT = CASES / "codebase-audit.md"
GOD_FILES = "God files in the API handlers"


def _import(root: Path, report: Path) -> dict[str, object]:
    result = run_kb(root, "import", "report", str(report), "--json")
    assert result.exit_code == 0, result.output
    outcome: dict[str, object] = json.loads(result.stdout)
    return outcome


def test_reimport_fills_empty_fields_and_keeps_edits_and_comments(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    report = tmp_path / REPORT.name
    shutil.copy(REPORT, report)
    _import(root, report)
    kb = load(discover(root))
    finding = next(e for e in kb.entries["finding"] if isinstance(e.record, Finding) and e.record.title == GOD_FILES)
    audit = kb.entries["audit"][0]
    assert isinstance(finding.record, Finding) and isinstance(audit.record, Audit)
    symptom, trigger = finding.record.symptom, audit.record.trigger

    # an earlier importer that read no Problem lines and no Trigger; then a person's edit
    text = set_key(finding.path.read_text(), "symptom", None, list(Finding.model_fields))
    text = text.replace("severity: high\n", "severity: medium  # downgraded in review\n")
    finding.path.write_text("# checked by hand\n" + text)
    audit.path.write_text(set_key(audit.path.read_text(), "trigger", None, list(Audit.model_fields)))
    edited = finding.path.read_text()

    outcome = _import(root, report)
    assert outcome["created"] == []
    assert sorted((f["file"], tuple(f["fields"])) for f in outcome["filled"]) == [  # type: ignore[union-attr]
        (str(audit.path.relative_to(root)), ("trigger",)),
        (str(finding.path.relative_to(root)), ("symptom",)),
    ]
    after = finding.path.read_text()
    assert after.startswith("# checked by hand\n") and "severity: medium  # downgraded in review\n" in after
    assert set_key(after, "symptom", None, list(Finding.model_fields)) == edited  # every other byte as it was
    kb = load(discover(root))
    refilled = next(f for f in kb.findings if f.title == GOD_FILES)
    assert refilled.symptom == symptom and refilled.severity == "medium"
    assert kb.audits[0].trigger == trigger

    third = _import(root, report)
    assert third["created"] == [] and third["filled"] == []
    assert run_kb(root, "validate").exit_code == 0


def test_text_output_names_the_filled_fields(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    report = tmp_path / REPORT.name
    shutil.copy(REPORT, report)
    _import(root, report)
    audit = load(discover(root)).entries["audit"][0]
    audit.path.write_text(set_key(audit.path.read_text(), "scope", None, list(Audit.model_fields)))
    result = run_kb(root, "import", "report", str(report))
    assert result.exit_code == 0, result.output
    assert f"filled {audit.path.relative_to(root)}: scope" in result.output
    assert "0 record(s) created, 1 filled in, 2 note(s) kept unmapped" in result.output
