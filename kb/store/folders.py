"""The folders kb.toml names stay apart: kb empties or deletes some of them whole.

The records and the templates must not mix, nor sit where kb empties a folder (the site's
generated pages, the built site) or deletes one (the cache), and no output may lie in any of
them. Only the paths are compared, as kb.toml writes them (relative to its folder); a folder
outside the knowledge base is checked when kb is about to fill it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from kb.store.settings import default

if TYPE_CHECKING:
    from kb.store.tomlpos import Key

FOLDER_SETTINGS: dict[str, str] = {
    "records": "",
    "templates": "",
    "cache": "deleting the cache deletes what is in it",
    "site.docs_dir": "`kb site` empties site.docs_dir on every build",
    "site.site_dir": "MkDocs empties site.site_dir on every build",
}
"""The folders kb.toml names, which must stay apart, with what kb does to the whole of each it fills."""
_NESTED_OK = {("cache", "site.docs_dir"), ("cache", "site.site_dir")}
"""Folders kb fills that may sit inside the cache (the default docs_dir does)."""


def _given(document: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    """Whether kb.toml gives setting `key`, and its value (else its default), in a document not yet checked."""
    *tables, name = key.split(".")
    for part in tables:
        document = document.get(part, {})
        if not isinstance(document, dict):
            return False, None
    return name in document, document.get(name, default(key))


def _folder(document: Mapping[str, Any], key: str) -> str | None:
    """A folder setting's value, normalised, when it is text inside the knowledge base."""
    text = _given(document, key)[1]
    if not isinstance(text, str) or posixpath.isabs(text):
        return None
    normal = posixpath.normpath(text)
    return None if normal.split("/")[0] == ".." else normal


def _within(inner: str, outer: str) -> bool:
    return outer == "." or inner == outer or inner.startswith(outer + "/")


def apart(document: Mapping[str, Any]) -> Iterator[tuple[Key, str]]:
    """Each setting's first problem in `_overlaps`, as (where in kb.toml, message)."""
    seen: set[Key] = set()
    for key, message in _overlaps(document):
        if key not in seen:
            seen.add(key)
            yield key, message


def _overlaps(document: Mapping[str, Any]) -> Iterator[tuple[Key, str]]:
    """Each folder kb.toml names apart from the others, and no output inside any of them: the
    records and templates must not mix, nor sit where kb empties or deletes a folder whole."""
    folders = {key: _folder(document, key) for key in FOLDER_SETTINGS}
    keys = list(FOLDER_SETTINGS)
    for i, first in enumerate(keys):
        for second in keys[i + 1 :]:
            a, b = folders[first], folders[second]
            if a is None or b is None or ((first, second) in _NESTED_OK and _within(b, a)):
                continue
            if _within(a, b) or _within(b, a):
                at = second if _given(document, second)[0] else first
                other = first if at == second else second
                why = FOLDER_SETTINGS[second] or "the records and the templates would mix"
                message = f"{folders[at]!r} overlaps {other} ({folders[other]!r}): {why}; give each its own folder"
                yield tuple(at.split(".")), message
    written, outputs = _given(document, "outputs")
    for index, entry in enumerate(outputs if isinstance(outputs, list | tuple) else []):
        path = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(path, str):
            continue
        inside = [key for key, folder in folders.items() if folder and _within(posixpath.normpath(path), folder)]
        if not inside:
            continue
        key = inside[0]
        why = FOLDER_SETTINGS[key] or f"a document among the {key}"
        if written:
            yield ("outputs", index, "path"), f"{path!r} is inside {key} ({folders[key]!r}): {why}"
        else:
            yield tuple(key.split(".")), f"{folders[key]!r} holds the output {path!r}: {why}"
