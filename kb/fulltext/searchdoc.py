"""Turning one record file's parsed YAML into the searchable document the index stores.

Works on the plain data kb.store.yamlread returns (every scalar a string), not on pydantic models, so
the search path never imports pydantic. Values that are record IDs or commit hashes go to the
exact-lookup references instead of the text, so an audit listing forty action IDs does not
match every word of their slugs; the words inside camelCase names are added to the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from kb.records.refs import CommitRef, is_record_id

SEVERITIES = ("critical", "high", "medium", "low", "info")
STATUSES = ("open", "mitigated", "resolved", "wontfix", "done", "dropped")
"""Finding severities and finding or action statuses, as `kb.records.models` declares them."""

_NOT_TEXT = {
    *("id", "hash", "repo", "tags", "imported_from", "allow_secrets"),
    *("severity", "discovery", "status", "impact", "priority", "outcome", "readiness"),
    *("started", "ended", "found", "resolved", "opened", "closed", "due", "taken", "date"),
}
"""Top-level fields kept out of the text: identity, provenance, and the values filters and dates
cover (so snippets show prose, not `critical planned resolved`)."""
_TITLE_KEYS = {"commit": "subject"}
_DATE_KEYS = {
    "audit": ("ended", "started"),
    "finding": ("found", "resolved", "started"),
    "commit": ("date",),
    "lesson": (),
    "action": ("closed", "opened"),
    "snapshot": ("taken",),
}
"""Fields giving a record's date, first present wins; otherwise its audit's date counts."""


class Document(NamedTuple):
    """What the index keeps of one record: display fields, filter fields, text and references."""

    kind: str
    id: str
    title: str
    date: str | None
    audit: str | None
    severity: str | None
    status: str | None
    confirmations: int
    tags: list[str]
    body: str
    own: list[str]
    cites: list[str]


def hash_of(text: str) -> str | None:
    """The hash part of a commit reference (`abc1234` or `repo@abc1234`), or None."""
    try:
        return CommitRef.parse(text).hash
    except ValueError:
        return None


def _strings(value: Any) -> Iterator[str]:
    """Every string leaf, depth first in file order."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


_CAMEL = re.compile(r"\b[A-Za-z]*[a-z][A-Z][A-Za-z]*\b")
_HUMP = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _camel_parts(text: str) -> str:
    """The words inside camelCase names (`cleanupJobs` is cleanup Jobs), so a search for the
    words finds the name, as the site's search (which splits them too) does."""
    return " ".join(dict.fromkeys(_HUMP.sub(" ", name) for name in _CAMEL.findall(text)))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def document(kind: str, data: dict[str, Any], fallback_id: str) -> Document:
    """The search document of one record's data; `fallback_id` (the file stem) if it has no ID."""
    title_key = _TITLE_KEYS.get(kind, "title")
    if kind == "commit":
        commit_hash = str(data.get("hash") or fallback_id)
        repo = _text(data.get("repo"))
        record_id = f"{repo}@{commit_hash}" if repo else commit_hash
        own = [commit_hash]
    else:
        record_id = _text(data.get("id")) or fallback_id
        own = [record_id]
    source = data.get("source")
    audit = _text(data.get("audit")) or (_text(source.get("audit")) if isinstance(source, dict) else None)
    date = next((str(data[key])[:10] for key in _DATE_KEYS.get(kind, ()) if _text(data.get(key))), None)
    confirmed = data.get("confirmed")
    body, cites = [], []
    for text in _strings({key: value for key, value in data.items() if key not in _NOT_TEXT and key != title_key}):
        if is_record_id(text):
            cites.append(text)
        elif (cited := hash_of(text)) is not None:
            cites.append(cited)
        else:
            body.append(text)
    parts = _camel_parts("\n".join(body))
    if parts:
        body.append(parts)
    return Document(
        kind=kind,
        id=record_id,
        title=_text(data.get(title_key)) or record_id,
        date=date,
        audit=audit,
        severity=_text(data.get("severity")) if kind == "finding" else None,
        status=(_text(data.get("status")) or "open") if kind in ("finding", "action") else None,
        confirmations=len(confirmed) if isinstance(confirmed, list) else 0,
        tags=sorted({tag.lower() for tag in data.get("tags") or [] if isinstance(tag, str)}),
        body="\n".join(body),
        own=own,
        cites=cites,
    )
