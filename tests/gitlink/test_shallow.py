"""CI on a shallow clone: `kb validate --git` and `kb render --check` answer as on a full clone, or
say that history is missing and how to fetch it. Real clones of a real repository, `--depth 1` included."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.conftest import run_kb
from tests.gitrepos import GitRepo

AUDIT = "AUD-window-audit-11111"
LATER = "2026-01-20T10:00:00+00:00"


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An infrastructure repository holding its own knowledge base: records citing its fix commits,
    commit records from `kb link`, the docs from `kb render`, all committed, then later work."""
    repo = GitRepo(tmp_path_factory.mktemp("shallow") / "infra")
    repo.commit("init", {"README": "infra\n"}, date="2026-01-01T10:00:00+00:00")
    fix = repo.commit("fix(kyverno): values paths", {"k8s/kyverno/values.yaml": "a: 1\n"})
    repo.commit("chore: stray change in the window", {"tmp.txt": "x\n"}, date="2026-01-11T09:00:00+00:00")
    files = {
        "kb.toml": 'records = "data"\n\n[[repositories]]\nname = "infra"\npath = "."\n',
        f"data/audits/{AUDIT}.yaml": f"""\
            id: {AUDIT}
            title: Window audit
            started: 2026-01-10
            ended: 2026-01-11
            trigger: test
            scope:
              description: everything
            """,
        "data/findings/F-kyverno-values-33333.yaml": f"""\
            id: F-kyverno-values-33333
            audit: {AUDIT}
            title: Kyverno values
            status: resolved
            paths: [k8s/kyverno]
            commits: [{fix[:7]}]
            """,
        "data/findings/F-grafana-paths-44444.yaml": f"""\
            id: F-grafana-paths-44444
            audit: {AUDIT}
            title: Grafana paths
            status: resolved
            paths: [k8s/grafana]
            commits: [{fix[:7]}]
            """,
    }
    for name, text in files.items():
        (repo.path / name).parent.mkdir(parents=True, exist_ok=True)
        (repo.path / name).write_text(textwrap.dedent(text))
    assert run_kb(repo.path, "link").exit_code == 0
    assert run_kb(repo.path, "render").exit_code == 0
    repo.git("add", "-A")
    repo.commit("docs: the knowledge base", date=LATER)
    repo.commit("later work", {"later.txt": "x\n"}, date=LATER)
    return repo.path


def clone(origin: Path, target: Path, *depth: str) -> Path:
    _git(origin.parent, "clone", "-q", *depth, f"file://{origin}", str(target))
    return target


@pytest.fixture(scope="module")
def full(origin: Path) -> Path:
    return clone(origin, origin.parent / "full")


@pytest.fixture
def shallow(origin: Path, tmp_path: Path) -> Path:
    return clone(origin, tmp_path / "shallow", "--depth", "1")


def test_the_clones_are_what_they_say(full: Path, shallow: Path) -> None:
    assert _git(shallow, "rev-parse", "--is-shallow-repository").strip() == "true"
    assert _git(full, "rev-parse", "--is-shallow-repository").strip() == "false"
    assert len(_git(shallow, "log", "--format=%H").split()) == 1


def test_validate_git_gives_the_full_clones_answer_and_names_the_missing_history(full: Path, shallow: Path) -> None:
    whole, cut = run_kb(full, "validate", "--git"), run_kb(shallow, "validate", "--git")
    assert whole.exit_code == cut.exit_code == 0, cut.output
    w502 = "data/findings/F-grafana-paths-44444.yaml:5:1: W502 paths: none of its fix commits changed k8s/grafana"
    assert w502 in whole.output and w502 in cut.output  # from the stored commit record's files
    assert "W406" not in whole.output
    extra = [line for line in cut.output.splitlines() if line not in whole.output.splitlines()]
    assert len(extra) == 2 and extra[0].startswith("kb.toml:0:0: W406 repositories: 'infra' (")
    assert "is a shallow clone: 1 cited commit(s) are not in the history it has" in extra[0]
    assert (
        "git -C " in extra[0] and "fetch --unshallow (GitHub Actions: actions/checkout with fetch-depth: 0)" in extra[0]
    )


def test_render_check_passes_on_the_full_clone_and_stops_on_the_shallow_one(full: Path, shallow: Path) -> None:
    whole = run_kb(full, "render", "--check")
    assert whole.exit_code == 0, whole.output
    assert "stray change in the window" in (full / "docs" / "audits" / f"{AUDIT}.md").read_text()
    cut = run_kb(shallow, "render", "--check")
    assert cut.exit_code == 1
    assert "E505 repositories: 'infra' (" in cut.stderr
    assert "is a shallow clone whose history stops at 2026-01-20, but the reports of 1 audit(s) list" in cut.stderr
    assert "fetch --unshallow (GitHub Actions: actions/checkout with fetch-depth: 0)" in cut.stderr
    assert "render stopped: 1 problem(s); nothing written" in cut.stderr
    assert "---" not in cut.stdout  # no diff: the docs are not stale, the history is short


def test_fetching_what_it_says_makes_the_shallow_clone_answer_as_the_full_one(shallow: Path) -> None:
    _git(shallow, "fetch", "-q", "--unshallow")
    result = run_kb(shallow, "render", "--check")
    assert result.exit_code == 0, result.output
    assert "all current" in result.stderr
