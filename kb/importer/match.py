"""Telling which lines of a report speak of the same thing, by the distinctive words they share.

Reports repeat themselves: a remaining item and a pickup point name one follow-up in two
wordings ("agents.madfam.io 502" and "Auto-Claude deployment: ... agents.madfam.io"), a lesson
restates the finding that taught it. Names such as `agents.madfam.io` or `dhanam-api` are kept
whole, common words are dropped, and plural or past forms are folded, so that two texts that
share two or more such words can be taken to mean the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_TOKEN = re.compile(r"[a-z0-9][a-z0-9_.:/+\-]*[a-z0-9]|[a-z0-9]")
_STOP_WORDS = """
a about after all also an and any are as at be been before being between but by can could
did do does doesn don't each for from had has have if in into is it its may more must
need needed needs no not now of on once only or other our should so some than that the their
them then there these this those to too up use used using via was we were when where which while
will with without would yet vs fix fixed consider infra set
"""
_STOP = frozenset(_STOP_WORDS.split())
MIN_SHARED = 2
"""Two texts must share at least this many distinctive words to be taken as the same thing."""


def _stem(word: str) -> str:
    if not word.isalpha() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def tokens(*texts: str | None) -> frozenset[str]:
    """The distinctive words of some texts: lower case, names kept whole, stop words dropped."""
    found: set[str] = set()
    for text in texts:
        if text:
            for word in _TOKEN.findall(text.lower()):
                if word not in _STOP and (len(word) > 1 or word.isdigit()) and word != "0":
                    found.add(_stem(word))
    return frozenset(found)


def score(a: frozenset[str], b: frozenset[str]) -> int:
    return len(a & b)


def best(needle: frozenset[str], haystack: Sequence[frozenset[str]]) -> int | None:
    """Index of the one text sharing the most words with `needle` (at least MIN_SHARED), if any."""
    scores = [score(needle, hay) for hay in haystack]
    top = max(scores, default=0)
    if top < MIN_SHARED or scores.count(top) > 1:
        return None
    return scores.index(top)


def related(needle: frozenset[str], haystack: Sequence[frozenset[str]]) -> list[int]:
    """Indexes of every text close to the best match: at least MIN_SHARED words and half the best."""
    scores = [score(needle, hay) for hay in haystack]
    top = max(scores, default=0)
    if top < MIN_SHARED:
        return []
    return [i for i, s in enumerate(scores) if s >= MIN_SHARED and 2 * s >= top]


def pairs(left: Sequence[frozenset[str]], right: Sequence[frozenset[str]]) -> dict[int, int]:
    """One-to-one matches between two lists, best-scoring pairs first: {left index: right index}."""
    scored = ((score(a, b), i, j) for i, a in enumerate(left) for j, b in enumerate(right))
    candidates = sorted((c for c in scored if c[0] >= MIN_SHARED), key=lambda c: (-c[0], c[1], c[2]))
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for _, i, j in candidates:
        if i not in matched and j not in taken:
            matched[i] = j
            taken.add(j)
    return matched
