"""Real git repositories for tests: real commits through the git command line, no mocks."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

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
