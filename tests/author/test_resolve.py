"""`kb resolve`: a finding's status, date, fix commit and note, written into the person's own file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_kb
from tests.gitrepos import GitRepo

AUDIT = "AUD-production-ecosystem-audit-k3f9x"

HAND_WRITTEN = f"""\
# yaml-language-server: $schema=../_schema/finding.json
# Found at 3 a.m.; keep these comments.
id: F-disk-pressure-abcde
title: Disk pressure on the builder   # the words the pager used
audit: {AUDIT}
status: open  # still flapping
symptom: |
  Pods evicted;
    builds   failing.
commits:
- 9354dcb
"""

RESOLVED = HAND_WRITTEN.replace(
    "status: open  # still flapping\n", "status: resolved  # still flapping\nresolved: 2026-02-01\n"
).replace(
    "- 9354dcb\n", "- 9354dcb\n- 4c17f1f\nnotes:\n- '2026-02-01: resolved: pruned the image cache, added a cron'\n"
)
"""Status changed in place (its comment kept), the date, commit and note added where the model puts them."""


@pytest.fixture
def disk(sample_kb: Path) -> Path:
    path = sample_kb / "data" / "findings" / "F-disk-pressure-abcde.yaml"
    path.write_text(HAND_WRITTEN)
    return path


def test_resolve_writes_status_date_commit_and_note_and_keeps_the_rest(sample_kb: Path, disk: Path) -> None:
    args = ["--commit", "4c17f1f", "--note", "pruned the image cache, added a cron", "--date", "2026-02-01"]
    result = run_kb(sample_kb, "resolve", "F-disk", *args)
    assert result.exit_code == 0, result.output
    assert result.stdout == "Marked F-disk-pressure-abcde resolved: data/findings/F-disk-pressure-abcde.yaml\n"
    assert disk.read_text() == RESOLVED
    assert run_kb(sample_kb, "validate").exit_code == 0


def test_resolve_json_says_what_changed(sample_kb: Path, disk: Path) -> None:
    result = run_kb(
        sample_kb, "resolve", "F-disk-pressure-abcde", "--commit", "9354dcb", "--date", "2026-02-01", "--json"
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["id"] == "F-disk-pressure-abcde" and out["path"] == "data/findings/F-disk-pressure-abcde.yaml"
    assert out["changed"] == {  # the commit was cited already: not added twice
        "status": {"from": "open", "to": "resolved"},
        "resolved": {"from": None, "to": "2026-02-01"},
    }
    assert out["record"]["status"] == "resolved"


def test_wontfix_and_mitigated_set_no_resolved_date(sample_kb: Path, disk: Path) -> None:
    result = run_kb(sample_kb, "resolve", "F-disk", "--status", "mitigated", "-m", "evictions paused", "--json")
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)["changed"]) == {"status", "notes"}
    assert "status: mitigated  # still flapping\n" in disk.read_text() and "resolved:" not in disk.read_text()


def test_resolving_names_the_actions_still_open(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "set", "F-dhanam-api-crashlooping-4kq2m", "status=open")
    assert result.exit_code == 0, result.output
    result = run_kb(sample_kb, "resolve", "F-dhanam-api")
    assert result.exit_code == 0, result.output
    assert "Still open for it: ACT-dhanam-api-probes-6vk8d" in result.stderr


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["resolve", "F-dhanam-api"], 1, "is already resolved; `kb set F-dhanam-api-crashlooping-4kq2m status=open`"),
        (["resolve", "F-nope"], 1, "no finding 'F-nope' in data/findings"),
        (["resolve", "F-d"], 1, "'F-d' matches 4 findings"),
        (["resolve", "F-disk", "--commit", "xyz"], 1, "not a commit reference"),
        (["resolve", "F-disk", "--commit", "elsewhere@9a96a77"], 1, "no repository named 'elsewhere'"),
        (["resolve", "F-disk", "--status", "open"], 2, "'open' is not one of"),
    ],
)
def test_refusals_leave_the_files_alone(
    sample_kb: Path, disk: Path, args: list[str], status: int, message: str
) -> None:
    before = {p.name: p.read_bytes() for p in disk.parent.iterdir()}
    result = run_kb(sample_kb, *args)
    assert result.exit_code == status, result.output
    assert message in result.output
    assert {p.name: p.read_bytes() for p in disk.parent.iterdir()} == before


def test_the_fix_commit_is_looked_up_in_the_repository(sample_kb: Path, disk: Path, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "infra")
    real = repo.commit("fix: prune the image cache", {"cron.yaml": "prune\n"})
    (sample_kb / "kb.toml").write_text(f'records = "data"\n[[repositories]]\nname = "infra"\npath = "{repo.path}"\n')
    unknown = run_kb(sample_kb, "resolve", "F-disk", "--commit", "deadbee")
    assert unknown.exit_code == 1
    assert f"no commit deadbee in 'infra' ({repo.path})" in unknown.stderr
    assert disk.read_text() == HAND_WRITTEN
    found = run_kb(sample_kb, "resolve", "F-disk", "--commit", real[:8])
    assert found.exit_code == 0, found.output
    assert f"- {real[:8]}\n" in disk.read_text()
