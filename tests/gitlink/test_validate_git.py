"""`kb validate` and commit links: from stored records always, live in git with `--git`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_kb
from tests.gitrepos import AUDIT, World, build_world


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path)


def test_sample_kb_validates_without_repositories_and_says_links_are_unverified(sample_kb: Path) -> None:
    for args in [("validate",), ("validate", "--strict")]:
        result = run_kb(sample_kb, *args)
        assert result.exit_code == 0, result.output
        assert "commit links checked against stored commit records only" in result.output
    live = run_kb(sample_kb, "validate", "--git")
    assert live.exit_code == 0
    assert "kb.toml:0:0: W404 repositories: no repositories in kb.toml: commit links unverified" in live.output


def test_git_verifies_links_live(world: World) -> None:
    assert run_kb(world.root, "validate", "--git").exit_code == 0
    world.write("commits", "feedbee", "hash: feedbee\nsubject: typed by hand\n")
    result = run_kb(world.root, "validate", "--git")
    assert result.exit_code == 1
    assert "data/commits/feedbee.yaml:1:1: E501 hash: no commit feedbee in 'app'" in result.output
    assert "E501" not in run_kb(world.root, "validate").output  # offline, the stored record is trusted


def test_git_warns_when_no_fix_commit_touched_the_findings_paths(world: World) -> None:
    world.write(
        "findings",
        "F-wrong-paths-88888",
        f"""\
        id: F-wrong-paths-88888
        audit: {AUDIT}
        title: claims the ingress
        status: resolved
        paths:
        - k8s/ingress.yaml
        - ./k8s/kyverno/values.yaml.bak
        commits:
        - {world.fix[:7]}
        """,
    )
    result = run_kb(world.root, "validate", "--git")
    assert (
        "data/findings/F-wrong-paths-88888.yaml:5:1: W502 paths: none of its fix commits changed "
        "k8s/ingress.yaml, ./k8s/kyverno/values.yaml.bak"
    ) in result.output
    warned = [line for line in result.output.splitlines() if "W502" in line]
    assert len(warned) == 1  # F-kyverno-values: `k8s/kyverno` covers the file its fix changed
    assert "W502" not in run_kb(world.root, "validate").output


def test_git_warns_when_a_repository_is_not_at_hand(world: World) -> None:
    world.infra.path.rename(world.infra.path.with_name("infra-gone"))
    result = run_kb(world.root, "validate", "--git")
    assert result.exit_code == 0
    assert "data/actions/ACT-drop-routes-55555.yaml:6:3: W404 evidence.commit: cannot verify infra@" in result.output
    assert "not a git repository" in result.output
    assert run_kb(world.root, "validate", "--git", "--strict").exit_code == 1
    moved = world.infra.path.with_name("infra-gone")
    assert "W404" not in run_kb(world.root, "validate", "--git", "--repo", f"infra={moved}").output
