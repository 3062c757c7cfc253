"""The audit report's sections fed by other parts: snapshot changes (records) and unrecorded commits (git)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_kb
from tests.gitrepos import GitRepo

REPORT = "docs/audits/AUD-production-ecosystem-audit-k3f9x.md"
SNAPSHOT = "data/snapshots/SNAP-production-ecosystem-audit-5nw2q.yaml"


def test_a_later_snapshot_adds_the_changes_section(sample_kb: Path) -> None:
    first = (sample_kb / SNAPSHOT).read_text()
    later = first.replace("SNAP-production-ecosystem-audit-5nw2q", "SNAP-production-ecosystem-later-aaaaa")
    later = later.replace("taken: 2026-01-26", "taken: 2026-01-27")
    later = later.replace("- name: kyverno-policies\n  sync: OutOfSync", "- name: kyverno-policies\n  sync: Synced")
    (sample_kb / "data/snapshots/SNAP-production-ecosystem-later-aaaaa.yaml").write_text(later)
    assert run_kb(sample_kb, "render").exit_code == 0
    report = (sample_kb / REPORT).read_text()
    assert "## Changes since the previous snapshot" in report
    assert "| Application | kyverno-policies | OutOfSync/Healthy | Synced/Healthy |" in report


def test_commits_of_the_session_that_no_record_cites_are_listed(sample_kb: Path, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "infra")
    repo.commit("chore: bump ingress replicas", {"ingress.yaml": "replicas: 3\n"}, date="2026-01-25T15:00:00+00:00")
    repo.commit("docs: unrelated, a week later", {"README": "x\n"}, date="2026-02-02T10:00:00+00:00")
    with (sample_kb / "kb.toml").open("a") as toml:
        toml.write(f'\n[[repositories]]\nname = "infra"\npath = "{repo.path}"\n')
    assert run_kb(sample_kb, "render").exit_code == 0
    report = (sample_kb / REPORT).read_text()
    section = report.split("## Commits in the session window that no record cites", 1)[1]
    assert "chore: bump ingress replicas" in section
    assert "unrelated, a week later" not in report
    assert run_kb(sample_kb, "render", "--check").exit_code == 0


def test_a_commit_naming_a_finding_in_a_trailer_is_shown_with_it(sample_kb: Path) -> None:
    (sample_kb / "data/commits/abcdef1234567.yaml").write_text(
        "hash: abcdef1234567\nsubject: 'fix(infra): pin the builder agent'\n"
        "records:\n- F-vps-builder-node-cni-broken-9tb5e\n"
    )
    assert run_kb(sample_kb, "render").exit_code == 0
    finding = (sample_kb / REPORT).read_text().split("**VPS builder node CNI broken**", 1)[1].split("\n\n", 1)[0]
    assert "Linked by commit trailer: `abcdef1` fix(infra): pin the builder agent" in finding
