"""The fields a person fills in for a new record, derived from the models.

Flags, prompts and the editor scaffold are all built from this one list, so a field added to a
model shows up in `kb new` without touching the command line.
"""

from __future__ import annotations

import datetime as dt
import types
from dataclasses import dataclass, replace
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from kb.records.models import Record, Stored

FieldPath = tuple[str, ...]


@dataclass(frozen=True)
class FormField:
    """One value a person can give: where it goes in the record and how to ask for it."""

    path: FieldPath
    flag: str
    description: str
    required: bool
    many: bool = False
    choices: tuple[str, ...] = ()
    scalar: str = "text"  # text, date or int

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def param(self) -> str:
        """The Python identifier click passes the value under."""
        return "__".join(self.path)


@dataclass(frozen=True)
class Nested:
    """A field only the editor can fill: a list of mappings, or a mapping of counts."""

    name: str
    description: str
    keys: tuple[str, ...]


def field_order(model: type[Stored]) -> list[str]:
    """Field names as record files list them: the kind's own fields, then the shared ones; no `id`."""
    shared = [name for name in Record.model_fields if name != "id"]
    own = [name for name in model.model_fields if name not in shared and name != "id"]
    return own + [name for name in shared if name in model.model_fields]


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The inner type of `X | None`, `Annotated[X, ...]` and `list[X]`, and whether it was a list."""
    many = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation, many
            annotation = args[0]
        elif origin is list and not many:
            many = True
            annotation = get_args(annotation)[0]
        else:
            return annotation, many


def _flag(path: FieldPath, many: bool) -> str:
    name = path[-1]
    if many and name.endswith("s"):
        name = name[:-1]  # --tag, --commit, --component: one value per flag, repeatable
    return "--" + "-".join((*path[:-1], name)).replace("_", "-")


def _scalar(path: FieldPath, info: FieldInfo, required: bool) -> FormField | None:
    inner, many = _unwrap(info.annotation)
    if isinstance(inner, type) and issubclass(inner, Enum):
        choices = tuple(str(member.value) for member in inner)
        return FormField(path, _flag(path, many), info.description or "", required, many, choices)
    kinds = {str: "text", dt.date: "date", int: "int"}
    if inner in kinds:
        return FormField(path, _flag(path, many), info.description or "", required, many, scalar=kinds[inner])
    return None


def nested_model(info: FieldInfo) -> type[BaseModel] | None:
    inner, _ = _unwrap(info.annotation)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return inner
    return None


def form_fields(model: type[Stored]) -> list[FormField]:
    """Every scalar or list-of-scalar field of `model`, nested mappings flattened, `id` left out.

    A mapping the record requires (an action's `source`) is flattened to its own field names
    (`--audit`), and so is an optional one whose names are all free (an audit's `scope`:
    `--description`, `--nodes`); any other keeps its name as a prefix (`--evidence-note`,
    `--handover-title`) so that no two flags collide.
    """
    result: list[FormField] = []
    for name in field_order(model):
        info = model.model_fields[name]
        _, many = _unwrap(info.annotation)
        nested = nested_model(info)
        if nested is not None and not many:
            for sub_name, sub_info in nested.model_fields.items():
                form = _scalar((name, sub_name), sub_info, info.is_required() and sub_info.is_required())
                if form is not None:
                    result.append(form)
            continue
        form = _scalar((name,), info, info.is_required())
        if form is not None:
            result.append(form)
    taken = {form.flag for form in result}
    free = {
        name
        for name in {form.path[0] for form in result if len(form.path) == 2}
        if all(_flag(f.path[1:], f.many) not in taken for f in result if f.path[0] == name and len(f.path) == 2)
    }
    final = []
    for form in result:
        if len(form.path) == 2 and (model.model_fields[form.path[0]].is_required() or form.path[0] in free):
            short = _flag(form.path[1:], form.many)
            if short not in taken:
                form = replace(form, flag=short)
                taken.add(short)
        final.append(form)
    return final


def editor_only(model: type[Stored]) -> list[Nested]:
    """Fields the flags cannot express (lists of mappings, dicts), described for the scaffold."""
    flat = {f.path[0] for f in form_fields(model)}
    result = []
    for name in field_order(model):
        info = model.model_fields[name]
        if name in flat:
            continue
        nested = nested_model(info)
        keys = tuple(nested.model_fields) if nested else ()
        result.append(Nested(name, info.description or "", keys))
    return result


def field_info(model: type[BaseModel], path: FieldPath) -> FieldInfo:
    """The pydantic field at `path`, following nested models."""
    info = model.model_fields[path[0]]
    for key in path[1:]:
        nested = nested_model(info)
        if nested is None:
            raise KeyError(".".join(path))
        info = nested.model_fields[key]
    return info


def set_value(data: dict[str, Any], path: FieldPath, value: Any) -> None:
    """Put `value` at `path` in nested plain data, creating mappings on the way."""
    for key in path[:-1]:
        data = data.setdefault(key, {})
    data[path[-1]] = value


def get_value(data: dict[str, Any], path: FieldPath) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data
