"""The template reference: what a document template can use, generated from the views themselves.

A team writing its own `pickup.md.j2` or a new document needs the names a template sees: the
context, kb's filters, and the attributes of each view (kb.rendering.views). This reads them
off the classes (fields with the docstrings written under them, properties and methods with
their docstrings' first lines and return types), so `kb schema --templates` and the README's
copy of it change with the code.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import textwrap
from functools import cached_property
from typing import Any

import jinja2.filters

from kb.rendering import nextsession, views
from kb.rendering.jinjaenv import environment

CONTEXT: tuple[tuple[str, str, str], ...] = (
    ("kb", "KnowledgeView", "The whole knowledge base, shaped for documents; every template has it."),
    ("report", "AuditView or none", "The audit a `{audit}` output is rendered for; none in the other outputs."),
    (
        "unlinked",
        "list of {repo, hash, subject, date, author}",
        "The commits of the audit's days no record cites (from git, when kb.toml names repositories).",
    ),
    (
        "snapshot_diff",
        "list of {section, name, before, after} or none",
        "What changed since the snapshot before this audit's.",
    ),
)
"""The names every document template is rendered with (kb.rendering.outputs.DEFAULTS, and `kb`)."""
VIEWS: tuple[tuple[type, str], ...] = (
    (views.KnowledgeView, "kb"),
    (views.AuditView, "report, kb.audit(ID), kb.latest_audit"),
    (views.FindingView, "kb.findings, report.findings, group.items"),
    (views.FindingGroup, "report.groups"),
    (views.ActionView, "kb.pickup, kb.actions, report.remaining, report.pickup"),
    (nextsession.HandoverItem, "kb.handover"),
    (nextsession.LastSession, "kb.last_session"),
    (views.SnapshotView, "kb.latest_snapshot, report.snapshot"),
    (views.Reverted, "item.reverted"),
)
"""The views a template reaches, and where it reaches each."""


def _first_line(text: str | None) -> str:
    """A docstring's first sentence, on one line."""
    words = " ".join((text or "").strip().split("\n\n")[0].split())
    return words.split(". ", 1)[0].rstrip(".") + "." if words else ""


def _field_docs(cls: type) -> dict[str, str]:
    """The docstrings written under a class's annotated fields (`name: T` then a string)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
    docs = {}
    for field, after in itertools.pairwise(body):
        text = after.value.value if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) else None
        if isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name) and isinstance(text, str):
            docs[field.target.id] = _first_line(text)
    return docs


def _type(annotation: Any) -> str:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    return "" if text is inspect.Signature.empty else str(text).replace("|", "or")


def attributes(cls: type) -> list[tuple[str, str, str]]:
    """(name, type, meaning) of everything public a template can use on an instance of `cls`."""
    rows = []
    if dataclasses.is_dataclass(cls):
        docs = _field_docs(cls)
        rows += [(f.name, _type(f.type), docs.get(f.name, "")) for f in dataclasses.fields(cls)]
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(member, staticmethod):
            member = member.__func__
        if isinstance(member, (property, cached_property)):
            function = member.fget if isinstance(member, property) else member.func
            assert function is not None
            rows.append((name, _type(inspect.signature(function).return_annotation), _first_line(function.__doc__)))
        elif inspect.isfunction(member) and name not in ("sort_key", "prepare"):
            signature = inspect.signature(member)
            params = ", ".join(p for p in signature.parameters if p != "self")
            rows.append((f"{name}({params})", _type(signature.return_annotation), _first_line(member.__doc__)))
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


RECORDS = (
    "The records themselves (`Audit`, `Finding`, `Action`, `Lesson`, `Commit`, `Snapshot`, and their parts) have "
    "the fields of the record format (`kb schema --markdown`); a choice field is an enum, whose text is `.value` "
    "(or `| label`)."
)


def templates_markdown() -> str:
    """The template reference as Markdown: context, filters, then each view's attributes."""
    lines = [RECORDS, "", "#### Context", "", "| name | is | meaning |", "|---|---|---|"]
    lines += [f"| `{name}` | {_cell(kind)} | {_cell(meaning)} |" for name, kind, meaning in CONTEXT]
    lines += ["", "#### Filters", "", "| filter | does |", "|---|---|"]
    for name, function in environment().filters.items():
        if name not in jinja2.filters.FILTERS:
            lines.append(f"| `{name}` | {_cell(_first_line(function.__doc__))} |")
    for cls, where in VIEWS:
        lines += ["", f"#### {cls.__name__} ({where})", "", _first_line(cls.__doc__), ""]
        lines += ["| attribute | type | meaning |", "|---|---|---|"]
        lines += [f"| `{name}` | {_cell(kind)} | {_cell(meaning)} |" for name, kind, meaning in attributes(cls)]
    return "\n".join(lines) + "\n"
