"""Closing and reopening actions: status, date and evidence, written into the person's own file.

Only the changed keys are rewritten (see `kb.store.lineedit`); the result is validated before it
replaces the file atomically, so a failed close leaves the file exactly as it was. The file is
read, checked and rewritten under its lock (`kb.store.recordedit`), so two closes of one action
cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.check.diagnostics import Diagnostic
from kb.records.models import Action, ActionStatus
from kb.records.refs import CommitRef
from kb.store import recordedit, yamlread
from kb.store.config import Config
from kb.store.layout import SUFFIXES
from kb.store.lineedit import EditError, set_keys
from kb.store.loader import check_data, load_entry, plain, relative


class CloseError(Exception):
    """The action cannot be closed or reopened as asked; the message says why."""


class NeedsEvidence(CloseError):
    """Closing without a commit or a note: a usage error."""


@dataclass(frozen=True)
class Changed:
    """The action as written, its file, and each key that changed: {"from": old, "to": new} (JSON values)."""

    action: Action
    path: Path
    changes: dict[str, dict[str, Any]]


def find_action(config: Config, ident: str) -> Path:
    """The file of the action `ident` names: its full ID, or a prefix only one action has."""
    folder = config.records / Action.folder
    files = [p for p in sorted(folder.iterdir()) if p.suffix in SUFFIXES] if folder.is_dir() else []
    exact = [p for p in files if p.stem == ident]
    if exact:
        return exact[0]
    matches = [p for p in files if p.stem.startswith(ident)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise CloseError(f"{ident!r} matches {len(matches)} actions: {', '.join(p.stem for p in matches[:5])}")
    raise CloseError(f"no action {ident!r} in {relative(config, folder)}")


def _unloadable(problems: list[Diagnostic]) -> CloseError:
    return CloseError("\n".join(p.format() for p in problems) + "\nfix the file first (`kb validate`)")


def _load(config: Config, path: Path, text: str) -> Action:
    try:
        data: Any = yamlread.loads(text).data
    except yamlread.YamlProblems as err:
        data = err
    entry, problems = load_entry(Action, path, relative(config, path), data)
    if entry is None:
        raise _unloadable(problems)
    assert isinstance(entry.record, Action)
    return entry.record


def _edit(config: Config, path: Path, change: Callable[[str, Action], tuple[str, Changed]]) -> Changed:
    """`change` the action's file under its lock, given its text and its action as they are now."""
    try:
        return recordedit.edit(path, lambda text: change(text, _load(config, path, text)))
    except yamlread.YamlProblems as err:  # too large or not UTF-8
        raise _unloadable(load_entry(Action, path, relative(config, path), err)[1]) from None


def _write(config: Config, path: Path, text: str, before: Action, changes: dict[str, Any]) -> tuple[str, Changed]:
    order = list(Action.model_fields)
    try:
        new_text = set_keys(text, changes, order)
    except EditError as err:
        raise CloseError(f"{relative(config, path)}: {err}") from None
    loaded = yamlread.loads(new_text)
    record, problems = check_data(Action, loaded.data, relative(config, path), lambda: loaded)
    if record is None:  # pragma: no cover - the changes are built from valid values
        raise CloseError("\n".join(p.format() for p in problems))
    old, new = (a.model_dump(mode="json", exclude_none=True) for a in (before, record))
    changed = {key: {"from": old.get(key), "to": new.get(key)} for key in changes if old.get(key) != new.get(key)}
    return new_text, Changed(record, path, changed)


def summary(config: Config, changed: Changed) -> dict[str, Any]:
    """What `kb close --json` (and `kb reopen --json`) prints and the MCP tool returns."""
    return {
        "id": changed.action.id,
        "path": relative(config, changed.path),
        "changed": changed.changes,
        "record": plain(changed.action),
    }


def close(
    config: Config,
    ident: str,
    day: dt.date,
    commit: str | None = None,
    note: str | None = None,
    status: ActionStatus = ActionStatus.done,
) -> Changed:
    """Mark an action done (or dropped) on `day`, with a commit or a note as evidence."""
    if not commit and not note:
        raise NeedsEvidence("closing needs evidence: --commit HASH (the commit that did it) or --note TEXT (why)")
    if commit:
        try:
            ref = CommitRef.parse(commit)
        except ValueError as err:
            raise CloseError(str(err)) from None
        if ref.repo is not None and config.repository(ref.repo) is None:
            raise CloseError(f"no repository named {ref.repo!r} in kb.toml")
    path = find_action(config, ident)

    def change(text: str, action: Action) -> tuple[str, Changed]:
        if action.status is not ActionStatus.open:
            since = f" since {action.closed}" if action.closed else ""
            raise CloseError(f"{action.id} is already {action.status.value}{since}; `kb reopen {action.id}` first")
        evidence = {key: value for key, value in (("commit", commit), ("note", note)) if value}
        return _write(config, path, text, action, {"status": status.value, "closed": day, "evidence": evidence})

    return _edit(config, path, change)


def reopen(config: Config, ident: str, day: dt.date, note: str | None = None) -> Changed:
    """Mark an action open again; how it had been closed is kept in its notes."""
    path = find_action(config, ident)

    def change(text: str, action: Action) -> tuple[str, Changed]:
        if action.status is ActionStatus.open:
            raise CloseError(f"{action.id} is already open")
        was = f"was {action.status.value}" + (f" on {action.closed}" if action.closed else "")
        if action.evidence and action.evidence.commit:
            was += f", commit {action.evidence.commit}"
        if action.evidence and action.evidence.note:
            was += f", note: {action.evidence.note}"
        remark = f"{day}: reopened" + (f": {note}" if note else "") + f" ({was})"
        notes = [*action.notes, remark]
        changes = {"status": ActionStatus.open.value, "closed": None, "evidence": None, "notes": notes}
        return _write(config, path, text, action, changes)

    return _edit(config, path, change)
