"""kb/gitlink/gitrepo.py, the one seam to git, against real repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.gitlink.gitrepo import AMBIGUOUS, GitError, Repository
from tests.gitrepos import GitRepo, git_children


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "app")


def test_resolve_answers_full_hash_missing_ambiguous_and_non_commit(repo: GitRepo) -> None:
    first = repo.commit("init", {"README": "hello\n"})
    one, two = repo.colliding_pair()
    blob = repo.git("rev-parse", "HEAD:README")
    with Repository(repo.path) as git:
        answers = git.resolve([first[:7], first, "deadbee", one[:7], one[:12], two[:12], blob[:10]])
    assert answers == {
        first[:7]: first,
        first: first,
        "deadbee": None,
        one[:7]: AMBIGUOUS,
        one[:12]: one,
        two[:12]: two,
        blob[:10]: None,
    }


@pytest.mark.parametrize("hostile", ["--output=/tmp/x", "../..", "-n1", "HEAD", "abc1234 --all", "ABCDEF1"])
def test_nothing_but_hex_reaches_git(repo: GitRepo, hostile: str) -> None:
    repo.commit("init")
    with Repository(repo.path) as git, pytest.raises(ValueError, match="not a"):
        git.resolve([hostile])
    with Repository(repo.path) as git, pytest.raises(ValueError, match="not a full hash"):
        git.commits([hostile])


def test_commits_reads_subject_author_date_and_files_of_merges_too(repo: GitRepo) -> None:
    repo.commit("init", {"README": "x\n"})
    repo.git("checkout", "-q", "-b", "feature")
    side = repo.commit("feat: docs\n\nlonger body", {"docs/a.md": "a\n", "docs/b.md": "b\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("fix: main", {"app/main.py": "print()\n"}, date="2026-01-11T09:30:00+02:00")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    merge = repo.git("rev-parse", "HEAD")
    fix = repo.git("rev-parse", "HEAD^1")
    with Repository(repo.path) as git:
        infos = git.commits([side, fix, merge])
    assert infos[side].subject == "feat: docs"
    assert infos[side].files == ("docs/a.md", "docs/b.md")
    assert infos[fix].author == "Ann Operator"
    assert infos[fix].date.isoformat() == "2026-01-11T09:30:00+02:00"
    assert infos[merge].files == ("docs/a.md", "docs/b.md")  # what the merge brought to the first parent


def test_mentions_finds_trailers_and_reverts_in_one_pass(repo: GitRepo) -> None:
    repo.commit("init")
    linked = repo.commit("chore: probes\n\nBody text.\n\nFinding: F-probe-timing-22222\nRefs: #12, L-some-lesson-33333")
    other = repo.commit("chore: unrelated\n\nSigned-off-by: Ann <ann@example.org>")
    fix = repo.commit("fix: thing", {"a": "1\n"})
    revert = repo.revert(fix)
    with Repository(repo.path) as git:
        mentions = {m.hash: m for m in git.mentions(["Finding", "Refs"])}
    assert set(mentions) == {linked, revert}
    assert other not in mentions
    assert mentions[linked].trailers == (("Finding", "F-probe-timing-22222"), ("Refs", "#12, L-some-lesson-33333"))
    assert mentions[revert].reverts == fix


def test_not_a_repository_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not a git repository"):
        Repository(tmp_path / "nowhere")


def test_no_git_process_outlives_the_repository(repo: GitRepo) -> None:
    first = repo.commit("init", {"a": "1\n"})
    with Repository(repo.path) as git:
        git.resolve([first[:7], "deadbee"])
        git.commits([first])
        list(git.mentions(["Finding"]))
        list(git.history())
    assert git_children() == []
