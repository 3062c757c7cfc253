"""Where records live on disk: one folder per kind, YAML files. Standard library only,
so the fast commands (search) share this with the models without importing pydantic."""

from __future__ import annotations

FOLDERS: dict[str, str] = {
    "audit": "audits",
    "finding": "findings",
    "commit": "commits",
    "lesson": "lessons",
    "action": "actions",
    "snapshot": "snapshots",
}
"""Record kind to its folder inside the records folder, in the order documentation lists them."""

SUFFIXES = (".yaml", ".yml")
"""Record file suffixes."""
