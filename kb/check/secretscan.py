"""The secret gate: credentials pasted into a record never reach a rendered document.

Audit notes written right after a credential rotation are exactly where tokens get pasted, so
every string of every record, mapping keys included, is scanned before anything is rendered,
by the rules of kb/check/secretrules.py. A record's `allow_secrets` lets an exact string
through; a commit hash is exempt only in the fields that hold commits.

A file found clean is noted in its parse-cache entry (kb.speed.parsecache) and is not scanned
again while that entry stands: while the file keeps its stamp and kb's code (these rules, the
parsing and models that turn a file into a record) and libraries stay the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from kb.check.diagnostics import Code, Diagnostic
from kb.check.secretrules import COMMIT_FIELDS, RULES, Rule
from kb.records.refs import COMMIT_REF_PATTERN
from kb.store.loader import Entry, KnowledgeBase

SKIPPED_FIELDS = frozenset({"allow_secrets"})
_COMMIT_REF = re.compile(COMMIT_REF_PATTERN)


def _trie(words: set[str]) -> re.Pattern[str]:
    """A pattern for any of `words`, no one of them inside another, as a trie: a shared prefix is
    tried once, so a hundred keywords cost the search little more than ten."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})

    def branches(node: dict[str, Any]) -> str:
        parts = [re.escape(char) + branches(child) for char, child in sorted(node.items())]
        return parts[0] if len(parts) == 1 else f"(?:{'|'.join(parts)})" if parts else ""

    return re.compile(branches(root) or "(?!)")


def _gate(rules: tuple[Rule, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Every rule's keywords as two patterns: the lower-case ones, for lower-cased text, and the
    others as written. A keyword holding a shorter one is left out: the shorter one finds its text.
    A rule without keywords runs on all text, so then every text is suspect."""
    if not all(rule.keywords for rule in rules):
        return re.compile(""), re.compile("")
    blind = {k for rule in rules for k in rule.keywords if k == k.lower()}
    blind = {k for k in blind if not any(other != k and other in k for other in blind)}
    exact = {k for rule in rules for k in rule.keywords if k != k.lower()}
    exact = {k for k in exact if not any(o != k and o in k for o in exact) and not any(b in k.lower() for b in blind)}
    return _trie(blind), _trie(exact)


_BLIND, _EXACT = _gate(RULES)


def _suspect(text: str) -> bool:
    """Some rule's keyword is in `text`: text without any (most record text) skips the rules."""
    return _BLIND.search(text.lower()) is not None or _EXACT.search(text) is not None


def _wakes(rule: Rule, text: str, lowered: str) -> bool:
    return not rule.keywords or any(k in (lowered if k == k.lower() else text) for k in rule.keywords)


FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Hit:
    rule: Rule
    secret: str
    path: FieldPath


def _strings(value: Any, path: FieldPath, commit: bool = False) -> Iterator[tuple[FieldPath, str]]:
    """Every string in a record with its field path, mapping keys included; models, mappings and
    lists are walked. A commit reference in a field that holds commits is no credential."""
    if isinstance(value, str):
        if not (commit and _COMMIT_REF.match(value)):
            yield path, value
    elif isinstance(value, BaseModel):
        model = type(value).__name__
        for key, item in vars(value).items():
            if key not in SKIPPED_FIELDS:
                yield from _strings(item, (*path, key), (model, key) in COMMIT_FIELDS)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, (*path, key))
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, (*path, i), commit)


def find(text: str, allowed: frozenset[str] = frozenset()) -> Iterator[tuple[Rule, str]]:
    """The credentials in one string, as (rule, matched credential); allowed strings pass.

    A credential two rules both match is reported once, by the first (most specific) rule.
    """
    if not _suspect(text):
        return
    lowered = text.lower()
    taken: list[tuple[int, int]] = []
    for rule in RULES:
        if not _wakes(rule, text, lowered):
            continue
        groups = rule.pattern.groupindex
        for match in rule.pattern.finditer(text):
            group = "secret" if "secret" in groups else 0
            secret, (start, end) = match.group(group), match.span(group)
            if secret in allowed or match.group(0) in allowed:
                continue
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            if rule.accept(secret, match.group("key") if "key" in groups else ""):
                taken.append((start, end))
                yield rule, secret


def hits(entry: Entry) -> Iterator[Hit]:
    """Every credential in one record's text, keys included (all fields but `allow_secrets`)."""
    allowed = frozenset(getattr(entry.record, "allow_secrets", ()))
    # One serialisation in pydantic's core costs less than walking the fields in Python; its
    # escaped quotes are put back, since a keyword may hold one (`"auth": "..."`).
    dumped = entry.record.model_dump_json(exclude=set(SKIPPED_FIELDS))
    if not allowed and not _suspect(dumped.replace('\\"', '"')):
        return
    for path, text in _strings(entry.record, ()):
        for rule, secret in find(text, allowed):
            yield Hit(rule, secret, path)


def redact(secret: str) -> str:
    """Enough of a credential to find it in the file, not enough to use it."""
    return f"{secret[:4]}… ({len(secret)} characters)"


def _place(entry: Entry, path: tuple[str | int, ...], secret: str) -> tuple[int, int]:
    """Line and column of the credential itself: a multi-line value starts lines above it."""
    line, column = entry.at(*path)
    try:
        lines = entry.path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return line, column
    for number in range(line, len(lines) + 1):
        found = lines[number - 1].find(secret[:40])
        if found >= 0:
            return number, found + 1
    return line, column


def scan(kb: KnowledgeBase) -> list[Diagnostic]:
    """E602 for every credential-looking string in the knowledge base, in file order."""
    clean: list[str] = []
    problems = []
    for entry in kb.all_entries():
        if kb.parsed.clean(entry.location):
            continue
        found = list(hits(entry))
        if not found:
            clean.append(entry.location)
        for hit in found:
            line, column = _place(entry, hit.path, hit.secret)
            message = (
                f"{hit.rule.description} ({hit.rule.name}): {redact(hit.secret)}; remove it from the record, "
                "or add the exact string to allow_secrets if it is not a secret"
            )
            field = ".".join(str(p) for p in hit.path)
            problems.append(Diagnostic(entry.file, line, column, Code.E602, field, message))
    kb.parsed.mark_clean(clean)
    kb.parsed.save()
    return sorted(problems)
