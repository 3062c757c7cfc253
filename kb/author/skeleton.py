"""Creating a new, empty, valid knowledge base."""

from __future__ import annotations

from pathlib import Path

from kb.records.models import KINDS
from kb.records.schemas import write_schemas
from kb.store import tempfiles
from kb.store.atomic import create_exclusive
from kb.store.config import CONFIG_NAME
from kb.store.loader import SCHEMA_FOLDER

TEMPLATE = """\
# kb.toml: this folder is a kb knowledge base. Every setting is optional.
# records = "records"            # where the YAML records live, one folder per kind
# templates = "templates"        # your templates; one with a default's name overrides it
# cache = ".kb-cache"            # search index and generated site pages (not committed)
#
# [[repositories]]               # git repositories that commits are cited from
# name = "infra"
# path = "."
# default = true
#
# [[outputs]]                    # rendered documents; {audit} expands per audit
# template = "infra_anatomy.md.j2"
# path = "docs/infrastructure/INFRA_ANATOMY.md"
"""

GITIGNORE = f".kb-cache/\nsite/\n{tempfiles.GITIGNORE}\n"


class InitError(Exception):
    """The folder already is a knowledge base."""


def init(root: Path) -> list[Path]:
    """Create kb.toml, a records folder per kind and the JSON Schemas; never overwrite anything."""
    config_path = root / CONFIG_NAME
    if config_path.exists():
        raise InitError(f"{config_path} already exists; nothing changed")
    root.mkdir(parents=True, exist_ok=True)
    tempfiles.sweep(root)  # what an init killed before it wrote kb.toml left
    create_exclusive(config_path, TEMPLATE, durable=True)
    created = [config_path]
    records = root / "records"
    for model in KINDS.values():
        folder = records / model.folder
        folder.mkdir(parents=True, exist_ok=True)
        created.append(folder)
    created += write_schemas(records / SCHEMA_FOLDER)
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        create_exclusive(gitignore, GITIGNORE, durable=True)
        created.append(gitignore)
    return created
