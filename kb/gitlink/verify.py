"""Questions asked of live history: `kb validate --git`, and the commits an audit left unrecorded."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kb.check.diagnostics import Code, Diagnostic, Stopped
from kb.gitlink.gitrepo import AMBIGUOUS, Repository
from kb.gitlink.history import Key
from kb.gitlink.linking import FETCH_ALL, SHALLOW_LISTED, Repositories, citations, facts, resolve
from kb.records.models import Commit, Finding
from kb.records.refs import CommitRef
from kb.store.config import Config
from kb.store.loader import Entry, KnowledgeBase, relative


def check_git(kb: KnowledgeBase) -> Iterator[Diagnostic]:
    """Every cited commit exists, unambiguously, in its repository; fixes touch the finding's paths.

    A check for `validate(checks=...)`: W404 where a repository is not at hand, E501-E503 where
    a link is broken, W406 for the commits a shallow clone's history does not reach, W502 where a
    finding names paths that none of its fix commits changed. The files a fix changed come from
    its commit record, and from git only for a commit without one, so a shallow clone gives the
    answer a full one does.
    """
    cited = [c for c in citations(kb) if kb.config.repository(c.ref.repo)]  # check_commits reports the rest
    if not kb.config.repositories:
        message = "no repositories in kb.toml: commit links unverified (add [[repositories]] or pass --repo)"
        yield Diagnostic("kb.toml", 0, 0, Code.W404, "repositories", message)
    claims: list[tuple[Entry, Finding, list[list[str]]]] = []
    asked: dict[Key, list[str]] = {}
    with Repositories(kb.config) as repos:
        resolution = resolve(repos, cited, Code.W404)
        for entry in kb.entries.get("finding", []):
            finding = entry.record
            assert isinstance(finding, Finding)
            if not finding.paths:
                continue
            changed = []
            for text in finding.commits:
                stored, ref = kb.cited_commit(text), kb.config.canonical(CommitRef.parse(text))
                if stored is not None and stored.files:
                    changed.append(stored.files)
                elif ref in resolution.full:
                    changed.append(asked.setdefault((ref.repo, resolution.full[ref]), []))
            if changed:
                claims.append((entry, finding, changed))
        for key, info in facts(repos, set(asked)).items():
            asked[key].extend(info.files)
    yield from resolution.problems
    for entry, finding, changed in claims:
        files = [f for files in changed for f in files]
        if not any(_touches(path, files) for path in finding.paths):
            line, column = entry.at("paths")
            message = f"none of its fix commits changed {', '.join(finding.paths)}"
            yield Diagnostic(entry.file, line, column, Code.W502, "paths", message)


def _touches(path: str, files: list[str]) -> bool:
    """True when a file is `path` or lies under it (`k8s/kyverno` covers `k8s/kyverno/values.yaml`);
    a line range after the path (`src/auth.ts:40-55`, as imports write it) is not part of it."""
    prefix = re.sub(r":\d+(?:-\d+)?$", "", path.strip()).removeprefix("./").strip("/")
    return any(f == prefix or f.startswith(prefix + "/") for f in files)


def unlinked_commits(config: Config, kb: KnowledgeBase, step: str) -> dict[str, list[dict[str, Any]]]:
    """Per audit ID, the commits authored within its days (inclusive) that no record cites.

    A commit counts as cited when a record or a commit record names it (any abbreviation), or
    its commit record holds trailer links. Repositories that are not at hand are skipped. Newest first.
    A shallow clone whose history may lack commits of an audit's days stops `step` (E505), saying
    how to fetch them: its answer would differ from a full clone's.
    """
    cited: dict[str | None, set[str]] = {}
    for citation in citations(kb):
        cited.setdefault(citation.ref.repo, set()).add(citation.ref.hash)
    linked = {(c.repo, c.hash) for c in kb.of(Commit) if c.records}
    found: dict[str, list[dict[str, Any]]] = {audit.id: [] for audit in kb.audits}
    with Repositories(config) as repos:
        short = [problem for name, repo in repos.available() if (problem := _too_shallow(repos, name, repo, kb))]
        if short:
            raise Stopped(step, short)
        for name, repo in repos.available():
            prefixes = cited.get(name, set())
            lengths = {len(p) for p in prefixes}
            for info in repo.history():
                if (name, info.hash) in linked or any(info.hash[:n] in prefixes for n in lengths):
                    continue
                day = info.date.date()
                for audit in kb.audits:
                    if audit.started <= day <= audit.last_day:
                        found[audit.id].append(
                            {
                                "repo": name,
                                "hash": info.hash,
                                "subject": info.subject,
                                "date": info.date.isoformat(),
                                "author": info.author,
                            }
                        )
    return found


def _too_shallow(repos: Repositories, name: str | None, repo: Repository, kb: KnowledgeBase) -> Diagnostic | None:
    """E505 when `repo` is a shallow clone whose history may lack commits made in an audit's days."""
    until = repo.shallow_until()
    short = [a for a in kb.audits if until is not None and a.started <= until.date()]
    if until is None or not short:
        return None
    spec = repos.config.repository(name)
    path = relative(repos.config, spec.path) if spec else "."
    days = ", ".join(f"{a.id} ({a.started} to {a.last_day})" for a in short[:SHALLOW_LISTED])
    message = (
        f"{repos.label(name)} is a shallow clone whose history stops at {until.date()}, but the reports of "
        f"{len(short)} audit(s) list the commits of their days that no record cites: {days}. Fetch the "
        f"history: git -C {path} fetch --unshallow ({FETCH_ALL})"
    )
    return Diagnostic("kb.toml", 0, 0, Code.E505, "repositories", message)


def commit_problem(config: Config, ref: CommitRef) -> str | None:
    """Why `ref` names no commit of its repository (none, or more than one), when the repository
    is at hand and its history whole enough to tell; else None."""
    ref = config.canonical(ref)
    with Repositories(config) as repos:
        repo = repos.get(ref.repo)
        answer = repo.resolve([ref.hash])[ref.hash] if repo is not None else ref.hash
        where = repos.label(ref.repo)
        if answer == AMBIGUOUS:
            return f"{ref.hash} matches more than one object in {where}; give more digits"
        if answer is None and not repos.shallow(ref.repo):
            return f"no commit {ref.hash} in {where} (a commit of another repository is written REPO@HASH)"
    return None
