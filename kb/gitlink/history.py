"""What history says about records: trailer links and reverts, from one pass per repository.

A pass reads every commit message of every branch (git's --grep does the reading), which is
the slow part of `kb link` on a long history, so its findings are cached in the kb cache
folder and the next run reads only the commits made since.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from kb.check.diagnostics import Code, Diagnostic
from kb.gitlink.gitrepo import Mention, Repository
from kb.records.refs import is_record_id
from kb.speed import filecache
from kb.store.config import Config

Key = tuple[str | None, str]
"""A commit as kb keys it: repository name as cited (None is the default) and full hash."""


@dataclass
class History:
    """What one pass over each repository's history says about records and reverts."""

    links: dict[Key, set[str]] = field(default_factory=dict)
    reverted_by: dict[Key, str] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)


def scan_history(config: Config, repos: list[tuple[str | None, Repository]]) -> dict[str | None, list[Mention]]:
    """The commits of each repository that carry trailers or revert something, by name as cited."""
    return {name: _scan(config, name, repo) for name, repo in repos}


def _scan(config: Config, name: str | None, repo: Repository) -> list[Mention]:
    """Mentions from the cache plus a pass over what is new, or one pass over all of history.

    The cache is used only for the same repository and trailer names (and kb's code and
    libraries: see kb.speed.filecache), and only when nothing it was built from has since left
    every branch (a force-push or a deleted branch).
    """
    path = config.cache / "history" / f"{name or 'default'}.marshal"
    key = filecache.key("history", str(repo.path.resolve()), *config.trailers)
    tips = repo.tips()
    cached = filecache.read(path, key)
    if cached is not None and not repo.dropped(cached["tips"]):
        new = list(repo.mentions(config.trailers, since=cached["tips"]))
        seen = {m.hash for m in new}
        mentions = new + [Mention(*m) for m in cached["mentions"] if m[0] not in seen]
    else:
        mentions = list(repo.mentions(config.trailers))
    filecache.write(path, key, {"tips": tips, "mentions": [(m.hash, m.trailers, m.reverts) for m in mentions]})
    return mentions


def read_history(scanned: dict[str | None, list[Mention]], known_ids: set[str]) -> History:
    """Trailer links to known records, and reverts that were not themselves reverted."""
    history = History()
    for name, mentions in scanned.items():
        history.links.update(_trailer_links(name, mentions, known_ids, history.problems))
        reverts = {m.reverts: m.hash for m in mentions if m.reverts}
        for reverted, reverter in reverts.items():
            if not any(reverter.startswith(r) for r in reverts):  # a revert of the revert reinstates it
                history.reverted_by[(name, reverted)] = reverter
    return history


def _trailer_links(
    name: str | None, mentions: list[Mention], known_ids: set[str], problems: list[Diagnostic]
) -> Iterator[tuple[Key, set[str]]]:
    for mention in mentions:
        ids = set()
        for key, value in mention.trailers:
            for token in value.replace(",", " ").split():
                if token in known_ids:
                    ids.add(token)
                elif is_record_id(token):
                    where = f"{name}@{mention.hash}" if name else mention.hash
                    problems.append(Diagnostic(where, 0, 0, Code.W503, key, f"trailer names {token}, no such record"))
        if ids:
            yield (name, mention.hash), ids


def reverter(history: History, key: Key) -> str | None:
    """The commit that reverts `key`, matching a revert message's abbreviated hash too."""
    name, full = key
    found = history.reverted_by.get(key)
    return found or next((r for (n, h), r in history.reverted_by.items() if n == name and full.startswith(h)), None)
