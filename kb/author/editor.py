"""Editing a draft in `$EDITOR` until it is valid, without ever losing the text.

The draft is a real file in the cache folder from the first keystroke: if the editor fails,
the user empties the file, or kb itself dies, the text is still there and its path is reported.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from kb.author.scaffold import is_blank
from kb.store import inputs
from kb.store.atomic import create_exclusive, replace_atomic
from kb.store.layout import MAX_RECORD_BYTES
from kb.store.tempfiles import sweep_folders

T = TypeVar("T")
DRAFTS = "drafts"


class Rejected(Exception):
    """The edited text is not acceptable yet; `annotated` is the text to reopen, problems on top,
    and `problems` lists them (each `path:line:col: CODE field: message`)."""

    def __init__(self, annotated: str, problems: list[str]):
        super().__init__("the edited text is not valid")
        self.annotated = annotated
        self.problems = problems


class EditAborted(Exception):
    """The editing ended without a valid text; it is kept at `recovery`. `problems` are what was
    still wrong with it, when that is why it ended."""

    def __init__(self, reason: str, recovery: Path, problems: list[str] | None = None):
        super().__init__(f"{reason}; your text is kept in {recovery}")
        self.reason = reason
        self.recovery = recovery
        self.problems = problems or []


def editor() -> str:
    """The editor to run, chosen the way git chooses it."""
    return os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"


def run_editor(path: Path) -> int:
    """Open `path` in the user's editor (a shell command, so `code --wait` works); its exit status."""
    import subprocess  # only the editor route pays for it

    command = editor()
    return subprocess.call(["sh", "-c", f'{command} "$@"', command, str(path)])


def new_draft(cache: Path, name: str, text: str) -> Path:
    """A fresh draft file under the cache folder holding `text`, its name starting with `name`."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    sweep_folders([cache / DRAFTS])
    for n in range(1000):
        path = cache / DRAFTS / f"{name}-{stamp}-{os.getpid()}{f'-{n}' if n else ''}.yaml"
        try:
            create_exclusive(path, text, durable=True)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free draft name in {cache / DRAFTS}")


def _read(draft: Path) -> str:
    return inputs.read_text(draft, MAX_RECORD_BYTES) if draft.exists() else ""


def edit_until_valid(
    draft: Path, accept: Callable[[str], T], run: Callable[[Path], int] = run_editor, reopen: bool = True
) -> T:
    """Reopen the editor on `draft` until `accept(text)` stops raising Rejected.

    The draft is removed once accepted. An editor that fails, or a file left blank, ends the
    loop with EditAborted; the draft then holds the last text that was not blank. A rejected
    text ends it too, with its problems, when the editor is not to be reopened (`reopen` false:
    nobody at a terminal to fix it) or left the text as it was (an editor that does not wait
    for a person, such as `true`): either would reopen it forever.
    """
    kept = _read(draft)
    while True:
        before = _read(draft)
        status = run(draft)
        text = _read(draft)
        if not is_blank(text):
            kept = text
        if status != 0 or is_blank(text):
            replace_atomic(draft, kept, durable=True)
            raise EditAborted(f"editor exited with status {status}" if status else "the file was left empty", draft)
        try:
            result = accept(text)
        except Rejected as err:
            replace_atomic(draft, err.annotated, durable=True)
            if not reopen:
                raise EditAborted(
                    "the record is not valid (no terminal to edit it again)", draft, err.problems
                ) from None
            if text == before:
                raise EditAborted(
                    "the record is not valid and the editor left it unchanged", draft, err.problems
                ) from None
            continue
        draft.unlink()
        return result
