"""`kb set`: fields of an existing record changed from the command line, for scripts.

Each assignment is `FIELD=VALUE` (a dotted FIELD reaches into a mapping: `source.finding`,
`evidence.note`); an empty VALUE removes the field. A list of values takes `FIELD+=VALUE` to
add an item and `FIELD-=VALUE` to take one out, and `FIELD=VALUE` given twice in one run lists
both. Values are text, converted only where the model asks for a date, a number or a choice,
exactly as a record file is read. The fields are those `kb new` has flags for (lists of
mappings are `kb edit`'s). The record is validated as a whole and the IDs it names are checked
before anything is written; only the changed keys are rewritten, comments kept.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from kb.author.changing import Changed, ChangeError, ChangeProblems, change, find_file
from kb.records.fields import FieldPath, FormField, editor_only, form_fields
from kb.records.models import KINDS, Stored
from kb.store import yamlread
from kb.store.config import Config
from kb.store.loader import check_data, plain, relative

_ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)([+-]?=)(.*)$", re.DOTALL)


class AssignError(ChangeError):
    """An assignment that cannot be made as written (a usage error): the message says which and why."""


class Assignment(NamedTuple):
    """One `FIELD=VALUE`, `FIELD+=VALUE` or `FIELD-=VALUE`."""

    path: FieldPath
    op: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Assignment:
        match = _ASSIGNMENT.match(text)
        if match is None:
            raise AssignError(f"{text!r}: write FIELD=VALUE (or FIELD+=VALUE, FIELD-=VALUE for a list)")
        return cls(tuple(match[1].split(".")), match[2], match[3])

    @property
    def field(self) -> str:
        return ".".join(self.path)


def _form(model: type[Stored], forms: dict[FieldPath, FormField], assignment: Assignment) -> FormField:
    """The field an assignment sets; AssignError when it is not one `kb set` can set as written."""
    name = assignment.field
    form = forms.get(assignment.path)
    if assignment.path == ("id",):
        raise AssignError("id names the file and cannot be set; make a new record instead")
    if form is None and assignment.path[0] in {n.name for n in editor_only(model)}:
        raise AssignError(f"{name} holds mappings: change it with `kb edit`")
    if form is None:
        near = difflib.get_close_matches(name, [f.name for f in forms.values()], n=1)
        article = "an" if model.kind[0] in "aeiou" else "a"
        hint = f"; did you mean {near[0]}?" if near else ""
        raise AssignError(f"{name}: {article} {model.kind} has no such field{hint}")
    if assignment.op != "=" and not form.many:
        raise AssignError(f"{name} holds one value: write {name}=VALUE")
    return form


def assigned(model: type[Stored], data: dict[str, Any], assignments: Sequence[Assignment]) -> dict[str, Any]:
    """A copy of a record file's `data` with `assignments` made in turn; a removed field is left out."""
    forms = {form.path: form for form in form_fields(model)}
    result = copy.deepcopy(data)
    replaced: set[FieldPath] = set()
    for assignment in assignments:
        form = _form(model, forms, assignment)
        *parents, name = assignment.path
        node = result
        for parent in parents:
            child = node.get(parent)
            node[parent] = node = child if isinstance(child, dict) else {}
        if not form.many:
            node[name] = assignment.value
        else:
            fresh = assignment.op == "=" and assignment.path not in replaced
            items = [] if fresh else list(node.get(name) or [])
            replaced.add(assignment.path)
            if assignment.op == "-=" and assignment.value not in items:
                raise AssignError(f"{assignment.field} has no item {assignment.value!r}")
            if assignment.op == "-=":
                items = [item for item in items if item != assignment.value]
            elif assignment.value and assignment.value not in items:
                items.append(assignment.value)
            node[name] = items
    return _pruned(result)


def _pruned(data: dict[str, Any]) -> dict[str, Any]:
    """Emptied values and mappings dropped, as if never written."""
    result = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = _pruned(value)
        if value not in ("", [], {}, None):
            result[key] = value
    return result


def assign(config: Config, ident: str, texts: Sequence[str]) -> Changed:
    """Make the assignments `texts` in the record `ident` names (ID or unique prefix) and write it.

    AssignError for an assignment that cannot be made; ChangeProblems listing every problem when
    the record would not be valid, each at the line of its field in the file."""
    assignments = [Assignment.parse(text) for text in texts]
    if not assignments:
        raise AssignError("nothing to set: give FIELD=VALUE")
    kind, path = find_file(config, ident)
    model = KINDS[kind]

    def decide(before: Stored, text: str) -> dict[str, Any]:
        loaded = yamlread.loads(text)
        assert isinstance(loaded.data, dict)  # `change` validated it
        record, problems = check_data(
            model, assigned(model, loaded.data, assignments), relative(config, path), lambda: loaded
        )
        if record is None:
            raise ChangeProblems(problems)
        after = plain(record)
        return {key: after.get(key) for key in dict.fromkeys(a.path[0] for a in assignments)}

    return change(config, kind, path, decide)
