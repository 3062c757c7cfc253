"""The secret gate: credentials pasted into a record never reach a rendered document.

Audit notes written right after a credential rotation are exactly where tokens get pasted, so
every string of every record is scanned before anything is rendered. Each rule is a pattern
for a known credential format, plus one for high-entropy values assigned to key-like names.
A record's `allow_secrets` lets an exact string through; commit hashes are never secrets.

A file found clean is remembered by the stamp the parse cache keys on (mtime_ns, size, inode,
settled past the racy window) and is not scanned again while it and the scanning code (these
rules, the parsing and models that turn a file into a record) stay the same.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from kb.check.diagnostics import Diagnostic
from kb.speed.parsecache import Stamp
from kb.store.atomic import replace_atomic_bytes
from kb.store.loader import Entry, KnowledgeBase

SCAN_CACHE = "secret-scan.marshal"

COMMIT_HASH = re.compile(r"^[0-9a-f]{7,40}$")
PLACEHOLDER = re.compile(
    r"^(?:\*+|x+|\.{3}|<[^>]*>|\$\{?\w+\}?|\{\{.*\}\}|%\(?\w+\)?s?|changeme|redacted|secret|password|token)$",
    re.IGNORECASE,
)
SKIPPED_FIELDS = frozenset({"allow_secrets"})


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _looks_random(value: str) -> bool:
    classes = sum(bool(re.search(p, value)) for p in ("[a-z]", "[A-Z]", "[0-9]"))
    return len(value) >= 12 and classes >= 2 and entropy(value) >= 3.0


def _not_placeholder(value: str) -> bool:
    return not PLACEHOLDER.match(value)


@dataclass(frozen=True)
class Rule:
    """One kind of credential: a pattern whose `secret` group (or whole match) is the credential."""

    name: str
    description: str
    pattern: re.Pattern[str]
    accept: Callable[[str], bool] = lambda value: True


RULES: tuple[Rule, ...] = (
    Rule("private-key", "a private key block", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    Rule("aws-access-key", "an AWS access key ID", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    Rule(
        "github-token",
        "a GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
    ),
    Rule("gitlab-token", "a GitLab token", re.compile(r"\bgl(?:pat|dt|rt|cbt|ptt)-[A-Za-z0-9_-]{20,}")),
    Rule("slack-token", "a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    Rule("slack-webhook", "a Slack webhook URL", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}")),
    Rule("google-api-key", "a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    Rule("stripe-key", "a Stripe secret key", re.compile(r"\b[sr]k_live_[0-9A-Za-z]{16,}")),
    Rule(
        "password-in-url",
        "a password in a URL",
        re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:(?P<secret>[^/\s@]+)@", re.IGNORECASE),
        _not_placeholder,
    ),
    Rule(
        "secret-assignment",
        "a high-entropy value under a key-like name",
        re.compile(
            r"\b[\w.-]*(?:token|secret|passw(?:or)?d|pwd|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)"
            r"[\"']?\s*[:=]\s*[\"']?(?P<secret>[^\s\"',;]+)",
            re.IGNORECASE,
        ),
        _looks_random,
    ),
)

KEYWORDS = (
    *("private key", "akia", "asia", "abia", "acca", "github_pat_", "xox", "hooks.slack", "aiza", "k_live_", "://"),
    *("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "glpat-", "gldt-", "glrt-", "glcbt-", "glptt-"),
    *("token", "secret", "passw", "pwd", "credential"),
    *(f"{word}{sep}key" for word in ("api", "access", "private") for sep in ("", "_", "-")),
)
"""Lower-case words every rule's match contains: text without any skips the rules (most record text)."""


_KEYWORD = re.compile("|".join(map(re.escape, KEYWORDS)))


def _suspect(text: str) -> bool:
    return _KEYWORD.search(text.lower()) is not None


@dataclass(frozen=True)
class Hit:
    rule: Rule
    secret: str
    path: tuple[str | int, ...]


def _strings(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every string in a record with its field path; models, mappings and lists are walked."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for key, item in vars(value).items():
            if key not in SKIPPED_FIELDS:
                yield from _strings(item, (*path, key))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, (*path, i))


def find(text: str, allowed: frozenset[str] = frozenset()) -> Iterator[tuple[Rule, str]]:
    """The credentials in one string, as (rule, matched credential); allowed strings and hashes pass.

    A credential two rules both match is reported once, by the first (most specific) rule.
    """
    if not _suspect(text):
        return
    taken: list[tuple[int, int]] = []
    for rule in RULES:
        for match in rule.pattern.finditer(text):
            group = "secret" if "secret" in rule.pattern.groupindex else 0
            secret, (start, end) = match.group(group), match.span(group)
            if COMMIT_HASH.match(secret) or secret in allowed or match.group(0) in allowed:
                continue
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            if rule.accept(secret):
                taken.append((start, end))
                yield rule, secret


def hits(entry: Entry) -> Iterator[Hit]:
    """Every credential in one record's text (all fields but `allow_secrets`)."""
    allowed = frozenset(getattr(entry.record, "allow_secrets", ()))
    if not allowed and not _suspect(entry.record.model_dump_json(exclude=set(SKIPPED_FIELDS))):
        return  # one serialisation in pydantic's core costs less than walking the fields in Python
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


def _code_digest() -> str:
    """What a file's verdict depends on besides the file: the rules, and the parsing and models
    that turn a file into a record. Any change to kb's core modules counts (a few ms to read),
    and so does any change to RULES made at run time."""
    rules = [(r.name, r.pattern.pattern, r.pattern.flags, r.accept.__qualname__) for r in RULES]
    digest = hashlib.sha256(repr(rules).encode())
    for module in sorted(Path(__file__).parent.parent.rglob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()


class _CleanFiles:
    """Record files found clean before, by the stamp they had, stored as one marshal file."""

    def __init__(self, path: Path) -> None:
        self.path, self.code = path, _code_digest()
        self.known: dict[str, Stamp] = {}
        with contextlib.suppress(OSError, EOFError, ValueError, TypeError, AttributeError, KeyError):
            stored = marshal.loads(path.read_bytes())
            if stored["code"] == self.code:
                self.known = {key: tuple(stamp) for key, stamp in stored["clean"].items()}

    def save(self, clean: dict[str, Stamp], scanned: set[str]) -> None:
        """Keep this run's clean files if one is new or a stored file was not scanned (gone);
        never fails the scan. As with the parse cache, a file only too recent to keep is no
        reason to rewrite: its stored stamp is not the file's any more."""
        if any(self.known.get(key) != stamp for key, stamp in clean.items()) or not self.known.keys() <= scanned:
            with contextlib.suppress(OSError):  # a read-only checkout is only scanned in full each time
                replace_atomic_bytes(self.path, marshal.dumps({"code": self.code, "clean": clean}), durable=False)


def scan(kb: KnowledgeBase) -> list[Diagnostic]:
    """E602 for every credential-looking string in the knowledge base, in file order."""
    cache = _CleanFiles(kb.config.cache / SCAN_CACHE)
    clean: dict[str, Stamp] = {}
    scanned: set[str] = set()
    problems = []
    for entry in kb.all_entries():
        key = entry.location
        scanned.add(key)
        stamp = kb.settled.get(key)
        if stamp is not None and cache.known.get(key) == stamp:
            clean[key] = stamp
            continue
        found = list(hits(entry))
        if stamp is not None and not found:
            clean[key] = stamp
        for hit in found:
            line, column = _place(entry, hit.path, hit.secret)
            message = (
                f"{hit.rule.description} ({hit.rule.name}): {redact(hit.secret)}; remove it from the record, "
                "or add the exact string to allow_secrets if it is not a secret"
            )
            field = ".".join(str(p) for p in hit.path)
            problems.append(Diagnostic(entry.file, line, column, "E602", field, message))
    cache.save(clean, scanned)
    return sorted(problems)
