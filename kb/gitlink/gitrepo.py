"""The one seam to git: every question kb asks a repository goes through here (only the render
stamp asks kb.gitlink.tips directly, for the tips without GitPython's import).

Nothing else imports GitPython. Each question is one git process for any number of commits:
`cat-file --batch-check` resolves abbreviations, `log --no-walk --stdin` reads the facts of
resolved commits, and one `log --all` pass over history finds trailers and reverts. Only full
hashes that git itself printed, or references already checked against their pattern, are ever
written to git's stdin; nothing a record says is passed as an argument.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")  # no git on PATH is a GitError when used, not an ImportError
import git

from kb.gitlink.tips import tips

_HEX = re.compile(r"^[0-9a-f]{7,40}$")
_FULL = re.compile(r"^[0-9a-f]{40}$")
_REVERTS = re.compile(r"This reverts commit ([0-9a-f]{7,40})")
AMBIGUOUS = "ambiguous"
"""What `resolve` answers for an abbreviation that names more than one object."""


class GitError(Exception):
    """A repository cannot be opened or git failed; the message says which and why."""


def _said(stderr: object) -> str:
    """What git said on failing, in one line: its last `fatal:` line (GitPython wraps stderr in quotes)."""
    text = str(stderr).strip().removeprefix("stderr:").strip().strip("'")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    fatal = [line for line in lines if line.startswith("fatal:")]
    return (fatal or lines or ["(no message)"])[-1]


@dataclass(frozen=True)
class CommitInfo:
    """What git says about one commit: the facts a commit record stores."""

    hash: str
    subject: str
    author: str
    date: dt.datetime
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mention:
    """A commit whose message names records (trailers) or reverts another commit."""

    hash: str
    trailers: tuple[tuple[str, str], ...]
    reverts: str | None


class Repository:
    """An open git repository; use as a context manager so git processes end with it."""

    def __init__(self, path: Path) -> None:
        if shutil.which(git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git") is None:
            raise GitError(f"{path}: git is not installed or not on PATH")
        try:
            self._repo = git.Repo(path)
        except (git.NoSuchPathError, git.InvalidGitRepositoryError):
            raise GitError(f"{path}: not a git repository") from None
        self.path = path

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._repo.close()

    def _batch(self, args: list[str], lines: Collection[str]) -> bytes:
        """Run one git command that reads `lines` on stdin; its stdout."""
        if not lines:
            return b""
        process = self._repo.git.execute(["git", *args], as_process=True, istream=subprocess.PIPE, with_stdout=True)
        out, err = process.communicate("".join(f"{line}\n" for line in lines).encode())
        if process.proc and process.proc.returncode:
            raise GitError(f"{self.path}: git {args[0]} failed: {_said(err.decode(errors='replace'))}")
        return bytes(out)

    def _log(self, *args: str) -> str:
        try:
            return str(self._repo.git.log(*args, stdout_as_string=True))
        except git.GitCommandError as err:
            raise GitError(f"{self.path}: git log failed: {_said(err.stderr)}") from None

    def resolve(self, prefixes: Collection[str]) -> dict[str, str | None]:
        """Full commit hash for each abbreviation, AMBIGUOUS, or None when no commit has it."""
        bad = [p for p in prefixes if not _HEX.match(p)]
        if bad:
            raise ValueError(f"not a hash: {bad[0]!r}")
        ordered = list(prefixes)
        lines = self._batch(["cat-file", "--batch-check=%(objectname) %(objecttype)"], ordered)
        answers: dict[str, str | None] = {}
        for prefix, line in zip(ordered, lines.decode().splitlines(), strict=True):
            name, _, kind = line.partition(" ")
            answers[prefix] = name if kind == "commit" else AMBIGUOUS if kind == AMBIGUOUS else None
        return answers

    def commits(self, hashes: Collection[str]) -> dict[str, CommitInfo]:
        """Subject, author, authored date and files changed (against the first parent) of full hashes."""
        bad = [h for h in hashes if not _FULL.match(h)]
        if bad:
            raise ValueError(f"not a full hash: {bad[0]!r}")
        out = self._batch(
            [
                "log",
                "-z",
                "--no-walk=unsorted",
                "--stdin",
                "--name-only",
                "--no-renames",
                "--diff-merges=first-parent",
                "--format=%x1e%H%x1f%an%x1f%aI%x1f%s",
            ],
            hashes,
        )
        found = {}
        for chunk in out.decode(errors="replace").split("\x1e")[1:]:
            header, _, names = chunk.partition("\0")
            info = _info(header, tuple(n for n in names.lstrip("\n").split("\0") if n))
            found[info.hash] = info
        return found

    def shallow_until(self) -> dt.datetime | None:
        """For a shallow clone (`git clone --depth N`), the latest authored date among its oldest
        commits, whose parents were not fetched: commits made up to then may be missing. None when
        the history is whole."""
        try:
            shallow = self._repo.git.rev_parse("--is-shallow-repository") == "true"
            where = self._repo.git.rev_parse("--git-path", "shallow") if shallow else None  # relative to the work tree
        except git.GitCommandError as err:
            raise GitError(f"{self.path}: git rev-parse failed: {str(err.stderr).strip()}") from None
        if where is None:
            return None
        boundary = Path(self._repo.working_dir or self.path, where)
        hashes = [h for h in boundary.read_text(encoding="ascii").split() if _FULL.match(h)]
        out = self._batch(["log", "--no-walk=unsorted", "--stdin", "--format=%aI"], hashes)
        dates = [dt.datetime.fromisoformat(line) for line in out.decode().split()]
        return max(dates, default=dt.datetime.now(dt.UTC))

    def tips(self) -> list[str]:
        """The full hashes `--all` starts from: every ref, and HEAD."""
        return tips(self.path) or []

    def dropped(self, tips: Collection[str]) -> bool:
        """True when history reachable from these earlier tips is gone or no longer on any ref."""
        if any(not _FULL.match(t) for t in tips):
            return True
        try:
            out = self._repo.git.execute(["git", "rev-list", "--count", *tips, "--not", "--all"], stdout_as_string=True)
        except git.GitCommandError:  # a tip was garbage-collected
            return True
        return str(out).strip() != "0"

    def mentions(self, trailer_keys: Collection[str], since: Collection[str] = ()) -> Iterator[Mention]:
        """Commits on any branch whose message has one of the trailers or says it reverts a commit.

        One pass over history (or over what is new since the tips `since`); git's own --grep
        and trailer parser pick the commits out.
        """
        if any(not _FULL.match(t) for t in since):
            raise ValueError("since: full hashes only")
        keys = {k.lower() for k in trailer_keys}
        # fixed strings are the fastest grep; git's trailer parser then drops any false match
        greps = [f"--grep={k}:" for k in sorted(keys)] + ["--grep=This reverts commit"]
        fmt = "--format=%x1e%H%x1f%(trailers:only,unfold)%x1f%B"
        out = self._log("-i", "-F", *greps, fmt, "--all", *(["--not", *since] if since else []))
        for chunk in out.split("\x1e")[1:]:
            hash_, trailers, body = chunk.split("\x1f", 2)
            pairs = []
            for line in trailers.splitlines():
                key, sep, value = line.partition(":")
                if sep and key.strip().lower() in keys:
                    pairs.append((key.strip(), value.strip()))
            reverted = _REVERTS.search(body)
            if pairs or reverted:
                yield Mention(hash_, tuple(pairs), reverted.group(1) if reverted else None)

    def history(self) -> Iterator[CommitInfo]:
        """Every commit on any branch, newest first, without files (one pass, for the audit window)."""
        out = self._log("--all", "--format=%x1e%H%x1f%an%x1f%aI%x1f%s")
        for chunk in out.split("\x1e")[1:]:
            yield _info(chunk.rstrip("\n"), ())


def last_commit_day(path: Path) -> dt.date | None:
    """The day of the last commit that changed `path` (its committer's date), or None when git
    has none: no git, no repository, or the file was never committed.

    A plain `git log` in the file's folder, so any repository the file is in will do.
    """
    try:
        done = subprocess.run(
            ["git", "log", "-1", "--format=%cI", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    stamp = done.stdout.strip()
    return dt.datetime.fromisoformat(stamp).date() if done.returncode == 0 and stamp else None


def _info(header: str, files: tuple[str, ...]) -> CommitInfo:
    hash_, author, date, subject = header.split("\x1f", 3)
    return CommitInfo(hash_, subject, author, dt.datetime.fromisoformat(date), files)
