"""Where each key of a TOML text is: tomllib gives the values but no positions.

`positions` reads a text tomllib has accepted and follows only its structure (table headers,
`[[array]]` items, `key =` lines with dotted or quoted keys, inline tables, arrays over several
lines, strings of every kind), so a problem with a setting can name its line and column.
"""

from __future__ import annotations

import bisect
import re
import tomllib

Key = tuple[str | int, ...]
"""A path into the parsed document: `("site", "docs_dir")`, `("repositories", 1, "name")`."""
Position = tuple[int, int]
"""1-based line and column; (0, 0) is the whole file."""

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}\n#]")
_AT = re.compile(r" \(at (?:line (\d+), column (\d+)|end of document)\)$")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.found: dict[Key, Position] = {}
        self.arrays: dict[Key, int] = {}
        """Each `[[array]]` of tables by its path, with the index of its last item so far."""

    def here(self) -> Position:
        line = bisect.bisect_right(self.starts, self.i)
        return line, self.i - self.starts[line - 1] + 1

    def mark(self, key: Key, at: Position) -> None:
        self.found.setdefault(key, at)

    def skip(self, newlines: bool = True) -> None:
        """Past spaces (and, with `newlines`, line ends and comments)."""
        text, blank = self.text, " \t\r\n" if newlines else " \t\r"
        while self.i < len(text):
            if text[self.i] in blank:
                self.i += 1
            elif newlines and text[self.i] == "#":
                end = text.find("\n", self.i)
                self.i = len(text) if end < 0 else end
            else:
                return

    def document(self) -> dict[Key, Position]:
        table: Key = ()
        self.skip()
        while self.i < len(self.text):
            if self.text[self.i] == "[":
                table = self.header()
            else:
                self.pair(table)
            self.skip()
        return self.found

    def header(self) -> Key:
        """Past `[table]` or `[[array]]`: the path of the table that follows."""
        at = self.here()
        double = self.text.startswith("[[", self.i)
        self.i += 2 if double else 1
        path = self.key()
        self.i += 2 if double else 1
        if not double:
            table = self.resolve(path)
        else:
            array = (*self.resolve(path[:-1]), path[-1])
            self.arrays[array] = self.arrays.get(array, -1) + 1
            self.mark(array, at)
            table = (*array, self.arrays[array])
        self.mark(table, at)
        return table

    def resolve(self, path: Key) -> Key:
        """A header's path, through the last item of each array of tables on the way."""
        resolved: Key = ()
        for part in path:
            resolved = (*resolved, part)
            if resolved in self.arrays:
                resolved = (*resolved, self.arrays[resolved])
        return resolved

    def key(self) -> Key:
        """A dotted key, each part bare or quoted; leaves the scanner after it."""
        parts: list[str] = []
        while True:
            self.skip(newlines=False)
            if self.text[self.i] in "\"'":
                start = self.i
                self.string()
                parts.append(tomllib.loads(f"k = {self.text[start : self.i]}")["k"])
            else:
                match = _BARE.match(self.text, self.i)
                assert match, f"not a key at {self.here()}"
                parts.append(match[0])
                self.i = match.end()
            self.skip(newlines=False)
            if self.text[self.i] != ".":
                return tuple(parts)
            self.i += 1

    def pair(self, table: Key) -> None:
        at = self.here()
        keys = self.key()
        for n in range(1, len(keys) + 1):
            self.mark((*table, *keys[:n]), at)
        self.i += 1  # =
        self.skip(newlines=False)
        self.value((*table, *keys))

    def value(self, key: Key) -> None:
        text = self.text
        if text[self.i] == "[":
            self.i += 1
            index = 0
            self.skip()
            while text[self.i] != "]":
                self.mark((*key, index), self.here())
                self.value((*key, index))
                self.skip()
                if text[self.i] == ",":
                    self.i += 1
                    self.skip()
                index += 1
            self.i += 1
        elif text[self.i] == "{":
            self.i += 1
            self.skip(newlines=False)
            while text[self.i] != "}":
                self.pair(key)
                self.skip(newlines=False)
                if text[self.i] == ",":
                    self.i += 1
                    self.skip(newlines=False)
            self.i += 1
        elif text[self.i] in "\"'":
            self.string()
        else:
            end = _SCALAR_END.search(text, self.i)
            self.i = len(text) if end is None else end.start()

    def string(self) -> None:
        """Past a string of any of TOML's four kinds."""
        text, quote = self.text, self.text[self.i]
        if text.startswith(quote * 3, self.i):
            self.i += 3
            while not text.startswith(quote * 3, self.i):
                self.i += 2 if quote == '"' and text[self.i] == "\\" else 1
            self.i += 3
            while self.i < len(text) and text[self.i] == quote:  # up to two quotes may end the content
                self.i += 1
            return
        self.i += 1
        while text[self.i] != quote:
            self.i += 2 if quote == '"' and text[self.i] == "\\" else 1
        self.i += 1


def positions(text: str) -> dict[Key, Position]:
    """Where each key, table and array item of `text` (valid TOML) starts."""
    return _Scanner(text).document()


def locate(found: dict[Key, Position], key: Key) -> Position:
    """Where `key` is, else the nearest enclosing key that is there (a missing key's table)."""
    for n in range(len(key), 0, -1):
        if key[:n] in found:
            return found[key[:n]]
    return (0, 0)


def error_position(err: tomllib.TOMLDecodeError, text: str) -> tuple[str, Position]:
    """tomllib's message without its position, and the position ('end of document': past the last character)."""
    message = str(err)
    match = _AT.search(message)
    if match is None:
        return message, (0, 0)
    if match[1]:
        return message[: match.start()], (int(match[1]), int(match[2]))
    lines = text.split("\n")
    return message[: match.start()], (len(lines), len(lines[-1]) + 1)


def too_deep(text: str, limit: int) -> Position:
    """Where `text` opens its `limit`+1st nested array or inline table, outside strings and
    comments (for a text too deep for tomllib, which says nothing of where); (0, 0) if nowhere."""
    scanner = _Scanner(text)
    depth = 0
    while scanner.i < len(text):
        char = text[scanner.i]
        if char in "\"'":
            start = scanner.i
            try:
                scanner.string()
            except IndexError:  # not closed: tomllib says so
                return (0, 0)
            if scanner.i <= start:
                return (0, 0)
            continue
        if char == "#":
            end = text.find("\n", scanner.i)
            scanner.i = len(text) if end < 0 else end
            continue
        if char in "[{":
            depth += 1
            if depth > limit:
                return scanner.here()
        elif char in "]}":
            depth -= 1
        scanner.i += 1
    return (0, 0)
