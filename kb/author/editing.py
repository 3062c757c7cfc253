"""`kb edit`: an existing record in `$EDITOR`, saved only once it is valid, its text never lost.

The person edits the file's own text (a copy under the cache folder's drafts), so comments and
layout are theirs to keep. A save that is not a valid record, or names IDs that do not exist,
reopens the editor with the problems on top, as `kb new --edit` does; the record's ID cannot
change (it is the file's name). The file is replaced, under its lock, only if nobody changed it meanwhile.
"""

from __future__ import annotations

from pathlib import Path

from kb.author.changing import Changed, ChangeProblems, checked, differences, find_file
from kb.author.create import Runner
from kb.author.editor import EditAborted, Rejected, edit_until_valid, new_draft, run_editor
from kb.author.scaffold import strip_errors, with_errors
from kb.check.diagnostics import Code, Diagnostic
from kb.records.models import KINDS, Record, Stored
from kb.store import recordedit, yamlread
from kb.store.config import Config
from kb.store.loader import relative


def _before(config: Config, path: Path, model: type[Stored], text: str) -> Stored | None:
    """The record as it was, if it was valid (an edit may be what mends it)."""
    try:
        return checked(config, path, model, text)
    except ChangeProblems:
        return None


def _renamed(file: str, model: type[Stored], stem: str, body: str) -> list[Diagnostic]:
    """E302 when the edited text gives the record another ID than its file's name."""
    try:
        loaded = yamlread.loads(body)
    except yamlread.YamlProblems:
        return []  # `checked` reports them
    if not issubclass(model, Record) or not isinstance(loaded.data, dict) or loaded.data.get("id") == stem:
        return []
    line, column = loaded.position(("id",))
    return [Diagnostic(file, line, column, Code.E302, "id", f"the ID names the file: keep {stem}")]


def edit(config: Config, ident: str, text: str | None = None, run: Runner | None = None) -> Changed:
    """Edit the record `ident` names (ID or unique prefix) until it is valid, then save it (a
    text that came back as it was is not written). `text` starts the editor on other text than
    the file's (a kept draft). EditAborted, naming the draft, when the person gives up or the file
    changed on disk meanwhile."""
    kind, path = find_file(config, ident)
    model = KINDS[kind]
    original, file = path.read_text(encoding="utf-8"), relative(config, path)
    before = _before(config, path, model, original)
    draft = new_draft(config.cache, f"edit-{path.stem}", original if text is None else text)

    def accept(edited: str) -> Stored:
        body = strip_errors(edited)
        renamed = _renamed(file, model, path.stem, body)
        try:
            record = checked(config, path, model, body)
        except ChangeProblems as err:
            problems = sorted([*err.problems, *renamed])
            raise Rejected(with_errors(edited, problems), [p.format() for p in problems]) from None
        if renamed:
            raise Rejected(with_errors(edited, renamed), [p.format() for p in renamed])
        # Saved under the file's lock, only over the text the person started from; before the
        # draft is let go, so a refused save keeps it.
        if not recordedit.edit(path, lambda now: (body, True) if now == original else (now, False)):
            raise EditAborted(f"{file} changed on disk while you edited it", draft)
        return record

    record = edit_until_valid(draft, accept, run or run_editor)
    if before is not None:
        return Changed(record, path, differences(before, record))
    written = record.model_dump(mode="json", exclude_none=True)
    return Changed(record, path, {key: {"from": None, "to": value} for key, value in written.items()})
