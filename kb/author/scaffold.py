"""The text `kb new --edit` opens in `$EDITOR`: every field, each explained by a comment.

Like `git commit`, comment lines are ignored and an emptied file means "give up". Problems from
a failed save are written back at the top as `#!` comments, with the lines they refer to.
"""

from __future__ import annotations

from typing import Any

from pydantic.fields import FieldInfo

from kb.check.diagnostics import Diagnostic
from kb.records.fields import FormField, editor_only, field_info, field_order, form_fields
from kb.records.models import Record
from kb.store import yamlread
from kb.store.yamlwrite import dumps

ERROR_MARK = "#!"


def _note(form: FormField | None, info: FieldInfo) -> str:
    parts = [info.description or ""]
    if form is not None and form.choices and not all(c in parts[0] for c in form.choices):
        parts.append("One of: " + ", ".join(form.choices) + ".")
    if form is not None and form.scalar == "date":
        parts.append("YYYY-MM-DD.")
    if form is not None and form.many:
        parts.append("A list: one '- item' per line.")
    if info.is_required():
        parts.append("Required.")
    return " ".join(p for p in parts if p)


def _entry(name: str, value: Any, indent: str) -> list[str]:
    if value in (None, "", [], {}):
        return [f"{indent}{name}:"]
    return [indent + line for line in dumps({name: value}).splitlines()]


def scaffold(model: type[Record], values: dict[str, Any]) -> str:
    """A commented YAML skeleton of `model`, with `values` (flags and defaults) filled in."""
    forms = {form.path: form for form in form_fields(model)}
    nested = {n.name: n for n in editor_only(model)}
    lines = [
        f"# New {model.kind}. Fill in the fields, save and quit. Lines starting with '#' are ignored;",
        "# blank fields are left out. To give up, empty the file: the text is kept in a recovery file.",
        "",
    ]
    for name in field_order(model):
        info = model.model_fields[name]
        value = values.get(name)
        if name in nested:
            keys = ", ".join(nested[name].keys)
            lines.append(f"# {nested[name].description} A list of mappings with the keys: {keys}.")
            lines.extend(_entry(name, value, ""))
            continue
        if (name,) in forms:
            lines.append(f"# {_note(forms[(name,)], info)}")
            lines.extend(_entry(name, value, ""))
            continue
        lines.append(f"# {_note(None, info)}")
        lines.append(f"{name}:")  # a mapping whose fields are flattened into flags
        sub_values = value if isinstance(value, dict) else {}
        for sub_path, form in forms.items():
            if sub_path[0] == name:
                lines.append(f"  # {_note(form, field_info(model, sub_path))}")
                lines.extend(_entry(sub_path[1], sub_values.get(sub_path[1]), "  "))
    return "\n".join(lines) + "\n"


def strip_errors(text: str) -> str:
    """The text without the `#!` problem block a previous attempt put at the top."""
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines) and lines[start].startswith(ERROR_MARK):
        start += 1
    return "".join(lines[start:])


def with_errors(text: str, problems: list[Diagnostic]) -> str:
    """`text` with `problems` listed at the top as comments, line numbers as the editor shows them."""
    body = strip_errors(text)
    block = [f"{ERROR_MARK} kb: not saved yet. Fix the problems below, save and quit (empty the file to give up):"]
    offset = len(problems) + 2
    for problem in problems:
        where = f"{problem.field}: " if problem.field else ""
        line = f"line {problem.line + offset}" if problem.line > 1 or problem.field else "the file"
        block.append(f"{ERROR_MARK}   {line}: {where}{problem.message}")
    block.append(ERROR_MARK)
    return "\n".join(block) + "\n" + body


def is_blank(text: str) -> bool:
    """True when nothing but comments and whitespace is left: the user gave up."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def parse(text: str) -> yamlread.Loaded:
    """Read an edited scaffold; raises YamlProblems when it is not YAML."""
    loaded = yamlread.loads(strip_errors(text))
    if loaded.data is None:
        loaded.data = {}
    return loaded
