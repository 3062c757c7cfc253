"""Questions asked of live history: `kb validate --git`, and the commits an audit left unrecorded."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kb.check.diagnostics import Code, Diagnostic
from kb.gitlink.history import Key
from kb.gitlink.linking import Repositories, citations, facts, resolve
from kb.records.models import Commit, Finding
from kb.records.refs import CommitRef
from kb.store.config import Config
from kb.store.loader import Entry, KnowledgeBase


def check_git(kb: KnowledgeBase) -> Iterator[Diagnostic]:
    """Every cited commit exists, unambiguously, in its repository; fixes touch the finding's paths.

    A check for `validate(checks=...)`: W404 where a repository is not at hand, E501-E503 where
    a link is broken, W502 where a finding names paths that none of its fix commits changed.
    """
    cited = [c for c in citations(kb) if kb.config.repository(c.ref.repo)]  # check_commits reports the rest
    if not kb.config.repositories:
        message = "no repositories in kb.toml: commit links unverified (add [[repositories]] or pass --repo)"
        yield Diagnostic("kb.toml", 0, 0, Code.W404, "repositories", message)
    claims: list[tuple[Entry, Finding, list[Key]]] = []
    with Repositories(kb.config) as repos:
        resolution = resolve(repos, cited, Code.W404)
        for entry in kb.entries.get("finding", []):
            finding = entry.record
            assert isinstance(finding, Finding)
            refs = [CommitRef.parse(text) for text in finding.commits]
            keys = [(ref.repo, resolution.full[ref]) for ref in refs if ref in resolution.full]
            if finding.paths and keys:
                claims.append((entry, finding, keys))
        info = facts(repos, {key for _, _, keys in claims for key in keys})
    yield from resolution.problems
    for entry, finding, keys in claims:
        files = [f for key in keys if key in info for f in info[key].files]
        if not any(_touches(path, files) for path in finding.paths):
            line, column = entry.at("paths")
            message = f"none of its fix commits changed {', '.join(finding.paths)}"
            yield Diagnostic(entry.file, line, column, Code.W502, "paths", message)


def _touches(path: str, files: list[str]) -> bool:
    """True when a file is `path` or lies under it (`k8s/kyverno` covers `k8s/kyverno/values.yaml`);
    a line range after the path (`src/auth.ts:40-55`, as imports write it) is not part of it."""
    prefix = re.sub(r":\d+(?:-\d+)?$", "", path.strip()).removeprefix("./").strip("/")
    return any(f == prefix or f.startswith(prefix + "/") for f in files)


def unlinked_commits(config: Config, kb: KnowledgeBase) -> dict[str, list[dict[str, Any]]]:
    """Per audit ID, the commits authored within its days (inclusive) that no record cites.

    A commit counts as cited when a record or a commit record names it (any abbreviation), or
    its commit record holds trailer links. Repositories that are not at hand are skipped. Newest first.
    """
    cited: dict[str | None, set[str]] = {}
    for citation in citations(kb):
        cited.setdefault(citation.ref.repo, set()).add(citation.ref.hash)
    linked = {(c.repo, c.hash) for c in kb.of(Commit) if c.records}
    found: dict[str, list[dict[str, Any]]] = {audit.id: [] for audit in kb.audits}
    with Repositories(config) as repos:
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
