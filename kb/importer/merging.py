"""One finding told twice: a tracker row and its detailed section, or a summary and a detailed report.

Two finding drafts are the same finding when every distinctive word of the shorter title is
in the longer one (two words at least), or, within one report, when their references match
('GW-01', '3') and their titles share a word. Merged, the draft keeps every field either gave: where both give a
value, the preferred one's stays and differing text from the other is kept beside it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from kb.importer import match
from kb.importer.labels import ref_key
from kb.importer.mdblocks import Draft
from kb.importer.parsed import Parsed

_TEXTS = ("symptom", "root_cause", "fix", "investigation", "verification", "takeaway")
_SCALARS = ("severity", "severity_word", "status", "discovery", "duration", "context", "found")
_LISTS = ("commits", "components", "paths", "tags")


def title_words(draft: Draft) -> frozenset[str]:
    return _words(str(draft.data.get("title", "")))


@cache
def _words(title: str) -> frozenset[str]:
    """A title's distinctive words, worked out once per title: a folder compares each many times."""
    return match.tokens(title)


def same(a: Draft, b: Draft, refs: bool = True) -> bool:
    """True when two drafts describe one finding (see the module docstring).

    References count only with `refs`: within one report, where '3' names one finding; two
    reports number their findings each on their own.
    """
    left, right = title_words(a), title_words(b)
    if refs and a.ref and b.ref and ref_key(a.ref) == ref_key(b.ref) and left & right:
        return True
    small, large = sorted((left, right), key=len)
    return bool(small) and (left == right or (small <= large and len(small) >= 2))


def combine(into: Draft, other: Draft, prefer_other: bool) -> None:
    """Fold `other` into `into`; with `prefer_other`, its values win where both have one."""
    data, more = into.data, other.data
    for name in _SCALARS:
        if more.get(name) is not None and (data.get(name) is None or prefer_other):
            data[name] = more[name]
    for name in _LISTS:
        merged = list(dict.fromkeys([*data.get(name, []), *more.get(name, [])]))
        data[name] = [p for p in merged if not (name == "paths" and any(q.startswith(f"{p}:") for q in merged))]
    for name in _TEXTS:
        _text(data, name, more.get(name), prefer_other)
    _title(data, str(more["title"]))
    into.ref = into.ref or other.ref
    into.also += [*other.also]
    other.merged_into = into


def _text(data: dict[str, Any], name: str, value: str | None, prefer: bool) -> None:
    if not value or value == data.get(name):
        return
    if not data.get(name):
        data[name] = value
    else:
        first, second = (value, data[name]) if prefer else (data[name], value)
        data[name] = f"{first}\n\n{second}"


def _title(data: dict[str, Any], other: str) -> None:
    """The longer title names the finding; a differing shorter one is kept in the symptom."""
    mine = str(data["title"])
    longer, shorter = (other, mine) if len(match.tokens(other)) > len(match.tokens(mine)) else (mine, other)
    data["title"] = longer
    if not match.tokens(shorter) <= match.tokens(longer):
        _text(data, "symptom", f"Also listed as: {shorter}", False)


def merge_rows(parsed: Parsed) -> None:
    """A tracker row and the detailed section about the same issue become one finding.

    The one earlier in the report keeps its place (and line); the section's values win.
    """
    sections = [d for d in parsed.findings if d.origin != "row"]
    for row in [d for d in parsed.findings if d.origin == "row"]:
        found = next((d for d in sections if d.merged_into is None and same(row, d)), None)
        if found is None:
            continue
        first, second = sorted((row, found), key=lambda d: d.line)
        combine(first, second, prefer_other=second is found)
        sections.remove(found)
