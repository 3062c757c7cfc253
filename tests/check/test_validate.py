"""`kb validate`: every bad-input class from tests/cases/bad_records.yaml, reference errors, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kb.store import yamlread
from tests.conftest import SAMPLE, run_kb

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent.parent / "cases" / "bad_records.yaml").read_text())
BASE_AUDIT = """\
id: AUD-base-audit-aaaaa
title: Base audit
started: 2026-01-25
trigger: tests
scope:
  description: a test cluster
"""


def make_kb(root: Path, files: dict[str, str]) -> Path:
    """A knowledge base with the base audit plus `files` (paths relative to the records folder)."""
    (root / "kb.toml").write_text('records = "data"\n')
    for rel, text in {"audits/AUD-base-audit-aaaaa.yaml": BASE_AUDIT, **files}.items():
        path = root / "data" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_record_is_reported_at_its_line(tmp_path: Path, case: dict[str, Any]) -> None:
    root = make_kb(tmp_path, {case["file"]: case["text"]})
    result = run_kb(root, "validate", "--json")
    report = json.loads(result.stdout)
    found = [
        f"{d['code']} {d['line']}:{d['column']}" + (f" {d['field']}" if d["field"] else "")
        for d in report["errors"] + report["warnings"]
    ]
    assert sorted(found) == sorted(case["expect"])
    diagnostics = report["errors"] + report["warnings"]
    assert all(d["file"] == f"data/{case['file']}" for d in diagnostics)
    if "message" in case:
        assert any(case["message"] in d["message"] for d in diagnostics), diagnostics
    assert result.exit_code == (1 if report["errors"] else 0)


def test_all_problems_in_one_run_as_path_line_col(tmp_path: Path) -> None:
    files = {case["file"]: case["text"] for case in CASES if case["file"].startswith("findings/")}
    root = make_kb(tmp_path, files)
    result = run_kb(root, "validate")
    lines = [line for line in result.stderr.splitlines() if line.startswith("data/")]
    expected = sum(len(case["expect"]) for case in CASES if case["file"].startswith("findings/"))
    assert len(lines) == expected
    assert (
        "data/findings/F-dup-key-aaaaa.yaml:5:1: E103 title: duplicate key 'title' (first on line 3); keep one" in lines
    )
    assert result.exit_code == 1


def test_oversized_file_is_rejected_before_parsing(tmp_path: Path) -> None:
    huge = "id: F-huge-aaaaa\naudit: AUD-base-audit-aaaaa\ntitle: huge\nsymptom: " + "x" * yamlread.MAX_BYTES + "\n"
    root = make_kb(tmp_path, {"findings/F-huge-aaaaa.yaml": huge})
    report = json.loads(run_kb(root, "validate", "--json").stdout)
    assert [(d["code"], d["line"]) for d in report["errors"]] == [("E102", 1)]


@pytest.mark.parametrize(
    ("field", "typed", "kept"),
    [
        ("commits", "[0123456]", ["0123456"]),  # octal to YAML 1.1
        ("commits", "[1234567]", ["1234567"]),  # an integer to YAML 1.1
        ("title", "no", "no"),  # a boolean to YAML 1.1
        ("title", "on", "on"),
        ("duration", "12:30", "12:30"),  # sexagesimal 750 to YAML 1.1
        ("title", "1.10", "1.10"),  # the float 1.1 to YAML 1.1
    ],
)
def test_yaml_hazards_keep_what_was_typed(tmp_path: Path, field: str, typed: str, kept: object) -> None:
    from kb.store.config import load
    from kb.store.loader import load as load_kb

    text = f"id: F-hazard-aaaaa\naudit: AUD-base-audit-aaaaa\ntitle: hazard\n{field}: {typed}\n"
    text = text.replace("title: hazard\ntitle:", "title:")
    root = make_kb(tmp_path, {"findings/F-hazard-aaaaa.yaml": text})
    kb = load_kb(load(root))
    assert kb.problems == []
    assert getattr(kb.findings[0], field) == kept


def test_sample_knowledge_base_is_valid_and_strict_clean() -> None:
    result = run_kb(SAMPLE.parent, "validate", "--strict", "--json")
    assert json.loads(result.stdout) == {"errors": [], "warnings": []}
    assert result.exit_code == 0


def test_strict_turns_warnings_into_errors(tmp_path: Path) -> None:
    case = next(c for c in CASES if c["name"] == "orphan commit record")
    root = make_kb(tmp_path, {case["file"]: case["text"]})
    assert run_kb(root, "validate").exit_code == 0
    strict = run_kb(root, "validate", "--strict", "--json")
    assert strict.exit_code == 1
    assert [d["code"] for d in json.loads(strict.stdout)["errors"]] == ["W401"]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run_kb(tmp_path, "validate").exit_code == 2  # no kb.toml here
    assert run_kb(SAMPLE.parent, "validate", "--no-such-flag").exit_code == 2
    (tmp_path / "kb.toml").write_text("recrods = 'data'\n")
    result = run_kb(tmp_path, "validate")
    assert result.exit_code == 2
    assert "kb.toml:1:1: E601 recrods: unknown setting; did you mean records?" in result.stderr


def test_finds_the_knowledge_base_upward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from kb.cli.group import main

    root = make_kb(tmp_path, {})
    deep = root / "data" / "findings" / "deeper"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0
    assert "1 records valid" in result.stderr
