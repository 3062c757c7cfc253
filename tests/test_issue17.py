"""Issue 17's 38 failures each have a test: tests/cases/issue17.yaml names them, and here each
named test is found among those pytest collects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parent.parent
CLASSES: list[dict[str, Any]] = yaml.safe_load((ROOT / "tests" / "cases" / "issue17.yaml").read_text())["classes"]
FAULTS: list[dict[str, Any]] = yaml.safe_load((ROOT / "tests" / "cases" / "faults.yaml").read_text())["faults"]
OWNERS = {"reliable", "main", "safety", "outputs"}


def collected(files: set[str]) -> set[str]:
    """The node ids pytest collects from `files`."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *sorted(files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {line for line in result.stdout.splitlines() if "::" in line}


def test_there_are_38_classes_each_once_each_owned() -> None:
    assert len(CLASSES) == 38
    assert len({c["id"] for c in CLASSES}) == 38
    assert {c["owner"] for c in CLASSES} <= OWNERS
    for case in CLASSES:
        assert case["tests"], f"{case['id']} names no test"


def test_every_named_test_exists() -> None:
    named = [test for case in CLASSES for test in case["tests"]]
    found = collected({test.split("::")[0] for test in named})
    missing = [test for test in named if test not in found and not any(f.startswith(f"{test}[") for f in found)]
    assert missing == []


def test_every_fault_case_stands_for_a_class() -> None:
    named = {test for case in CLASSES for test in case["tests"]}
    unnamed = [
        f["id"] for f in FAULTS if f"tests/test_faults.py::test_no_verb_shows_a_traceback[{f['id']}]" not in named
    ]
    assert unnamed == []
