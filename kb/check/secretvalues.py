"""How the secret scan judges a value it found: a placeholder, a resource name, random, a password.

The generic rules (a value under a key-like name) have no format to match, so these decide: a
token is long, mixed and high in entropy; a password is what someone would choose, not a word, a
number, a path or a placeholder; and the name it is under must name the credential itself
(`api_key`, `DB_PASSWORD`), not something about it (`secretName`, `token_url`, `password_file`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


PLACEHOLDER = re.compile(
    r"(?:\*+|x+|\.{3}|…|-+|<[^>]*>?|\[[^\]]*\]|\$\{.*|\$\(.*|\$\w+|\{\{.*|%\(?\w+\)?s?|%\w+%|@\w+@"
    r"|[*x]*(?:redacted|removed|hidden|masked|omitted)[*x]*|changeme|changeit|secret|password|passwd|token"
    r"|none|null|nil|empty|unset|tbd|todo|n/a|dummy|example|your[\w-]*)",
    re.IGNORECASE,
)
"""A value that stands for a credential without being one: masks, template variables, `changeme`.

`changeme` and `changeit` are every vendor's documented default, not a leak of anything an
attacker would not try first, so they pass like `<redacted>` and `${DB_PASSWORD}` do."""

_WORDS = re.compile(r"[A-Za-z]+(?:[\s_./:-]+[A-Za-z]+)*")
"""Words only (`Rotated`, `see-vault/db`, `secretKeyRef`): prose or a reference, not a password."""
_NUMBERISH = re.compile(r"[v\d][\d.,:/%+x-]*[a-z]{0,3}", re.IGNORECASE)
"""A number, date, time, version, size or duration (`8080`, `2026-01-26`, `v1.33.6`, `90d`)."""
_PATH = re.compile(r"(?:~|\.{0,2})/[\w./-]*")
_NAME_WORD = re.compile(r"[a-z]*[g-z][a-z]*")
"""A segment with a letter no hex digit has: a word (`coredns`), not part of a hash or UUID."""
_SEGMENTS = re.compile(r"[-./_:]")


def placeholder(value: str) -> bool:
    return PLACEHOLDER.fullmatch(value.strip("'\"")) is not None


def name_like(value: str) -> bool:
    """A resource name with a short random suffix (`coredns-5d78c9869d-x7k2p`, `F-redis-auth-8fs4k`):
    lower-case segments, at least one of them a word, none longer than a pod-template hash."""
    segments = [s for s in _SEGMENTS.split(value.lower()) if s]
    return (
        len(segments) > 1
        and all(len(s) <= 10 and s.isalnum() for s in segments)
        and any(len(s) >= 3 and _NAME_WORD.fullmatch(s) for s in segments)
    )


def _classes(value: str) -> int:
    return sum(any(test(c) for c in value) for test in (str.islower, str.isupper, str.isdigit))


def looks_random(value: str) -> bool:
    """Long, mixed (two of lower case, upper case, digits) and high in entropy, and not a
    placeholder or a resource name: what a generated token looks like."""
    return (
        len(value) >= 12
        and _classes(value) >= 2
        and entropy(value) >= 3.0
        and not placeholder(value)
        and not name_like(value)
    )


def looks_like_password(value: str) -> bool:
    """What someone would choose as a password (`hunter2`, `Passw0rd!`, `20260126`), not words, a
    date or version, a path or a placeholder (`Rotated`, `v1.33.6`, `/run/secrets/db`, `${DB_PASSWORD}`).
    A password of letters alone (`letmein`) reads as a word and passes: prose would trip it too often."""
    value = value.strip("'\"")
    return (
        len(value) >= 6
        and not _WORDS.fullmatch(value)
        and not (_NUMBERISH.fullmatch(value) and not value.isdigit())
        and not _PATH.fullmatch(value)
        and not placeholder(value)
    )


_SECRET_KEY = re.compile(
    r"token|secret|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|client[_.-]?key|signing[_.-]?key"
    r"|encryption[_.-]?key|master[_.-]?key|(?<=[_.-])key$|credentials?|creds|auth(?![a-z])",
    re.IGNORECASE,
)
_PASSWORD_KEY = re.compile(r"passw(?:or)?d|passphrase|pwd|(?<![a-z])pass(?![a-z])", re.IGNORECASE)
NOT_SECRET_SUFFIX = re.compile(
    r"(?:[_.-]?(?:key|value)?[_.-]?(?:id|name|ref|url|uri|endpoint|file|path|dir|length|len|size|type|version"
    r"|count|ttl|expiry|expires|expiration|lifetime|duration|age|hash|checksum|digest|header|prefix|format|mode"
    r"|enabled|policy|policies|rotation|provider|source|store|manager|selector|field|from|mount|volume|template"
    r"|issuer|audience|scope|reset|required|changed|created|updated|rotated)s?)+",
    re.IGNORECASE,
)
"""What a key-like name may end with when it names something about a credential, not the credential
itself: `secretName`, `secretKeyRef`, `token_url`, `password_file`, `access_key_id_ref`."""
NOT_SECRET_PREFIX = re.compile(
    r"(?:checksum|hash|digest|sha\d*|fingerprint|public|pub|page|csrf|xsrf|cache|partition|sort|primary|foreign"
    r"|idempotency|object|bucket|s3|routing|lookup|shard|index|host|node|label|annotation|ssh|gpg|deploy)[/_.-]?$",
    re.IGNORECASE,
)
"""What comes before the credential word in a name for something public or not a credential at all:
`checksum/secret`, `public_key`, `next_page_token`, `cache_key`, `ssh_host_key`."""


def _credential_key(key: str, keyword: re.Pattern[str]) -> bool:
    """The key names a credential: its last credential word ends it, or is followed by more than
    a word about the credential, and is not preceded by one that makes it public."""
    found = list(keyword.finditer(key))
    if not found:
        return False
    last = found[-1]
    if NOT_SECRET_PREFIX.search(key[: last.start()]):
        return False
    rest = key[last.end() :]
    return not rest or not NOT_SECRET_SUFFIX.fullmatch(rest)


def secret_under_key(secret: str, key: str) -> bool:
    return not _PASSWORD_KEY.search(key) and _credential_key(key, _SECRET_KEY) and looks_random(secret)


def password_under_key(secret: str, key: str) -> bool:
    return _credential_key(key, _PASSWORD_KEY) and looks_like_password(secret)


Accept = Callable[[str, str], bool]
"""A rule's last word on a match, given the credential and the key-like name it is under ("" if none)."""


def anything(secret: str, key: str) -> bool:
    return True


def not_placeholder(secret: str, key: str) -> bool:
    return not placeholder(secret)
