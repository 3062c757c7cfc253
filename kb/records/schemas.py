"""JSON Schema for each record kind, derived from the models, for editors and other tools."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kb.check.diagnostics import Code
from kb.records.fields import FieldPath
from kb.records.models import KINDS, Stored
from kb.store import tempfiles
from kb.store.atomic import replace_atomic
from kb.store.loader import SCHEMA_FOLDER


def schema_of(kind: str) -> dict[str, object]:
    schema = KINDS[kind].model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def new_record_schema(model: type[Stored], defaulted: Iterable[FieldPath]) -> dict[str, Any]:
    """The JSON Schema of what a person gives for a new `model` record: its schema without `id`
    (kb mints it), the `defaulted` fields (kb fills them in) optional, and so any mapping that is
    left with nothing required."""
    schema = model.model_json_schema()
    del schema["properties"]["id"]
    for path in [("id",), *defaulted]:
        _make_optional(schema, schema, path)
    return schema


def _make_optional(schema: dict[str, Any], node: dict[str, Any], path: FieldPath) -> None:
    node = _resolved(schema, node)
    key, rest = path[0], path[1:]
    if rest:
        _make_optional(schema, node["properties"][key], rest)
        if _resolved(schema, node["properties"][key]).get("required"):
            return
    required = [name for name in node.get("required", []) if name != key]
    node.pop("required", None)
    if required:
        node["required"] = required


def _resolved(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """`node`, or the definition its `$ref` names."""
    if "$ref" not in node:
        return node
    found: dict[str, Any] = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return found


def schema_text(kind: str) -> str:
    return json.dumps(schema_of(kind), indent=2, sort_keys=True) + "\n"


def header(kind: str) -> str:
    """The first line of a new record file: tells the YAML language server which schema applies."""
    return f"# yaml-language-server: $schema=../{SCHEMA_FOLDER}/{kind}.json\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write `<kind>.json` for every kind into `folder`; unchanged files are not rewritten."""
    written = []
    tempfiles.sweep_folders([folder])
    for kind in KINDS:
        path = folder / f"{kind}.json"
        text = schema_text(kind)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            replace_atomic(path, text, durable=False)  # derived from the models: `kb schema` writes them again
            written.append(path)
    return written


def _type_name(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    """A short human name for a JSON Schema type: `date`, `list of text`, `critical | high | ...`."""
    if "$ref" in schema:
        target = defs[schema["$ref"].rsplit("/", 1)[-1]]
        return " \\| ".join(target["enum"]) if "enum" in target else str(target.get("title", "object"))
    if "anyOf" in schema:
        names = [_type_name(s, defs) for s in schema["anyOf"] if s.get("type") != "null"]
        return " or ".join(names)
    if schema.get("type") == "array":
        return f"list of {_type_name(schema.get('items', {}), defs)}"
    if schema.get("type") == "object":
        extra = schema.get("additionalProperties")
        return f"map of text to {_type_name(extra, defs)}" if isinstance(extra, dict) else "object"
    if schema.get("format") in ("date", "date-time"):
        return str(schema["format"])
    kind = str(schema.get("type", "any"))
    return "text" if kind == "string" else kind


def _table(schema: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    required = set(schema.get("required", []))
    lines = ["| field | type | required | meaning |", "|---|---|---|---|"]
    for name, prop in schema["properties"].items():
        meaning = prop.get("description", "").replace("|", "\\|")
        lines.append(f"| `{name}` | {_type_name(prop, defs)} | {'yes' if name in required else ''} | {meaning} |")
    return [*lines, ""]


def fields_markdown() -> str:
    """The record format as Markdown tables, one per kind and nested object, straight from the models."""
    lines: list[str] = []
    for kind, model in KINDS.items():
        schema = model.model_json_schema()
        defs: dict[str, Any] = schema.get("$defs", {})
        lines += [f"### {kind}", "", (model.__doc__ or "").strip().splitlines()[0], "", *_table(schema, defs)]
        for name, nested in defs.items():
            if "properties" in nested:
                lines += [f"`{name}` (within {kind}):", "", *_table(nested, defs)]
    return "\n".join(lines)


def codes_markdown() -> str:
    """The diagnostic codes as a Markdown table, from the one `Code` table."""
    lines = ["| code | level | meaning |", "|---|---|---|"]
    lines += [f"| {code} | {code.level} | {code.meaning} |" for code in Code]
    return "\n".join(lines) + "\n"


def reference_markdown() -> str:
    """The record format and the diagnostic codes: the README's generated reference."""
    return fields_markdown() + "\n### Diagnostic codes\n\n" + codes_markdown()
