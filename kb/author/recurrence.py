"""Possible recurrence: does a new finding look like one recorded before?

Cheap on purpose (it runs inside `kb new`): word sets and difflib, no index. Two findings look
alike when they share a component and their titles are similar, or when they share a tag and
their root causes share enough words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from kb.records.models import Finding
from kb.store.catalog import RawRecord

TITLE_SIMILARITY = 0.6
ROOT_CAUSE_OVERLAP = 0.3
STOP_WORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "its"}
    | {"no", "not", "of", "on", "or", "the", "to", "was", "were", "with"}
)


@dataclass(frozen=True)
class Hint:
    """An earlier finding the new one resembles, and why."""

    id: str
    title: str
    score: float
    reason: str

    def advice(self, where: str) -> str:
        """The warning, in words, for a new finding written to `where` (no full stop: callers add more)."""
        return (
            f"Possible recurrence of {self.id} ({self.title!r}): {self.reason}. To link them, add "
            f"`recurrence_of: {self.id}` to {where}"
        )


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP_WORDS and len(w) > 1}


def token_similarity(a: str, b: str) -> float:
    """How alike two titles are, ignoring word order and small words (0 to 1)."""
    left, right = words(a), words(b)
    if not left or not right:
        return 0.0
    sequence = SequenceMatcher(None, " ".join(sorted(left)), " ".join(sorted(right))).ratio()
    return max(sequence, len(left & right) / min(len(left), len(right)) if left & right else 0.0)


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _lower(values: Iterable[str]) -> set[str]:
    return {v.strip().lower() for v in values if v.strip()}


def hints(new: Finding, earlier: Iterable[RawRecord], limit: int = 3) -> list[Hint]:
    """Earlier findings the new one may repeat, most alike first."""
    components = _lower(new.components)
    tags = _lower(new.tags)
    cause = words(new.root_cause or "")
    found = []
    for old in earlier:
        if old.id in (new.id, new.recurrence_of):
            continue
        title_score = token_similarity(new.title, old.text("title"))
        shared_components = components & _lower(old.words("components"))
        if shared_components and title_score >= TITLE_SIMILARITY:
            reason = f"same component ({', '.join(sorted(shared_components))}) and a similar title"
            found.append(Hint(old.id, old.text("title"), 1 + title_score, reason))
            continue
        shared_tags = tags & _lower(old.words("tags"))
        cause_score = _overlap(cause, words(old.text("root_cause")))
        if shared_tags and cause_score >= ROOT_CAUSE_OVERLAP:
            reason = f"shared tags ({', '.join(sorted(shared_tags))}) and root-cause words"
            found.append(Hint(old.id, old.text("title"), cause_score, reason))
    return sorted(found, key=lambda h: (-h.score, h.id))[:limit]
