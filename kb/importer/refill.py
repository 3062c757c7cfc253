"""Filling the empty fields of records an earlier import made, and touching nothing else.

An importer that has learnt to read more of a report finds values for fields its earlier run
left empty. Those fields, and only those, are written into the existing files with the minimal
edits of `kb.store.lineedit`, so a person's comments, key order and every field they filled
(or changed) stay as they are. A field counts as empty when it is unset or an empty list;
fields with a default of their own (a status, a discovery), IDs, links to the audit, where a
record came from and the audit's notes are never filled.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.records.models import Stored
from kb.store import yamlread
from kb.store.lineedit import EditError, set_keys
from kb.store.loader import Entry, check_data, plain

NEVER = frozenset({"id", "imported_from", "audit", "source", "notes", "allow_secrets"})


@dataclass
class Filled:
    """An existing record file, its new text, and the fields the import filled in it."""

    path: Path
    file: str
    text: str
    fields: list[str]


def fill(entry: Entry, found: Stored) -> Filled | str | None:
    """The edit that gives `entry`'s empty fields the values of `found`; None if there is none.

    A string says why a file that would gain fields cannot be edited in place.
    """
    record = entry.record
    model = type(record)
    new = plain(found)
    changes: dict[str, Any] = {}
    for name, value in new.items():
        info = model.model_fields.get(name)
        if name in NEVER or info is None or not _empty(getattr(record, name)):
            continue
        if info.default is not None and not info.default_factory:
            continue
        changes[name] = value
    if not changes:
        return None
    try:
        text = entry.path.read_text(encoding="utf-8")
        edited = set_keys(text, changes, list(model.model_fields))
    except (OSError, EditError) as err:
        return f"{entry.file}: {err}"
    loaded = yamlread.loads(edited)
    checked, problems = check_data(model, loaded.data, entry.file, lambda: loaded)
    if checked is None:  # pragma: no cover - the values come from a record that validated
        return "; ".join(p.format() for p in problems)
    return Filled(entry.path, entry.file, edited, sorted(changes))


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {}
