"""Record IDs and commit references: one parser and one printer each.

Standard library only, so the fast commands (search, pickup) can use it without pydantic.
"""

from __future__ import annotations

import re
from typing import NamedTuple

ID_PATTERN = r"^[A-Z]{1,5}-[a-z0-9]+(?:-[a-z0-9]+)*$"
"""A record ID: kind prefix, a slug of the title, and a random suffix (`F-grafana-crashloop-7k2mq`)."""

COMMIT_REF_PATTERN = r"^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,63}@)?[0-9a-f]{7,40}$"
"""A commit reference: an abbreviated or full hash, optionally `REPO@` another repository."""

_ID_RE = re.compile(ID_PATTERN)
_COMMIT_RE = re.compile(COMMIT_REF_PATTERN)
_SUFFIX_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
SUFFIX_LENGTH = 5
SLUG_WORDS = 6
SLUG_CHARS = 60
"""Longest slug: a file is named by its ID, and file names have room for 255 bytes."""


def is_record_id(text: str) -> bool:
    return bool(_ID_RE.match(text))


def slugify(text: str, max_words: int = SLUG_WORDS) -> str:
    """Lower-case ASCII words of `text` joined by dashes, at most `max_words` of them and
    SLUG_CHARS characters (cut at a dash where there is one)."""
    import unicodedata  # only minting needs it, like `secrets` below

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = "-".join(words[:max_words])
    if len(slug) > SLUG_CHARS:
        cut = slug[: SLUG_CHARS + 1].rfind("-")
        slug = slug[:cut] if cut > 0 else slug[:SLUG_CHARS]
    return slug or "record"


def new_id(prefix: str, title: str) -> str:
    """A fresh, readable ID that two branches cannot both mint (25 random bits)."""
    import secrets  # only minting needs it: keeps the start-up of the fast commands lean

    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
    return f"{prefix}-{slugify(title)}-{suffix}"


class CommitRef(NamedTuple):
    """A commit in a named repository (`None` is the default repository)."""

    repo: str | None
    hash: str

    @classmethod
    def parse(cls, text: str) -> CommitRef:
        """Parse `HASH` or `REPO@HASH`; raises ValueError on anything else, before git sees it."""
        if not isinstance(text, str) or not _COMMIT_RE.match(text):
            raise ValueError(f"not a commit reference: {text!r} (expected 7-40 hex digits, optionally REPO@)")
        repo, _, hash_ = text.rpartition("@")
        return cls(repo or None, hash_)

    def __str__(self) -> str:
        return f"{self.repo}@{self.hash}" if self.repo else self.hash

    def matches(self, other: CommitRef) -> bool:
        """True when both name the same repository and one hash abbreviates the other."""
        return self.repo == other.repo and (self.hash.startswith(other.hash) or other.hash.startswith(self.hash))
