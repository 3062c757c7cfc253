"""`kb link` against real repositories: records, trailers, reverts, errors, the audit window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kb.gitlink.citations import commits_of, reverted_fixes
from kb.gitlink.verify import unlinked_commits
from kb.store.config import discover, with_repositories
from kb.store.loader import load
from tests.conftest import run_kb
from tests.gitrepos import AUDIT, World, build_world, git_children


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path)


def test_link_writes_a_commit_record_per_cited_commit_with_git_facts(world: World) -> None:
    result = run_kb(world.root, "link")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (world.root / "data" / "commits").iterdir())
    expected = [world.fix, world.merge, world.traced, world.reverted, f"infra@{world.infra_fix}"]
    assert names == sorted(f"{ref}.yaml" for ref in expected)
    fix = world.commit_record(world.fix)
    assert fix["hash"] == world.fix
    assert fix["subject"] == "fix(kyverno): values paths"
    assert fix["author"] == "Ann Operator"
    assert str(fix["date"]).startswith("2026-01-10 12:00:00")
    assert fix["files"] == ["k8s/kyverno/values.yaml"]
    assert world.commit_record(world.merge)["files"] == ["docs/runbook.md"]
    infra = world.commit_record(f"infra@{world.infra_fix}")
    assert (infra["repo"], infra["hash"]) == ("infra", world.infra_fix)
    assert "created data/commits/" in result.output
    assert run_kb(world.root, "validate", "--strict").exit_code == 1  # W501 for the reverted fix, below
    assert run_kb(world.root, "validate").exit_code == 0


def test_naming_the_default_repository_cites_the_same_commit(world: World) -> None:
    world.write(
        "findings",
        "F-again-66666",
        f"""\
        id: F-again-66666
        audit: {AUDIT}
        title: again
        commits: ["app@{world.fix[:8]}"]
        """,
    )
    result = run_kb(world.root, "link")
    assert result.exit_code == 0, result.output
    names = {p.name for p in (world.root / "data" / "commits").iterdir()}
    assert f"{world.fix}.yaml" in names and not any(name.startswith("app@") for name in names)
    kb = load(discover(world.root))
    assert kb.cited_commit(f"app@{world.fix[:8]}") is kb.cited_commit(world.fix[:7]) is not None
    assert "W405" not in run_kb(world.root, "validate").output


def test_second_run_changes_nothing_and_json_says_so(world: World) -> None:
    run_kb(world.root, "link")
    before = world.snapshot()
    result = run_kb(world.root, "link", "--json")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert {c["status"] for c in report["changes"]} == {"unchanged"}
    assert len(report["changes"]) == 5
    assert world.snapshot() == before


def test_human_edits_stay_and_abbreviations_are_lengthened(world: World) -> None:
    path = world.write(
        "commits",
        world.fix[:7],
        f"""\
        hash: {world.fix[:7]}
        subject: Kyverno values fix, as the report words it
        tags: [kyverno]
        """,
    )
    result = run_kb(world.root, "link", "--json")
    change = next(c for c in json.loads(result.output)["changes"] if c["ref"] == world.fix)
    assert change["status"] == "updated"
    assert change["file"] == "data/commits/" + path.name  # refreshed in place, not renamed
    assert change["kept"] == ["subject"]
    record = yaml.safe_load(path.read_text())
    assert record["hash"] == world.fix
    assert record["subject"] == "Kyverno values fix, as the report words it"
    assert record["tags"] == ["kyverno"]
    assert record["files"] == ["k8s/kyverno/values.yaml"]
    assert not (world.root / "data" / "commits" / f"{world.fix}.yaml").exists()


def test_trailer_links_a_commit_to_a_record_nobody_edited(world: World) -> None:
    result = run_kb(world.root, "link")
    assert "W503 Refs: trailer names F-no-such-record-99999" in result.output
    assert world.commit_record(world.traced)["records"] == ["F-probe-timing-22222"]
    validated = run_kb(world.root, "validate")
    assert world.traced not in validated.output  # linked by its trailer, so not an uncited commit (W401)
    (world.root / "data" / "findings" / "F-probe-timing-22222.yaml").unlink()
    validated = run_kb(world.root, "validate")
    assert validated.exit_code == 1
    assert f"data/commits/{world.traced}.yaml:7:3: E401 records.0: no record with ID F-probe-timing-22222" in (
        validated.output
    )


def test_reverted_fix_is_recorded_and_warned_about_without_the_repository(world: World) -> None:
    run_kb(world.root, "link")
    assert world.commit_record(world.reverted)["reverted_by"] == world.revert
    assert "reverted_by" not in world.commit_record(world.fix)
    for repo in (world.app.path, world.infra.path):
        repo.rename(repo.with_name(repo.name + "-gone"))
    result = run_kb(world.root, "validate")
    assert result.exit_code == 0
    assert (
        f"data/findings/F-grafana-image-44444.yaml:5:11: W501 commits.0: fix commit {world.reverted} "
        f"was reverted by {world.revert}: the finding has regressed"
    ) in result.output


def test_a_trailer_linked_fix_that_was_reverted_regresses_its_finding_too(world: World) -> None:
    undo = world.app.commit(f'Revert "chore: tune probes"\n\nThis reverts commit {world.traced}.\n')
    run_kb(world.root, "link")
    config = discover(world.root)
    kb = load(config)
    finding = next(f for f in kb.findings if f.id == "F-probe-timing-22222")
    assert [c.hash for c in commits_of(kb, finding)] == [world.traced]
    assert [c.reverted_by for c in reverted_fixes(kb, finding)] == [undo]
    result = run_kb(world.root, "validate")
    assert f"F-probe-timing-22222.yaml:1:1: W501 id: fix commit {world.traced} was reverted by {undo}" in result.output


def test_revert_of_a_revert_reinstates_the_fix(world: World) -> None:
    world.app.revert(world.revert)
    run_kb(world.root, "link")
    assert "reverted_by" not in world.commit_record(world.reverted)


def test_broken_links_are_errors_naming_file_and_line_and_the_rest_is_linked(world: World) -> None:
    one, _ = world.app.colliding_pair()
    world.write(
        "findings",
        "F-broken-links-66666",
        f"""\
        id: F-broken-links-66666
        audit: {AUDIT}
        title: broken
        commits:
        - deadbee
        - {one[:7]}
        - {world.infra_fix[:7]}
        - infra@{world.fix[:7]}
        - nowhere@{world.fix[:7]}
        """,
    )
    result = run_kb(world.root, "link")
    assert result.exit_code == 1
    file = "data/findings/F-broken-links-66666.yaml"
    for expected in [
        f"{file}:5:3: E501 commits.0: no commit deadbee in 'app'",
        f"{file}:6:3: E502 commits.1: {one[:7]} matches more than one object in 'app'",
        f"{file}:7:3: E503 commits.2: commit {world.infra_fix[:7]} is not in 'app' (",
        f"but in 'infra'; write infra@{world.infra_fix[:7]}\n",
        f"{file}:8:3: E503 commits.3: commit {world.fix[:7]} is not in 'infra' (",
        f"but in 'app'; write {world.fix[:7]}\n",
        f"{file}:9:3: E404 commits.4: cannot verify nowhere@{world.fix[:7]}: repository 'nowhere' is not in kb.toml",
    ]:
        assert expected in result.output
    summary = "commit records: 5 created, 0 updated, 0 unchanged; 5 error(s): the commits they name are not linked"
    assert summary in result.stderr
    written = sorted(p.stem for p in (world.root / "data" / "commits").iterdir())
    assert written == sorted([world.fix, world.merge, world.traced, world.reverted, f"infra@{world.infra_fix}"])
    assert world.commit_record(world.fix)["subject"] == "fix(kyverno): values paths"
    again = run_kb(world.root, "link")  # still a problem until the record is mended
    assert again.exit_code == 1 and "E501 commits.0: no commit deadbee" in again.output


@pytest.mark.parametrize("hostile", ["--output=/tmp/x", "../..", "-n1", "not-hex", "abc1234 --all", "../..@abc1234"])
def test_hostile_references_never_reach_git(world: World, hostile: str) -> None:
    target = world.root / "x"
    world.write(
        "findings",
        "F-hostile-77777",
        f"""\
        id: F-hostile-77777
        audit: {AUDIT}
        title: hostile
        commits:
        - {json.dumps(hostile.replace("/tmp/x", str(target)))}
        """,
    )
    result = run_kb(world.root, "link")
    assert result.exit_code == 1
    assert "data/findings/F-hostile-77777.yaml:5:3: E201 commits.0: String should match pattern" in result.output
    assert not target.exists()
    assert not (world.root / "data" / "commits").exists()


def test_repo_option_overrides_kb_toml_for_one_run(world: World) -> None:
    moved = world.app.path.with_name("elsewhere")
    world.app.path.rename(moved)
    failed = run_kb(world.root, "link")
    assert failed.exit_code == 1
    assert "E504" in failed.output and "not a git repository" in failed.output
    assert run_kb(world.root, "link", "--repo", f"app={moved}").exit_code == 0
    assert run_kb(world.root, "link", "--repo", str(moved), "--json").exit_code == 0


def test_repo_overrides_add_and_move_repositories(tmp_path: Path) -> None:
    (tmp_path / "kb.toml").write_text('[[repositories]]\nname = "app"\npath = "app"\n')
    config = with_repositories(discover(tmp_path), ["../moved", "ops=/srv/ops", "weird=name=x"], cwd=tmp_path)
    assert [(r.name, str(r.path), r.default) for r in config.repositories] == [
        ("app", str(tmp_path.parent / "moved"), True),
        ("ops", "/srv/ops", False),
        ("weird", str(tmp_path / "name=x"), False),
    ]


def test_link_without_repositories_is_a_usage_error(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "link")
    assert result.exit_code == 2
    assert "no repositories" in result.output


def test_unlinked_lists_commits_of_the_audit_days_that_no_record_cites(world: World) -> None:
    config = discover(world.root)
    found = unlinked_commits(config, load(config), "test")
    hashes = [c["hash"] for c in found[AUDIT]]
    # cited, trailer-linked (once linked) and out-of-window commits are left out; the merged side
    # branch commit and the revert were made that day and nobody cites them.
    side = world.app.git("rev-parse", f"{world.merge}^2")
    assert set(hashes) == {world.stray, world.revert, side, world.traced}
    stray = next(c for c in found[AUDIT] if c["hash"] == world.stray)
    assert stray == {
        "repo": None,
        "hash": world.stray,
        "subject": "chore: stray change",
        "date": "2026-01-11T23:59:00+01:00",
        "author": "Ann Operator",
    }
    run_kb(world.root, "link")
    result = run_kb(world.root, "link", "--unlinked", "--json")
    assert {c["hash"] for c in json.loads(result.output)[AUDIT]} == {world.stray, world.revert, side}
    text = run_kb(world.root, "link", "--unlinked").output
    assert f"{AUDIT}: 3 unlinked commit(s)" in text
    assert f"{world.stray[:12]} 2026-01-11 Ann Operator: chore: stray change" in text


def test_no_git_processes_are_left_behind(world: World) -> None:
    assert run_kb(world.root, "link").exit_code == 0
    run_kb(world.root, "link", "--unlinked")
    run_kb(world.root, "validate", "--git")
    assert git_children() == []
