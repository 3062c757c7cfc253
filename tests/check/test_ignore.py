"""Silencing warnings: kb.toml's `[diagnostics] ignore` and `--ignore CODE`, in every verb that warns."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from kb.check.diagnostics import Code, Diagnostic, Report
from tests.conftest import run_kb
from tests.gitrepos import build_world

WARNED = {
    "commits/abcdef1.yaml": "hash: abcdef1\nsubject: nobody cites me\n",  # W401
    "findings/F-unrecorded-aaaaa.yaml": (  # W405
        "id: F-unrecorded-aaaaa\naudit: AUD-production-ecosystem-audit-k3f9x\ntitle: fixed somewhere\n"
        "commits:\n- 1234567\n"
    ),
}


@pytest.fixture
def warned(sample_kb: Path) -> Path:
    """The sample knowledge base with two warnings: W401 and W405."""
    for name, text in WARNED.items():
        (sample_kb / "data" / name).write_text(text)
    return sample_kb


def codes_in(stderr: str) -> set[str]:
    """The diagnostic codes of the `path:line:col: CODE ...` lines printed."""
    return {line.split(": ")[1].split()[0] for line in stderr.splitlines() if line.startswith("data/")}


CASES = [
    # (name, kb.toml's ignore list, arguments, exit status, errors, warnings)
    ("both reported", [], [], 0, [], ["W401", "W405"]),
    ("kb.toml silences one", ["W401"], [], 0, [], ["W405"]),
    ("the flag silences one", [], ["--ignore", "W401"], 0, [], ["W405"]),
    ("kb.toml and the flag add up", ["W401"], ["--ignore", "W405"], 0, [], []),
    ("the flag repeats", [], ["--ignore", "W401", "--ignore", "W405"], 0, [], []),
    ("strict makes both errors", [], ["--strict"], 1, ["W401", "W405"], []),
    ("strict leaves an ignored one silent", ["W405"], ["--strict"], 1, ["W401"], []),
    ("strict with both ignored passes", ["W405"], ["--strict", "--ignore", "W401"], 0, [], []),
]


@pytest.mark.parametrize(
    ("ignore", "args", "status", "errors", "warnings"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_validate_reports_what_is_not_ignored(
    warned: Path, ignore: list[str], args: list[str], status: int, errors: list[str], warnings: list[str]
) -> None:
    (warned / "kb.toml").write_text(f'records = "data"\n[diagnostics]\nignore = {json.dumps(ignore)}\n')
    result = run_kb(warned, "validate", "--json", *args)
    report = json.loads(result.stdout)
    assert [d["code"] for d in report["errors"]] == errors
    assert [d["code"] for d in report["warnings"]] == warnings
    assert result.exit_code == status


@pytest.mark.parametrize("verb", ["validate", "render", "build", "link"])
@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("E201", "--ignore: E201 is an error (field value does not match the schema); only a warning can be ignored"),
        ("W4O1", "--ignore: 'W4O1' is not a diagnostic code; did you mean W401?"),
    ],
)
def test_ignoring_an_error_or_no_code_is_a_usage_error(warned: Path, verb: str, code: str, message: str) -> None:
    (warned / "kb.toml").write_text('records = "data"\n[[repositories]]\nname = "infra"\n')
    result = run_kb(warned, verb, "--ignore", code)
    assert result.exit_code == 2
    assert message in result.stderr


def test_render_prints_only_the_warnings_not_ignored(warned: Path) -> None:
    assert {"W401", "W405"} <= codes_in(run_kb(warned, "render").stderr)
    assert codes_in(run_kb(warned, "render", "--ignore", "W405").stderr) == {"W401"}
    (warned / "kb.toml").write_text('records = "data"\ndiagnostics.ignore = ["W401", "W405"]\n')
    assert codes_in(run_kb(warned, "render").stderr) == set()


def test_the_render_stamp_answers_for_the_same_ignore_list_only(warned: Path) -> None:
    assert run_kb(warned, "render").exit_code == 0
    hour_ago = time.time() - 3600
    for folder, _, names in os.walk(warned):
        for name in names:
            os.utime(Path(folder) / name, (hour_ago, hour_ago))
    assert codes_in(run_kb(warned, "render", "--check").stderr) == {"W401", "W405"}  # now stamped
    assert codes_in(run_kb(warned, "render", "--check", "--ignore", "W401").stderr) == {"W405"}
    assert codes_in(run_kb(warned, "render", "--check").stderr) == {"W401", "W405"}


def test_build_prints_only_the_warnings_not_ignored(warned: Path) -> None:
    result = run_kb(warned, "build", "--ignore", "W401")
    assert result.exit_code == 0, result.output
    assert codes_in(result.stderr) == {"W405"}


def test_link_prints_only_the_warnings_not_ignored(tmp_path: Path) -> None:
    world = build_world(tmp_path)
    assert "W503" in run_kb(world.root, "link").stderr
    result = run_kb(world.root, "link", "--ignore", "W503", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["warnings"] == []


def test_an_ignored_code_never_silences_an_error() -> None:
    error = Diagnostic("a.yaml", 1, 1, Code.E201, "title", "bad")
    warning = Diagnostic("a.yaml", 2, 1, Code.W402, "closed", "early")
    assert Report.of([error, warning], ignore={Code.E201, Code.W402}) == Report([error], [])
