"""The diagnostic codes: declared once in kb/check/diagnostics.py, used by name everywhere else."""

from __future__ import annotations

import re
from pathlib import Path

import kb
from kb.check.diagnostics import Code, Diagnostic, Report

PACKAGE = Path(kb.__file__).parent
TABLE = PACKAGE / "check" / "diagnostics.py"
SOURCES = {path: path.read_text(encoding="utf-8") for path in sorted(PACKAGE.rglob("*.py")) if path != TABLE}


def test_no_module_spells_a_code_as_a_string() -> None:
    literal = re.compile(r"""["'][EW]\d{3}["']""")
    found = [f"{path.relative_to(PACKAGE)}: {m[0]}" for path, text in SOURCES.items() for m in literal.finditer(text)]
    assert found == [], "use the Code constants of kb/check/diagnostics.py"


def test_every_code_is_reported_somewhere() -> None:
    used = {m[1] for text in SOURCES.values() for m in re.finditer(r"\bCode\.([EW]\d{3})\b", text)}
    assert sorted(code.name for code in Code if code.name not in used) == []


def test_each_constant_is_named_by_its_code_and_says_what_it_means() -> None:
    assert [code.name for code in Code] == [code.value for code in Code]
    assert all(code.meaning for code in Code)


def test_a_diagnostic_survives_its_json() -> None:
    diagnostic = Diagnostic("data/findings/F-x-aaaaa.yaml", 3, 1, Code.W402, "closed", "closed before opened")
    assert Diagnostic.from_json(diagnostic.as_json()) == diagnostic
    assert diagnostic.as_json()["code"] == "W402"
    assert diagnostic.format() == "data/findings/F-x-aaaaa.yaml:3:1: W402 closed: closed before opened"


def test_strict_counts_warnings_as_errors() -> None:
    error = Diagnostic("a.yaml", 1, 1, Code.E201, "title", "bad")
    warning = Diagnostic("a.yaml", 2, 1, Code.W402, "closed", "early")
    assert Report.of([warning, error, warning]) == Report([error], [warning])
    assert Report.of([warning, error], strict=True) == Report([error, warning], [])
