"""`kb close` and `kb reopen`: evidence required, and the person's file kept byte for byte."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kb.records.models import Action
from kb.store.lineedit import EditError, set_key
from tests.conftest import run_kb
from tests.gitrepos import GitRepo
from tests.terminal import on_terminal

AUDIT = "AUD-production-ecosystem-audit-k3f9x"

HAND_WRITTEN = f"""\
# yaml-language-server: $schema=../_schema/action.json
# Written by hand: my own key order, comments everywhere.
status: open   # waiting on the vendor
id: ACT-odd-order-abcde
todo: |
  Rotate the token.
    Then check   that   spacing is kept.

# where it came from
source:
    audit: {AUDIT}   # indented by four
title: 'Odd order'
tags: [a,   b]
# trailing comment"""
"""No newline at the end, a flow list, a block scalar, a four-space indent and inline comments."""

CLOSED = HAND_WRITTEN.replace(
    "status: open   # waiting on the vendor\n",
    "status: done   # waiting on the vendor\n"
    "closed: 2026-02-01\n"
    "evidence:\n"
    "  commit: 9a96a77\n"
    "  note: rotated, see the runbook\n",
)
"""The hand-written file closed: three keys changed or added, every other byte as it was."""

REOPENED = HAND_WRITTEN.replace(
    "title: 'Odd order'\n",
    "notes:\n"
    "- '2026-02-03: reopened: token leaked again (was done on 2026-02-01, commit 9a96a77, note: rotated, see the"
    " runbook)'\n"
    "title: 'Odd order'\n",
)
"""Reopened: back to the original, plus a note (placed after `source`, as in the model) on how it was closed."""


@pytest.fixture
def odd(sample_kb: Path) -> Path:
    path = sample_kb / "data" / "actions" / "ACT-odd-order-abcde.yaml"
    path.write_text(HAND_WRITTEN)
    return path


def actions(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "data" / "actions").iterdir())}


def test_close_changes_only_the_closing_keys(sample_kb: Path, odd: Path) -> None:
    others = {k: v for k, v in actions(sample_kb).items() if k != odd.name}
    result = run_kb(
        sample_kb,
        "close",
        "ACT-odd",
        "--commit",
        "9a96a77",
        "--note",
        "rotated, see the runbook",
        "--date",
        "2026-02-01",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "Closed ACT-odd-order-abcde as done: data/actions/ACT-odd-order-abcde.yaml\n"
    assert odd.read_text() == CLOSED
    assert {k: v for k, v in actions(sample_kb).items() if k != odd.name} == others
    assert [p.name for p in odd.parent.iterdir() if p.name.startswith(".")] == []  # no temp file left
    assert run_kb(sample_kb, "validate").exit_code == 0


def test_reopen_restores_status_and_keeps_how_it_was_closed(sample_kb: Path, odd: Path) -> None:
    odd.write_text(CLOSED)
    result = run_kb(sample_kb, "reopen", "ACT-odd-order-abcde", "--note", "token leaked again", "--date", "2026-02-03")
    assert result.exit_code == 0, result.output
    assert odd.read_text() == REOPENED
    assert run_kb(sample_kb, "validate").exit_code == 0


def test_close_and_reopen_round_trip_on_a_sample_action(sample_kb: Path) -> None:
    path = sample_kb / "data" / "actions" / "ACT-load-testing-3xr7m.yaml"
    original = path.read_text()
    closed = run_kb(sample_kb, "close", "ACT-load-testing-3xr7m", "-m", "k6 run done", "--dropped", "--json")
    assert closed.exit_code == 0, closed.output
    record = json.loads(closed.stdout)["record"]
    assert record["status"] == "dropped"
    assert record["evidence"] == {"note": "k6 run done"}
    assert "closed" in record
    reopened = run_kb(sample_kb, "reopen", "ACT-load-testing-3xr7m")
    assert reopened.exit_code == 0, reopened.output
    lines = path.read_text().splitlines()
    assert [line for line in lines if not line.startswith(("notes:", "- '"))] == original.splitlines()


def test_close_json_says_what_changed(sample_kb: Path, odd: Path) -> None:
    args = ["close", "ACT-odd", "--commit", "9a96a77", "--date", "2026-02-01", "--json"]
    out = json.loads(run_kb(sample_kb, *args).stdout)
    assert out["path"] == "data/actions/ACT-odd-order-abcde.yaml"
    assert out["changed"] == {
        "status": {"from": "open", "to": "done"},
        "closed": {"from": None, "to": "2026-02-01"},
        "evidence": {"from": None, "to": {"commit": "9a96a77"}},
    }
    reopened = json.loads(run_kb(sample_kb, "reopen", "ACT-odd", "--date", "2026-02-03", "--json").stdout)
    assert reopened["changed"]["status"] == {"from": "done", "to": "open"}
    assert reopened["changed"]["notes"]["from"] == []
    assert reopened["changed"]["notes"]["to"][0].startswith("2026-02-03: reopened (was done on 2026-02-01")


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["close", "ACT-odd-order-abcde"], 2, "closing needs evidence"),
        (["close", "ACT-nope", "-m", "x"], 1, "no action 'ACT-nope'"),
        (["close", "ACT-", "-m", "x"], 1, "matches 13 actions"),
        (["close", "ACT-odd", "--commit", "xyz"], 1, "not a commit reference"),
        (["close", "ACT-odd", "--commit", "elsewhere@9a96a77"], 1, "no repository named 'elsewhere'"),
        (["reopen", "ACT-odd-order-abcde"], 1, "already open"),
    ],
)
def test_refusals_leave_the_file_alone(sample_kb: Path, odd: Path, args: list[str], status: int, message: str) -> None:
    before = actions(sample_kb)
    result = run_kb(sample_kb, *args)
    assert result.exit_code == status
    assert message in result.output
    assert actions(sample_kb) == before


def test_closing_twice_is_refused(sample_kb: Path, odd: Path) -> None:
    assert run_kb(sample_kb, "close", "ACT-odd", "-m", "done").exit_code == 0
    before = odd.read_bytes()
    again = run_kb(sample_kb, "close", "ACT-odd", "-m", "done again")
    assert again.exit_code == 1
    assert "already done" in again.stderr and "kb reopen ACT-odd-order-abcde" in again.stderr
    assert odd.read_bytes() == before


def test_an_invalid_file_is_not_touched(sample_kb: Path, odd: Path) -> None:
    odd.write_text(HAND_WRITTEN.replace("status: open", "status: pending"))
    before = odd.read_bytes()
    result = run_kb(sample_kb, "close", "ACT-odd", "-m", "x")
    assert result.exit_code == 1
    assert "status" in result.stderr and "kb validate" in result.stderr
    assert odd.read_bytes() == before


# --- the line-level editor itself ----------------------------------------------------------

ORDER = list(Action.model_fields)


@pytest.mark.parametrize(
    ("text", "key", "value", "expected"),
    [
        ("id: A\nstatus: open\n", "status", "done", "id: A\nstatus: done\n"),
        ("id: A\nstatus: open # why\n", "status", "done", "id: A\nstatus: done # why\n"),
        ("id: A\nstatus: 'open' # q\n", "status", "done", "id: A\nstatus: done\n"),
        ("id: A\nclosed: 2026-01-01\n# keep\nstatus: x\n", "closed", None, "id: A\n# keep\nstatus: x\n"),
        ("id: A\ntitle: T", "closed", dt.date(2026, 1, 2), "id: A\ntitle: T\nclosed: 2026-01-02\n"),
        ("# head\nstatus: open\n", "id", "A", "# head\nid: A\nstatus: open\n"),
        (
            "id: A\nevidence:\n  note: |\n    old\n\n# next\ntitle: T\n",
            "evidence",
            {"note": "new"},
            "id: A\nevidence:\n  note: new\n\n# next\ntitle: T\n",
        ),
    ],
)
def test_set_key(text: str, key: str, value: object, expected: str) -> None:
    assert set_key(text, key, value, ORDER) == expected


def test_flow_style_files_are_refused() -> None:
    with pytest.raises(EditError, match="flow style"):
        set_key("{id: A, status: open}\n", "status", "done", ORDER)


def test_close_keeps_the_file_mode(sample_kb: Path, odd: Path) -> None:
    odd.chmod(0o640)
    assert run_kb(sample_kb, "close", "ACT-odd", "-m", "done").exit_code == 0
    assert odd.stat().st_mode & 0o777 == 0o640


# --- the last open action of a finding -------------------------------------------------------

PROBES = "ACT-dhanam-api-probes-6vk8d"
DHANAM = "F-dhanam-api-crashlooping-4kq2m"


@pytest.fixture
def dhanam_open(sample_kb: Path) -> Path:
    """The dhanam-api finding reopened: its one action, ACT-dhanam-api-probes, is still open."""
    assert run_kb(sample_kb, "set", DHANAM, "status=open").exit_code == 0
    return sample_kb / "data" / "findings" / f"{DHANAM}.yaml"


def test_resolve_finding_resolves_it_with_the_same_evidence(sample_kb: Path, dhanam_open: Path) -> None:
    args = ["close", PROBES, "--commit", "4c17f1f", "--date", "2026-02-01", "--resolve-finding", "--json"]
    result = run_kb(sample_kb, *args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["changed"]["status"] == {"from": "open", "to": "done"}
    assert out["resolved_finding"]["id"] == DHANAM
    assert out["resolved_finding"]["changed"]["status"] == {"from": "open", "to": "resolved"}
    text = dhanam_open.read_text()
    assert "status: resolved\n" in text and "resolved: 2026-02-01\n" in text and "- 4c17f1f\n" in text
    assert f"- '2026-02-01: resolved: its last open action, {PROBES}, was closed'" in text


def test_off_a_terminal_the_finding_is_named_not_resolved(sample_kb: Path, dhanam_open: Path) -> None:
    result = run_kb(sample_kb, "close", PROBES, "-m", "kept TCP probes")
    assert result.exit_code == 0, result.output
    assert f"{DHANAM} has no open action left: `kb resolve {DHANAM}` when it is fixed." in result.stderr
    assert "status: open\n" in dhanam_open.read_text()


@pytest.mark.parametrize("answer", ["y", "n"])
def test_on_a_terminal_kb_asks(sample_kb: Path, dhanam_open: Path, answer: str) -> None:
    status, output = on_terminal(sample_kb, ["close", PROBES, "-m", "kept TCP probes"], [answer])
    assert status == 0, output
    assert f"That was the last open action of {DHANAM}. Resolve the finding too?" in output
    assert ("status: resolved\n" in dhanam_open.read_text()) is (answer == "y")


def test_no_question_while_another_action_is_open(sample_kb: Path, dhanam_open: Path) -> None:
    other = sample_kb / "data" / "actions" / "ACT-load-testing-3xr7m.yaml"
    assert run_kb(sample_kb, "set", "ACT-load-testing-3xr7m", f"source.finding={DHANAM}").exit_code == 0
    result = run_kb(sample_kb, "close", PROBES, "-m", "kept TCP probes", "--resolve-finding")
    assert result.exit_code == 0, result.output
    assert "Resolved" not in result.stdout and "no open action left" not in result.stderr
    assert "status: open\n" in dhanam_open.read_text() and "status: open" in other.read_text()


# --- the evidence commit, looked up in its repository ----------------------------------------


def test_close_looks_the_commit_up_in_the_configured_repository(sample_kb: Path, odd: Path, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "infra")
    real = repo.commit("chore: rotate the token", {"token.txt": "new\n"})
    (sample_kb / "kb.toml").write_text(f'records = "data"\n[[repositories]]\nname = "infra"\npath = "{repo.path}"\n')
    unknown = run_kb(sample_kb, "close", "ACT-odd", "--commit", "deadbee")
    assert unknown.exit_code == 1
    assert f"no commit deadbee in 'infra' ({repo.path})" in unknown.stderr
    assert odd.read_text() == HAND_WRITTEN
    assert run_kb(sample_kb, "close", "ACT-odd", "--commit", f"infra@{real[:9]}").exit_code == 0
    assert f"commit: infra@{real[:9]}\n" in odd.read_text()


def test_close_trusts_a_hash_when_the_repository_is_not_at_hand(sample_kb: Path, odd: Path, tmp_path: Path) -> None:
    (sample_kb / "kb.toml").write_text(
        f'records = "data"\n[[repositories]]\nname = "infra"\npath = "{tmp_path}/gone"\n'
    )
    result = run_kb(sample_kb, "close", "ACT-odd", "--commit", "deadbee")
    assert result.exit_code == 0, result.output
