"""What history says about records: trailer links and reverts, from one pass per repository.

A pass reads every commit message of every branch (git's --grep does the reading), which is
the slow part of `kb link` on a long history, so its findings are cached in the kb cache
folder and the next run reads only the commits made since.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kb.check.diagnostics import Diagnostic
from kb.gitlink.gitrepo import Mention, Repository
from kb.records.refs import is_record_id
from kb.store.atomic import replace_atomic
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

    The cache is used only for the same repository and trailer names, and only when nothing
    it was built from has since left every branch (a force-push or a deleted branch).
    """
    path = config.cache / "history" / f"{name or 'default'}.json"
    tips = repo.tips()
    cached = _read_cache(path, str(repo.path.resolve()), list(config.trailers))
    if cached is not None and not repo.dropped(cached[0]):
        new = list(repo.mentions(config.trailers, since=cached[0]))
        seen = {m.hash for m in new}
        mentions = new + [m for m in cached[1] if m.hash not in seen]
    else:
        mentions = list(repo.mentions(config.trailers))
    data = {
        "repo": str(repo.path.resolve()),
        "trailers": list(config.trailers),
        "tips": tips,
        "mentions": [[m.hash, [list(t) for t in m.trailers], m.reverts] for m in mentions],
    }
    with contextlib.suppress(OSError):  # read-only? then the next run scans all of history again
        replace_atomic(path, json.dumps(data), durable=False)
    return mentions


def _read_cache(path: Path, repo: str, trailers: list[str]) -> tuple[list[str], list[Mention]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["repo"] != repo or data["trailers"] != trailers:
            return None
        mentions = [Mention(h, tuple((str(k), str(v)) for k, v in t), r) for h, t, r in data["mentions"]]
        return [str(t) for t in data["tips"]], mentions
    except (OSError, ValueError, KeyError, TypeError):
        return None


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
                    problems.append(Diagnostic(where, 0, 0, "W503", key, f"trailer names {token}, no such record"))
        if ids:
            yield (name, mention.hash), ids


def reverter(history: History, key: Key) -> str | None:
    """The commit that reverts `key`, matching a revert message's abbreviated hash too."""
    name, full = key
    found = history.reverted_by.get(key)
    return found or next((r for (n, h), r in history.reverted_by.items() if n == name and full.startswith(h)), None)
