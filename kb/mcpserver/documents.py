"""The documents `kb mcp` serves as resources: each audit report and the other rendered outputs.

A document is rendered as `kb render` renders it, through kb/pipeline.py's check and gate, so a
record holding what looks like a credential stops the read with its E602 problems (which name
the file, line and rule, never the value) rather than serve the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.pipeline import documents
from kb.rendering.outputs import planned
from kb.store.catalog import Catalog
from kb.store.config import Config

SCHEME = "kb://document/"
MIME_TYPE = "text/markdown"


@dataclass(frozen=True)
class Listed:
    uri: str
    path: str
    """The output's path, relative to the knowledge base root."""
    title: str


def listed(config: Config) -> list[Listed]:
    """Every document the outputs make, named without rendering any (the audits come from their files)."""
    audits = {audit.id: audit.text("title") for audit in Catalog(config).audits}
    found = []
    for path, _, audit in planned(config, sorted(audits)):
        title = f"Audit report: {audits[audit] or audit}" if audit else path.rsplit("/", 1)[-1]
        found.append(Listed(SCHEME + path, path, title))
    return sorted(found, key=lambda item: item.path)


def read(config: Config, uri: str) -> str:
    """The text of the document `uri` names; LookupError if none; Stopped if the records fail a gate."""
    texts = documents(config) if uri.startswith(SCHEME) else {}
    path = uri.removeprefix(SCHEME)
    if path not in texts:
        raise LookupError(f"no document {uri!r}; resources/list names them")
    return texts[path]
