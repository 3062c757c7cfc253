"""Words that mean the same to the people asking: kb's table (synonyms.txt) and kb.toml's additions.

A search expands each query word (or run of words) that is a term of a group with the group's
other terms, so "the worker can't reach the apiserver" finds the record that says node and api.
The site cannot expand a query, so its search entries carry the other terms of each group their
own words belong to (`kb.publish.searchindex`). Standard library only: `kb search` starts on it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

TABLE = Path(__file__).with_name("synonyms.txt")
_WORD = re.compile(r"[^\W_]+")
_ENDINGS = ("ing", "ed", "es", "s")
"""What `base` takes off a word before comparing it with a term: 'restarting' is 'restart'."""


class Term(NamedTuple):
    """One term of a group: its words, and whether the last one also matches the words it begins."""

    words: tuple[str, ...]
    prefix: bool = False

    @classmethod
    def parse(cls, text: str) -> Term | None:
        words = tuple(_WORD.findall(text.lower()))
        return cls(words, text.strip().endswith("*")) if words else None

    def matches(self, words: Sequence[str]) -> bool:
        """Whether `words` (as many as this term has) say this term."""
        if len(words) != len(self.words):
            return False
        *head, last = self.words
        if list(words[:-1]) != head:
            return False
        return words[-1].startswith(last) if self.prefix else base(words[-1]) == base(last)


def base(word: str) -> str:
    """`word` without a common English ending, to compare with a term: a query says 'probes',
    the table 'probe'. Short words are kept whole."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def parse(lines: Iterable[str]) -> list[tuple[Term, ...]]:
    """The groups of a table's lines (comments and blank lines skipped); a group needs two terms."""
    groups = []
    for line in lines:
        if line.lstrip().startswith("#"):
            continue
        terms = tuple(t for t in map(Term.parse, line.split(",")) if t is not None)
        if len(terms) >= 2:
            groups.append(terms)
    return groups


def problem(line: str) -> str | None:
    """Why one kb.toml line is not a group, else None."""
    if len(parse([line])) != 1:
        return f"{line!r} is not a group: write two or more terms separated by commas"
    return None


class Synonyms:
    """The groups of the shipped table and of kb.toml, and the expansions they give."""

    def __init__(self, groups: Sequence[tuple[Term, ...]]) -> None:
        self.groups = groups
        self.longest = max((len(t.words) for g in groups for t in g), default=1)
        self._exact: dict[str, set[int]] = {}
        self._prefix: dict[str, set[int]] = {}
        self._phrases: list[tuple[tuple[str, ...], int]] = []
        for number, group in enumerate(groups):
            for term in group:
                if len(term.words) > 1:
                    self._phrases.append((term.words, number))
                else:
                    index = self._prefix if term.prefix else self._exact
                    index.setdefault(term.words[0], set()).add(number)

    def expand(self, words: Sequence[str], skip: Collection[str] = ()) -> list[Term]:
        """The terms a query of `words` (lower case, in order) also looks for: the other terms of
        every group one of its words, or a run of them, belongs to; a word in `skip` alone brings none."""
        found: list[Term] = []
        for start in range(len(words)):
            for size in range(1, min(self.longest, len(words) - start) + 1):
                run = words[start : start + size]
                if size == 1 and run[0] in skip:
                    continue
                for group in self.groups:
                    if any(term.matches(run) for term in group):
                        found += [t for t in group if not t.matches(run) and t not in found]
        return found

    def related(self, words: Iterable[str]) -> list[str]:
        """The words of every group a term of which `words` say, less those words (for a site
        entry, whose search cannot expand a query): a phrase counts when all its words are there."""
        present = set(words)
        present |= {base(w) for w in present}
        said: set[int] = set()
        for word in present:
            said.update(self._exact.get(word, ()))
            for end in range(1, len(word) + 1):
                said.update(self._prefix.get(word[:end], ()))
        said.update(g for phrase, g in self._phrases if present.issuperset(phrase))
        found = dict.fromkeys(w for g in sorted(said) for term in self.groups[g] for w in term.words)
        return [word for word in found if word not in present]


@lru_cache(maxsize=8)
def synonyms(extra: tuple[str, ...] = ()) -> Synonyms:
    """kb's table with the groups of kb.toml's `[search] synonyms` added."""
    return Synonyms(parse(TABLE.read_text(encoding="utf-8").splitlines()) + parse(extra))
