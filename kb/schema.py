"""JSON Schema for each record kind, derived from the models, for editors and other tools."""

from __future__ import annotations

import json
from pathlib import Path

from kb.fsio import replace_atomic
from kb.models import KINDS
from kb.store import SCHEMA_FOLDER


def schema_of(kind: str) -> dict[str, object]:
    schema = KINDS[kind].model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def schema_text(kind: str) -> str:
    return json.dumps(schema_of(kind), indent=2, sort_keys=True) + "\n"


def header(kind: str) -> str:
    """The first line of a new record file: tells the YAML language server which schema applies."""
    return f"# yaml-language-server: $schema=../{SCHEMA_FOLDER}/{kind}.json\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write `<kind>.json` for every kind into `folder`; unchanged files are not rewritten."""
    written = []
    for kind in KINDS:
        path = folder / f"{kind}.json"
        text = schema_text(kind)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            replace_atomic(path, text)
            written.append(path)
    return written
