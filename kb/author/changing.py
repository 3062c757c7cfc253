"""Changing an existing record file: found by ID or prefix, a few keys rewritten, the rest kept.

`kb close`, `kb reopen`, `kb resolve` and `kb set` all come here. Only the keys that change are
rewritten (see `kb.store.lineedit`), so the person's comments, key order and wrapped text stay;
the new text is validated (schema and the IDs it names) before it replaces the file atomically,
so a refused change leaves the file exactly as it was. The file is read, checked and rewritten
under its lock (`kb.store.recordedit`), so two changes of one record at once cannot both be
confirmed with one of them lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.author.create import reference_problems
from kb.check.diagnostics import Diagnostic
from kb.records.models import KINDS, Stored
from kb.store import recordedit, yamlread
from kb.store.catalog import Catalog
from kb.store.config import Config
from kb.store.lineedit import EditError, set_keys
from kb.store.loader import check_data, load_entry, plain, record_files, relative


class ChangeError(Exception):
    """The record cannot be changed as asked; the message says why."""


class ChangeProblems(ChangeError):
    """The changed record would not be valid; carries every problem, each at its file and line."""

    def __init__(self, problems: Sequence[Diagnostic]) -> None:
        super().__init__("\n".join(p.format() for p in problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Changed:
    """The record as written, its file, and each key that changed: {"from": old, "to": new} (JSON values)."""

    record: Stored
    path: Path
    changes: dict[str, dict[str, Any]]


def find_file(config: Config, ident: str, kinds: Sequence[str] = tuple(KINDS)) -> tuple[str, Path]:
    """The kind and file of the record `ident` names among `kinds`: its full ID (a commit's file
    name), or a prefix only one of them has."""
    files = [(kind, path) for kind, path in record_files(config) if kind in kinds]
    exact = [(kind, path) for kind, path in files if path.stem == ident]
    if exact:
        return exact[0]
    matches = [(kind, path) for kind, path in files if path.stem.startswith(ident)]
    what = kinds[0] if len(kinds) == 1 else "record"
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = ", ".join(path.stem for _, path in matches[:5])
        raise ChangeError(f"{ident!r} matches {len(matches)} {what}s: {names}")
    where = relative(config, config.records / KINDS[kinds[0]].folder) if len(kinds) == 1 else "the records"
    raise ChangeError(f"no {what} {ident!r} in {where}")


def _loaded(config: Config, kind: str, path: Path, data: Any) -> tuple[Stored | None, ChangeError]:
    """The record `data` (parsed YAML, or the YamlProblems of a file that would not read or parse)
    holds, or None and the ChangeError naming every problem."""
    entry, problems = load_entry(KINDS[kind], path, relative(config, path), data)
    message = "\n".join(p.format() for p in problems) + "\nfix the file first (`kb validate`)"
    return (entry.record if entry else None), ChangeError(message)


def _record(config: Config, kind: str, path: Path, text: str) -> Stored:
    """The record in `text`; ChangeError naming every problem if it is not valid."""
    data: Any
    try:
        data = yamlread.loads(text).data
    except yamlread.YamlProblems as err:
        data = err
    record, error = _loaded(config, kind, path, data)
    if record is None:
        raise error
    return record


def checked(config: Config, path: Path, model: type[Stored], text: str) -> Stored:
    """`text` as a valid record of `model` whose IDs exist; ChangeProblems with every problem."""
    file = relative(config, path)
    try:
        loaded = yamlread.loads(text)
    except yamlread.YamlProblems as err:
        problems = [Diagnostic(file, p.line, p.column, p.code, p.field, p.message) for p in err.problems]
        raise ChangeProblems(problems) from None
    record, problems = check_data(model, loaded.data, file, lambda: loaded)
    if record is None:
        raise ChangeProblems(problems)
    problems = reference_problems(record, Catalog(config), file, loaded)
    if problems:
        raise ChangeProblems(problems)
    return record


def differences(before: Stored, after: Stored, keys: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """Each top-level key (of `keys`, else all) whose value differs, from and to, as JSON values."""
    old, new = (r.model_dump(mode="json", exclude_none=True) for r in (before, after))
    names = keys if keys is not None else list(dict.fromkeys([*old, *new]))
    return {key: {"from": old.get(key), "to": new.get(key)} for key in names if old.get(key) != new.get(key)}


Decide = Callable[[Stored, str], dict[str, Any]]
"""Given a record and its file's text as they are now, the top-level keys to rewrite (None
removes one); raises ChangeError to refuse."""


def change(config: Config, kind: str, path: Path, decide: Decide) -> Changed:
    """Rewrite the keys `decide` asks for in the record file at `path`, validate, replace the file:
    all under the file's lock, so `decide` sees the record as the last change left it."""

    def apply(text: str) -> tuple[str, Changed]:
        before = _record(config, kind, path, text)
        changes = decide(before, text)
        model = type(before)
        try:
            new_text = set_keys(text, changes, list(model.model_fields))
        except EditError as err:
            raise ChangeError(f"{relative(config, path)}: {err}") from None
        record = checked(config, path, model, new_text)
        return new_text, Changed(record, path, differences(before, record, list(changes)))

    try:
        return recordedit.edit(path, apply)
    except yamlread.YamlProblems as err:  # too large or not UTF-8
        raise _loaded(config, kind, path, err)[1] from None


def summary(config: Config, changed: Changed) -> dict[str, Any]:
    """What `--json` prints for a change (and the MCP tools return): the ID, the file, each key
    that changed and the record."""
    record = changed.record
    return {
        "id": getattr(record, "id", None) or changed.path.stem,
        "path": relative(config, changed.path),
        "changed": changed.changes,
        "record": plain(record),
    }
