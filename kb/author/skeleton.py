"""Creating a new, empty, valid knowledge base, beside what a repository already holds.

`kb init` is usually run at the top of an infrastructure repository that has its own files: it
adds to its `.gitignore` rather than replace it, names a templates folder of its own when
`templates/` is already the repository's (Helm charts, say), writes an `mkdocs.yml` titled with
the repository's name unless one is there, and never overwrites a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from kb.records.models import KINDS
from kb.records.schemas import write_schemas
from kb.store import settings, tempfiles
from kb.store.atomic import create_exclusive, replace_atomic
from kb.store.config import CONFIG_NAME
from kb.store.layout import mkdocs_file
from kb.store.loader import SCHEMA_FOLDER

TEMPLATE = """\
# kb.toml: this folder is a kb knowledge base. Every setting is optional.
# records = "records"            # where the YAML records live, one folder per kind
{templates}# cache = ".kb-cache"            # search index and generated site pages (not committed)
#
# [[repositories]]               # git repositories that commits are cited from
# name = "infra"
# path = "."
# default = true
#
# [[outputs]]                    # rendered documents; {{audit}} expands per audit
# template = "infra_anatomy.md.j2"
# path = "docs/infrastructure/INFRA_ANATOMY.md"
#
# [[outputs]]                    # or a part of a doc you keep writing by hand: add the lines
# template = "agents.md.j2"      #   <!-- kb:begin agents -->
# path = "AGENTS.md"             #   <!-- kb:end agents -->
# region = "agents"              # to it where the generated part belongs; kb changes only that part
"""
TEMPLATES_LINE = '# templates = "templates"        # your templates; one with a default\'s name overrides it\n'
OWN_TEMPLATES = "kb-templates"
"""The templates folder kb.toml names when `templates/` is the repository's own."""
IGNORED = (f"{settings.default('cache')}/", f"{settings.default('site.site_dir')}/", tempfiles.GITIGNORE)
"""What kb makes that is never committed: its caches, the built site and its temporary files."""
MKDOCS = "mkdocs.yml"


class InitError(Exception):
    """The folder already is a knowledge base."""


@dataclass
class Initialized:
    """What `init` made, and what it did around the repository's own files, in words."""

    created: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def repository_name(folder: Path) -> str:
    """The name of the git repository `folder` is in (its top folder's name), else the folder's own."""
    folder = folder.resolve()
    return next((f.name for f in (folder, *folder.parents) if (f / ".git").exists()), folder.name) or "kb"


def _gitignore(root: Path, done: Initialized) -> None:
    path = root / ".gitignore"
    if not path.exists():
        create_exclusive(path, "".join(f"{line}\n" for line in IGNORED), durable=True)
        done.created.append(path)
        return
    text = path.read_text(encoding="utf-8")
    have = {line.strip().strip("/") for line in text.splitlines()}
    missing = [line for line in IGNORED if line.strip("/") not in have]
    if missing:
        lead = "" if not text or text.endswith("\n") else "\n"
        replace_atomic(
            path,
            text + lead + "# kb: caches, built site, temporary files\n" + "".join(f"{m}\n" for m in missing),
            durable=True,
        )
        done.notes.append(f"Added {', '.join(missing)} to {path.name}.")


def _mkdocs(root: Path, done: Initialized) -> None:
    path = root / MKDOCS
    if path.exists():
        done.notes.append(f"Kept your {MKDOCS}: `kb site` builds with it, so it must list kb's pages as kb's own does.")
        return
    shipped = mkdocs_file(root).read_text(encoding="utf-8")  # the one kb ships, as there is none here
    name = repository_name(root)
    text = shipped.replace("site_name: Knowledge base\n", f"site_name: {json.dumps(f'{name} knowledge base')}\n", 1)
    create_exclusive(path, text, durable=True)
    done.created.append(path)


def init(root: Path) -> Initialized:
    """Create kb.toml, a records folder per kind, the JSON Schemas, mkdocs.yml and .gitignore
    entries; never overwrite anything."""
    config_path = root / CONFIG_NAME
    if config_path.exists():
        raise InitError(f"{config_path} already exists; nothing changed")
    root.mkdir(parents=True, exist_ok=True)
    tempfiles.sweep(root)  # what an init killed before it wrote kb.toml left
    done = Initialized()
    theirs = root / settings.default("templates")
    templates = TEMPLATES_LINE
    if theirs.is_dir() and any(theirs.iterdir()):
        templates = f"templates = \"{OWN_TEMPLATES}\"  # {theirs.name}/ is your repository's; kb's go here\n"
        done.notes.append(f"{theirs.name}/ is your repository's own: kb.toml names {OWN_TEMPLATES}/ for kb templates.")
    create_exclusive(config_path, TEMPLATE.format(templates=templates), durable=True)
    done.created.append(config_path)
    records = root / settings.default("records")
    for model in KINDS.values():
        folder = records / model.folder
        folder.mkdir(parents=True, exist_ok=True)
        done.created.append(folder)
    done.created += write_schemas(records / SCHEMA_FOLDER)
    _gitignore(root, done)
    _mkdocs(root, done)
    return done
