"""Changing a few top-level keys of a record file and leaving every other byte alone.

A person's record file has comments, their own key order and hand-wrapped block text; a YAML
round trip would reflow some of that. Here the file's own parser positions say which lines
each top-level key spans; only the spans of the keys being changed are rewritten (or a new key
is inserted after the key that precedes it in the model), so the rest stays byte-identical.
"""

from __future__ import annotations

import re
from typing import Any

from kb.store import yamlread
from kb.store.yamlwrite import dumps

_PLAIN_WITH_COMMENT = re.compile(r"^[A-Za-z_][\w-]*:[ \t]+[^'\"#\s|>{\[][^#\n]*?([ \t]+#[^\n]*)$")


class EditError(Exception):
    """The file cannot be edited in place safely; the message says why."""


def _is_trivia(line: str) -> bool:
    """A blank line or a comment at the margin: it belongs to what follows, not to the key above."""
    return not line.strip() or line.startswith("#")


def spans(text: str) -> dict[str, tuple[int, int]]:
    """Each top-level key's lines as a 0-based [start, end) range, trailing comments excluded."""
    try:
        loaded = yamlread.loads(text)
    except yamlread.YamlProblems as err:
        raise EditError(f"not valid YAML: {err}") from None
    if not isinstance(loaded.data, dict):
        raise EditError("the file is not a mapping of fields")
    starts = []
    for key in loaded.data:
        line, column = loaded.position((key,))
        if column != 1:
            raise EditError(f"line {line}: key {key!r} does not start the line (flow style?); edit this file by hand")
        starts.append((line - 1, key))
    starts.sort()
    count = len(text.splitlines())
    lines = text.splitlines()
    result = {}
    for i, (start, key) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else count
        while end - 1 > start and _is_trivia(lines[end - 1]):
            end -= 1
        result[key] = (start, end)
    return result


def _rendered(key: str, value: Any, old: list[str]) -> list[str]:
    new = dumps({key: value}).splitlines(keepends=True)
    if len(old) == 1 and len(new) == 1:
        match = _PLAIN_WITH_COMMENT.match(old[0].rstrip("\n"))
        if match:  # `status: open  # waiting on vendor`: keep the person's comment
            new = [new[0].rstrip("\n") + match.group(1) + "\n"]
    return new


def set_key(text: str, key: str, value: Any, order: list[str]) -> str:
    """`text` with top-level `key` set to `value` (None removes it); `order` places a new key."""
    where = spans(text)
    lines = text.splitlines(keepends=True)
    if key in where:
        start, end = where[key]
        replacement = [] if value is None else _rendered(key, value, lines[start:end])
        return "".join(lines[:start] + replacement + lines[end:])
    if value is None:
        return text
    earlier = [k for k in order[: order.index(key)] if k in where] if key in order else list(where)
    at = where[earlier[-1]][1] if earlier else min((s for s, _ in where.values()), default=len(lines))
    if at > 0 and not lines[at - 1].endswith("\n"):
        lines[at - 1] += "\n"
    return "".join(lines[:at] + dumps({key: value}).splitlines(keepends=True) + lines[at:])


def set_keys(text: str, changes: dict[str, Any], order: list[str]) -> str:
    """Apply several `set_key` changes in turn."""
    for key, value in changes.items():
        text = set_key(text, key, value, order)
    return text
