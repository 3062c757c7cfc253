"""Asking on a terminal for the fields `kb new` was not given as flags."""

from __future__ import annotations

from enum import Enum
from typing import Any

import click

from kb.records.fields import FieldPath, FormField, field_info, get_value, set_value
from kb.store.catalog import Catalog

PROMPTED = {
    "finding": (
        *("audit", "title", "severity", "discovery", "status", "components"),
        *("symptom", "root_cause", "fix", "commits", "tags"),
    ),
    "lesson": ("title", "rule", "detail", "audit", "findings", "tags"),
    "action": ("title", "todo", "priority", "impact", "owner", "due", "source.audit", "source.finding", "tags"),
    "audit": ("title", "started", "trigger", "scope.description", "outcome", "tags"),
}
"""Fields worth asking for on a terminal beyond the required ones; `--edit` offers every field."""

AUDITS_LISTED = 10


class Blankable(click.ParamType):  # type: ignore[type-arg]
    """Wraps a type so that an empty answer means 'leave it out'."""

    name = "text"

    def __init__(self, inner: click.ParamType) -> None:  # type: ignore[type-arg]
        self.inner = inner

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value in ("", None):
            return ""
        return self.inner.convert(value, param, ctx)


class AuditPick(click.ParamType):  # type: ignore[type-arg]
    """An audit by its number in the list shown, or by its ID or the start of one audit's ID."""

    name = "audit"

    def __init__(self, ids: list[str]):
        self.ids = ids

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value).strip()
        if text == "":
            return ""
        if text.isdigit() and 1 <= int(text) <= len(self.ids):
            return self.ids[int(text) - 1]
        starting = [ident for ident in self.ids if ident.startswith(text)]
        if text in self.ids or len(starting) == 1:
            return text if text in self.ids else starting[0]
        self.fail(f"{text!r} is neither a number from the list nor (the start of) one audit's ID", param, ctx)


def _pick_audit(catalog: Catalog, default: str | None, required: bool) -> str:
    audits = catalog.audits
    if not audits:
        if required:
            raise click.UsageError("there is no audit yet: record one first with `kb new audit`")
        return ""
    click.echo("Audits (latest first):", err=True)
    for number, audit in enumerate(audits[:AUDITS_LISTED], 1):
        click.echo(f"  {number}. {audit.id}  {audit.text('started')}  {audit.text('title')}", err=True)
    if len(audits) > AUDITS_LISTED:
        click.echo(f"  ... and {len(audits) - AUDITS_LISTED} older (type the ID)", err=True)
    hint = "" if required else " (blank for none)"
    value: str = click.prompt(
        f"audit{hint}",
        default=default or "",
        show_default=bool(default),
        type=AuditPick([a.id for a in audits]),
        err=True,
    )
    return value


def _ask(form: FormField, default: Any) -> Any:
    label = form.name.replace("_", " ")
    inner: click.ParamType = click.STRING  # type: ignore[type-arg]
    if form.choices:
        inner = click.Choice(form.choices)
        label += f" [{'/'.join(form.choices)}]"
    elif form.scalar == "date":
        inner = click.DateTime(["%Y-%m-%d"])
        label += " (YYYY-MM-DD)"
    elif form.scalar == "int":
        inner = click.INT
    if form.many:
        label += " (comma-separated)"
        default = ", ".join(default or [])
    if not form.required:
        label += " (blank to skip)" if default in (None, "") else ""
    value = click.prompt(
        label,
        default=default if default not in (None, "") else ("" if not form.required else None),
        show_default=default not in (None, ""),
        type=Blankable(inner) if not form.many else click.STRING,
        show_choices=False,
        err=True,
    )
    if form.many:
        return [part.strip() for part in str(value).split(",") if part.strip()]
    if hasattr(value, "date"):
        return value.date().isoformat()
    return value


def _model_default(kind: str, form: FormField) -> str | None:
    """The choice a field takes when left out (`discovery: planned`), offered as the answer to keep."""
    from kb.author.create import MODELS

    value = field_info(MODELS[kind], form.path).default
    return str(value.value) if isinstance(value, Enum) else None


def ask(
    kind: str, forms: list[FormField], given: set[FieldPath], values: dict[str, Any], catalog: Catalog
) -> dict[str, Any]:
    """Prompt for each required or commonly used field not given on the command line."""
    for form in forms:
        if form.path in given or not (form.required or form.name in PROMPTED[kind]):
            continue
        default = get_value(values, form.path)
        if default is None and form.choices:
            default = _model_default(kind, form)
        pick_audit = form.path[-1] == "audit"
        value = _pick_audit(catalog, default, form.required) if pick_audit else _ask(form, default)
        set_value(values, form.path, value)
    return values
