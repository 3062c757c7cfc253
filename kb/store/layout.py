"""Where records live on disk (one folder per kind, YAML files) and where kb's own templates and
mkdocs.yml are.
Standard library only, so the fast commands (search, a settled `kb render --check`) share this
with the models and the templating without importing pydantic or Jinja."""

from __future__ import annotations

from pathlib import Path

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

MAX_RECORD_BYTES = 1024 * 1024
"""Largest record file read, so a hostile file cannot exhaust memory."""

PACKAGE_TEMPLATES = Path(__file__).parent.parent / "templates"
SOURCE_TEMPLATES = Path(__file__).parent.parent.parent / "templates"


def default_templates() -> Path:
    """The templates shipped with kb: packaged in a wheel, or the source tree's in a checkout."""
    return PACKAGE_TEMPLATES if PACKAGE_TEMPLATES.is_dir() else SOURCE_TEMPLATES


MKDOCS_NAME = "mkdocs.yml"
PACKAGE_MKDOCS = Path(__file__).parent.parent / MKDOCS_NAME
SOURCE_MKDOCS = Path(__file__).parent.parent.parent / MKDOCS_NAME


def mkdocs_file(root: Path) -> Path:
    """The knowledge base's own mkdocs.yml (in its root), else the one that ships with kb."""
    own = root / MKDOCS_NAME
    if own.is_file():
        return own
    return PACKAGE_MKDOCS if PACKAGE_MKDOCS.is_file() else SOURCE_MKDOCS
