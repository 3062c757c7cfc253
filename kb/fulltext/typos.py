"""Typo tolerance: a query word of five letters or more that no record has is read as the indexed
word it is one typing slip from (two, from eight letters on).

The candidates are the index's own vocabulary (FTS5's `fts5vocab`, stemmed words), read only
for the words starting with the query word's first letter or its second (a slip in the first
letter), which SQLite answers from the index's term order without reading the rest. Distance
counts insertions, deletions, substitutions and swaps of neighbours (optimal string alignment).
Standard library only.
"""

from __future__ import annotations

import sqlite3

from kb.fulltext.synonyms import base

MIN_LETTERS = 5
"""Shorter words are left alone: a slip in a short word makes another word."""
LONG_LETTERS = 8
"""From this length on, two slips are forgiven."""
MAX_CORRECTIONS = 3
VOCABULARY = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocabulary USING fts5vocab(main, fts, 'row')"


def distance(a: str, b: str, limit: int) -> int:
    """The optimal string alignment distance of `a` and `b`, or `limit + 1` once it is sure to exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]


def allowed(word: str) -> int:
    """How many slips a word may have: none under MIN_LETTERS letters, then one, then two."""
    return 0 if len(word) < MIN_LETTERS else 1 if len(word) < LONG_LETTERS else 2


def corrections(conn: sqlite3.Connection, word: str) -> list[str]:
    """The indexed (stemmed) words `word` is the fewest slips from, most common first; none if it
    is too short or nothing indexed is near enough."""
    limit = allowed(word)
    if not limit:
        return []
    conn.execute(VOCABULARY)
    forms = {word, base(word)}
    found: dict[str, tuple[int, int]] = {}
    for first in dict.fromkeys(word[:2]):
        rows = conn.execute(
            "SELECT term, doc FROM temp.vocabulary WHERE term >= ? AND term < ?", (first, first + "\U0010ffff")
        )
        for term, docs in rows:
            slips = min(distance(form, term, limit) for form in forms)
            if slips <= limit:
                found[term] = (slips, -docs)
    best = min((slips for slips, _ in found.values()), default=None)
    return sorted((t for t, (s, _) in found.items() if s == best), key=lambda t: found[t])[:MAX_CORRECTIONS]
