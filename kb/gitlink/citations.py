"""What the stored records say about commits, for rendering: no git needed, no GitPython imported.

A record's commits are the ones it cites plus the ones whose message names it in a trailer
(`kb link` stores those on the commit record's `records`), so templates show both the same way.
"""

from __future__ import annotations

from kb.records.models import Action, Audit, Commit, Finding, Record, Stored
from kb.store.loader import KnowledgeBase

FieldPath = tuple[str | int, ...]


def cited(record: Stored) -> list[tuple[FieldPath, str]]:
    """The commit references a record writes, with the field that holds each, in its own order."""
    if isinstance(record, (Finding, Audit)):
        return [(("commits", i), text) for i, text in enumerate(record.commits)]
    if isinstance(record, Action) and record.evidence and record.evidence.commit:
        return [(("evidence", "commit"), record.evidence.commit)]
    return []


def commits_of(kb: KnowledgeBase, record: Record) -> list[Commit]:
    """The stored commits a record cites, then those linked to it by a trailer; each once."""
    found: list[Commit] = []
    for _, text in cited(record):
        commit = kb.cited_commit(text)
        if commit is not None and commit not in found:
            found.append(commit)
    found += [c for c in kb.commits_naming.get(record.id, []) if c not in found]
    return found


def reverted_fixes(kb: KnowledgeBase, finding: Finding) -> list[Commit]:
    """The finding's fix commits that a later commit reverted: non-empty means it regressed."""
    return [c for c in commits_of(kb, finding) if c.reverted_by]
