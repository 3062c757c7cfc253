"""Real git repositories for tests: real commits through the git command line, no mocks."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

DATE = "2026-01-10T12:00:00+00:00"


class GitRepo:
    """A repository in a temporary folder, with helpers to make the history a test needs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Ann Operator")
        self.git("config", "user.email", "ann@example.org")

    def git(self, *args: str, stdin: str | bytes | None = None, date: str = DATE) -> str:
        env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        data = stdin.encode() if isinstance(stdin, str) else stdin
        result = subprocess.run(["git", *args], cwd=self.path, input=data, capture_output=True, env=env, check=True)
        return result.stdout.decode().strip()

    def commit(self, message: str, files: dict[str, str] | None = None, date: str = DATE) -> str:
        """Write `files`, commit them (an empty commit when none) and return the full hash."""
        for name, text in (files or {}).items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            self.git("add", name)
        self.git("commit", "-q", "--allow-empty", "-F", "-", stdin=message, date=date)
        return self.git("rev-parse", "HEAD")

    def revert(self, commit: str, date: str = DATE) -> str:
        self.git("revert", "--no-edit", commit, date=date)
        return self.git("rev-parse", "HEAD")

    def colliding_pair(self, digits: int = 7) -> tuple[str, str]:
        """Two new commits whose hashes share their first `digits` hex digits, both on branches.

        A birthday search over commit objects: hash candidate commit texts with hashlib (git's
        object hash is sha1 of "commit <size>\\0" + text) until two prefixes meet, which takes
        about 16 ** (digits / 2) tries (some thousands for 7 digits, well under a second), then
        write just those two with `git hash-object -w`.
        """
        tree = self.git("rev-parse", "HEAD^{tree}")
        parent = self.git("rev-parse", "HEAD")
        seen: dict[str, bytes] = {}
        attempt = 0
        while True:
            text = (
                f"tree {tree}\nparent {parent}\nauthor Ann Operator <ann@example.org> 1768046400 +0000\n"
                f"committer Ann Operator <ann@example.org> 1768046400 +0000\n\nchore: attempt {attempt}\n"
            ).encode()
            digest = hashlib.sha1(b"commit %d\0" % len(text) + text).hexdigest()
            if digest[:digits] in seen:
                break
            seen[digest[:digits]] = text
            attempt += 1
        pair = []
        for i, body in enumerate((seen[digest[:digits]], text)):
            written = self.git("hash-object", "-t", "commit", "-w", "--stdin", stdin=body)
            self.git("update-ref", f"refs/heads/collide-{i}", written)
            pair.append(written)
        return pair[0], pair[1]


def git_children() -> list[str]:
    """Child processes of this test process that are git (running or unreaped)."""
    me = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        ppid = text[text.rindex(")") + 2 :].split()[1]
        if ppid == me and name.startswith("git"):
            found.append(f"{stat.parent.name} {name}")
    return found


AUDIT = "AUD-window-audit-11111"


@dataclass
class World:
    """A knowledge base citing commits in two real repositories, `app` (default) and `infra`."""

    root: Path
    app: GitRepo
    infra: GitRepo
    fix: str
    merge: str
    traced: str
    reverted: str
    revert: str
    stray: str
    infra_fix: str

    def write(self, folder: str, name: str, text: str) -> Path:
        path = self.root / "data" / folder / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    def commit_record(self, ref: str) -> dict[str, object]:
        loaded: dict[str, object] = yaml.safe_load((self.root / "data" / "commits" / f"{ref}.yaml").read_text())
        return loaded

    def snapshot(self) -> dict[str, str]:
        return {str(p.relative_to(self.root)): p.read_text() for p in sorted((self.root / "data").rglob("*.yaml"))}


def build_world(tmp_path: Path) -> World:
    """Two repositories with a fix, a merge, a trailer, a revert and a stray commit, and a kb citing them."""
    app, infra = GitRepo(tmp_path / "app"), GitRepo(tmp_path / "infra")
    app.commit("init", {"README": "app\n"}, date="2026-01-01T10:00:00+00:00")
    fix = app.commit("fix(kyverno): values paths", {"k8s/kyverno/values.yaml": "a: 1\n"})
    app.git("checkout", "-q", "-b", "docs")
    app.commit("docs: runbook", {"docs/runbook.md": "# run\n"})
    app.git("checkout", "-q", "main")
    app.git("merge", "-q", "--no-ff", "-m", "Merge branch 'docs'", "docs", date="2026-01-10T13:00:00+00:00")
    merge = app.git("rev-parse", "HEAD")
    traced = app.commit("chore: tune probes\n\nFinding: F-probe-timing-22222\nRefs: F-no-such-record-99999")
    reverted = app.commit("fix(grafana): pin image", {"k8s/grafana.yaml": "tag: 1\n"})
    revert = app.revert(reverted, date="2026-01-11T08:00:00+00:00")
    stray = app.commit("chore: stray change", {"tmp.txt": "x\n"}, date="2026-01-11T23:59:00+01:00")
    app.commit("later work", {"later.txt": "x\n"}, date="2026-01-20T10:00:00+00:00")
    infra.commit("init", {"tunnel.yaml": "a\n"}, date="2026-01-02T10:00:00+00:00")
    infra_fix = infra.commit("fix(tunnel): drop dead routes", {"tunnel.yaml": "b\n"})
    root = tmp_path / "kb"
    root.mkdir()
    (root / "kb.toml").write_text(
        'records = "data"\n\n[[repositories]]\nname = "app"\npath = "../app"\ndefault = true\n\n'
        '[[repositories]]\nname = "infra"\npath = "../infra"\n'
    )
    w = World(root, app, infra, fix, merge, traced, reverted, revert, stray, infra_fix)
    w.write(
        "audits",
        AUDIT,
        f"""\
        id: {AUDIT}
        title: Window audit
        started: 2026-01-10
        ended: 2026-01-11
        trigger: test
        scope:
          description: everything
        commits:
        - {merge[:9]}
        """,
    )
    for slug, commits, paths in [
        ("F-kyverno-values-33333", [fix[:7]], ["k8s/kyverno"]),
        ("F-grafana-image-44444", [reverted[:10]], []),
        ("F-probe-timing-22222", [], []),
    ]:
        w.write(
            "findings",
            slug,
            f"""\
            id: {slug}
            audit: {AUDIT}
            title: {slug}
            status: resolved
            commits: {json.dumps(commits)}
            paths: {json.dumps(paths)}
            """,
        )
    w.write(
        "actions",
        "ACT-drop-routes-55555",
        f"""\
        id: ACT-drop-routes-55555
        title: drop routes
        todo: drop the dead routes
        status: done
        evidence:
          commit: infra@{infra_fix[:8]}
        source:
          audit: {AUDIT}
        """,
    )
    return w
