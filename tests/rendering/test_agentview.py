"""The agent context (agents.md.j2): lessons as rules, the open work, the topology, the latest audit, within budget."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb.rendering.agentview import split
from kb.store import ownership
from tests.conftest import run_kb

AUDIT = "AUD-production-ecosystem-audit-k3f9x"
LATER = """\
id: AUD-later-check-2kq7m
title: Later check
started: 2026-03-02
trigger: monthly
scope:
  description: the same cluster
outcome: YELLOW
summary: Mostly fine.
"""


def agents_kb(root: Path, max_bytes: int | None = None, region: bool = False) -> Path:
    budget = f"max_bytes = {max_bytes}\n" if max_bytes else ""
    part = 'region = "context"\n' if region else ""
    (root / "kb.toml").write_text(
        f'records = "data"\n\n[[outputs]]\ntemplate = "agents.md.j2"\npath = "AGENTS.md"\n{part}{budget}'
    )
    if region:
        (root / "AGENTS.md").write_text("# Agents\n<!-- kb:begin context -->\n<!-- kb:end context -->\n")
    return root


def rendered(root: Path) -> str:
    result = run_kb(root, "render")
    assert result.exit_code == 0, result.output
    return (root / "AGENTS.md").read_text()


def lessons_listed(text: str) -> list[str]:
    return re.findall(r"^- \*\*.*\(`(L-[a-z0-9-]+)`\)$", text, re.MULTILINE)


def actions_listed(text: str) -> list[str]:
    return re.findall(r"^\d+\. \*\*.*\(`(ACT-[a-z0-9-]+)`", text, re.MULTILINE)


def test_the_agent_context_of_the_sample(sample_kb: Path) -> None:
    text = rendered(agents_kb(sample_kb))
    assert text.startswith(
        "## Latest audit\n\n**Production Ecosystem Audit Report** (`AUD-production-ecosystem-audit-k3f9x`)"
    )
    assert "January 25-26, 2026: GREEN." in text and "10 findings, 10 resolved; production readiness 95%" in text
    assert "- 2 nodes: foundry-core, control-plane, v1.33.6+k3s1, Ready; foundry-builder-01" in text
    assert "- 13 GitOps applications: 8 Synced, 3 OutOfSync, 2 Unknown" in text
    assert len(lessons_listed(text)) == 8 and len(actions_listed(text)) == 12  # one line each, with its ID
    assert (
        "- **k3s version matching**: Agent version must be <= server version. (`L-k3s-version-matching-2hx7c`)" in text
    )
    assert "Left out" not in text and len(text.encode()) <= 8192


def test_lessons_are_newest_confirmed_first_and_agent_false_keeps_one_out(sample_kb: Path) -> None:
    (sample_kb / "data/audits/AUD-later-check-2kq7m.yaml").write_text(LATER)
    golden = sample_kb / "data/lessons/L-golden-tests-7wb5m.yaml"
    golden.write_text(golden.read_text() + "confirmed:\n- audit: AUD-later-check-2kq7m\n")
    helm = sample_kb / "data/lessons/L-helm-hook-deadlocks-3vm9f.yaml"
    helm.write_text(helm.read_text() + "agent: false\n")
    text = rendered(agents_kb(sample_kb))
    listed = lessons_listed(text)
    assert listed[0] == "L-golden-tests-7wb5m" and "L-helm-hook-deadlocks-3vm9f" not in listed and len(listed) == 7
    assert listed[1:3] == ["L-k3s-version-matching-2hx7c", "L-bitnami-docker-hub-5kn3w"]  # then in report order
    assert "**Later check** (`AUD-later-check-2kq7m`), March 2, 2026: YELLOW." in text


@pytest.mark.parametrize("region", [False, True])
def test_the_budget_drops_the_least_important_first_and_says_how_many(sample_kb: Path, region: bool) -> None:
    full = rendered(agents_kb(sample_kb))
    text = rendered(agents_kb(sample_kb, max_bytes=2000, region=region))
    part = text.split("<!-- kb:begin context -->\n")[1].split("<!-- kb:end context -->")[0] if region else text
    assert len(part.encode()) <= 2000
    lessons, actions = lessons_listed(part), actions_listed(part)
    assert lessons == lessons_listed(full)[: len(lessons)] and actions == actions_listed(full)[: len(actions)]
    assert abs(len(lessons) - len(actions)) <= 1 and lessons  # both lists keep their heads
    left = f"Left out to stay within 2000 bytes: {8 - len(lessons)} lessons (`kb search WORDS` finds them)"
    assert left + f" and {12 - len(actions)} open items (`kb pickup` lists them all)." in part
    assert ownership.is_marked(text) is not region


def test_a_large_knowledge_base_fits_the_default_8_kib(sample_kb: Path) -> None:
    for n in range(300):
        (sample_kb / f"data/lessons/L-generated-lesson-{n:05d}.yaml").write_text(
            f"id: L-generated-lesson-{n:05d}\ntitle: Generated lesson {n}\nrule: Always check thing {n} first.\n"
            f"audit: {AUDIT}\n"
        )
        (sample_kb / f"data/actions/ACT-generated-action-{n:05d}.yaml").write_text(
            f"id: ACT-generated-action-{n:05d}\ntitle: Follow-up {n}\ntodo: Follow up on thing {n}\n"
            f"source:\n  audit: {AUDIT}\n"
        )
    text = rendered(agents_kb(sample_kb))
    assert 7000 < len(text.encode()) <= 8192
    kept = len(lessons_listed(text)) + len(actions_listed(text))
    left = re.search(r"Left out to stay within 8192 bytes: (\d+) lessons .* and (\d+) open items", text)
    assert left and int(left[1]) + int(left[2]) + kept == 308 + 312


def test_a_budget_too_small_for_what_is_never_dropped_is_an_error(sample_kb: Path) -> None:
    result = run_kb(agents_kb(sample_kb, max_bytes=300), "render")
    assert result.exit_code == 1
    assert "kb.toml:6:1: E601 outputs.0.max_bytes: 300 bytes cannot hold AGENTS.md's agent context" in result.stderr
    assert not (sample_kb / "AGENTS.md").exists()


def test_a_document_that_lists_no_agent_context_is_not_cut(sample_kb: Path) -> None:
    (sample_kb / "kb.toml").write_text(
        'records = "data"\n[[outputs]]\ntemplate = "gitops.md.j2"\npath = "GITOPS.md"\nmax_bytes = 10\n'
    )
    assert run_kb(sample_kb, "render").exit_code == 0
    assert len((sample_kb / "GITOPS.md").read_bytes()) > 1000


@pytest.mark.parametrize(
    ("keep", "lessons", "actions", "expected"),
    [(0, 3, 3, (0, 0)), (1, 3, 3, (1, 0)), (2, 3, 3, (1, 1)), (5, 3, 3, (3, 2)), (6, 2, 9, (2, 4)), (6, 9, 2, (4, 2))],
)
def test_the_lists_are_kept_in_turn(keep: int, lessons: int, actions: int, expected: tuple[int, int]) -> None:
    assert split(keep, lessons, actions) == expected
