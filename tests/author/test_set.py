"""`kb set`: fields changed from a script, validated as the model says, the file's comments kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_kb

AUDIT = "AUD-production-ecosystem-audit-k3f9x"
ACTION = "ACT-load-testing-3xr7m"

HAND_WRITTEN = f"""\
# yaml-language-server: $schema=../_schema/action.json
id: ACT-rotate-token-abcde
title: Rotate the token   # before Friday
todo: Rotate it.
priority: P3 # guess
tags: [a, b]
source:
  audit: {AUDIT}
# the end
"""


@pytest.fixture
def rotate(sample_kb: Path) -> Path:
    path = sample_kb / "data" / "actions" / "ACT-rotate-token-abcde.yaml"
    path.write_text(HAND_WRITTEN)
    return path


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "data").rglob("*.yaml"))}


def test_set_changes_only_the_keys_it_names(sample_kb: Path, rotate: Path) -> None:
    args = ["priority=P1", "owner=dana", "due=2026-03-01", "tags+=security", "tags-=a"]
    result = run_kb(sample_kb, "set", "ACT-rotate", *args, "source.finding=F-dual-cloudflared-deployments-3mz6p")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Set priority, owner, due, tags, source of ACT-rotate-token-abcde: data/actions/ACT-rotate-token-abcde.yaml\n"
    )
    assert rotate.read_text() == (
        "# yaml-language-server: $schema=../_schema/action.json\n"
        "id: ACT-rotate-token-abcde\n"
        "title: Rotate the token   # before Friday\n"
        "todo: Rotate it.\n"
        "priority: P1 # guess\n"
        "owner: dana\n"
        "due: 2026-03-01\n"
        "tags:\n- b\n- security\n"
        f"source:\n  audit: {AUDIT}\n  finding: F-dual-cloudflared-deployments-3mz6p\n"
        "# the end\n"
    )
    assert run_kb(sample_kb, "validate").exit_code == 0


def test_a_list_set_twice_holds_both_and_an_empty_value_removes_a_field(sample_kb: Path, rotate: Path) -> None:
    result = run_kb(sample_kb, "set", "ACT-rotate", "tags=x", "tags=y", "priority=", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["changed"] == {
        "tags": {"from": ["a", "b"], "to": ["x", "y"]},
        "priority": {"from": "P3", "to": None},
    }
    assert "priority" not in rotate.read_text() and "tags:\n- x\n- y\n" in rotate.read_text()


def test_values_are_converted_as_the_model_says(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "set", AUDIT, "readiness=97", "scope.nodes=3", "ended=2026-01-27", "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)["record"]
    assert record["readiness"] == 97 and record["scope"]["nodes"] == 3 and record["ended"] == "2026-01-27"
    text = (sample_kb / "data" / "audits" / f"{AUDIT}.yaml").read_text()
    assert "readiness: 97\n" in text and "ended: 2026-01-27\n" in text and "  nodes: 3\n" in text


def test_a_commit_record_is_set_by_its_file_name(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "set", "9354dcb", "tags+=grafana")
    assert result.exit_code == 0, result.output
    assert "tags:\n- grafana\n" in (sample_kb / "data" / "commits" / "9354dcb.yaml").read_text()


def test_every_problem_is_listed_with_its_line_and_nothing_is_written(sample_kb: Path) -> None:
    before = files(sample_kb)
    result = run_kb(sample_kb, "set", ACTION, "priority=P9", "due=tomorrow", "source.finding=F-missing-00000")
    assert result.exit_code == 1
    file = f"data/actions/{ACTION}.yaml"
    assert f"{file}:1:1: E201 priority: Input should be 'P1', 'P2', 'P3' or 'P4', got 'P9'" in result.stderr
    assert f"{file}:1:1: E201 due: Input should be a valid date" in result.stderr
    assert result.stderr.endswith("Nothing was written.\n")
    assert files(sample_kb) == before
    missing = run_kb(sample_kb, "set", ACTION, "source.finding=F-missing-00000")
    assert missing.exit_code == 1
    assert f"{file}:8:3: E401 source.finding: no finding with ID F-missing-00000" in missing.stderr
    assert files(sample_kb) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([ACTION, "priorty=P1"], "priorty: an action has no such field; did you mean priority?"),
        ([ACTION, "id=ACT-x-00000"], "id names the file and cannot be set"),
        ([ACTION, "title+=more"], "title holds one value: write title=VALUE"),
        ([ACTION, "tags-=absent"], "tags has no item 'absent'"),
        ([ACTION, "just-words"], "write FIELD=VALUE"),
        ([AUDIT, "cleanup=x"], "cleanup holds mappings: change it with `kb edit`"),
    ],
)
def test_assignments_that_cannot_be_made_are_usage_errors(sample_kb: Path, args: list[str], message: str) -> None:
    before = files(sample_kb)
    result = run_kb(sample_kb, "set", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert files(sample_kb) == before
