"""Search hits as plain data: what `kb search --json` prints and the MCP `search` tool returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kb.fulltext.ranking import END, START, Hit


def unmarked(snippet: str) -> str:
    """A snippet without the marks around its matching words."""
    return snippet.replace(START, "").replace(END, "")


def as_data(hit: Hit, records: Path, root: Path) -> dict[str, Any]:
    """One hit, its file relative to the knowledge base root."""
    return {
        "id": hit.id,
        "kind": hit.kind,
        "title": hit.title,
        "score": hit.score,
        "snippet": unmarked(hit.snippet),
        "date": hit.date,
        "path": (records / hit.path).relative_to(root).as_posix(),
        "severity": hit.severity,
        "status": hit.status,
        "tags": list(hit.tags),
    }
