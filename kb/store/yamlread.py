"""Reading record YAML without its hazards.

Plain scalars stay exactly as typed: to YAML 1.1 an all-digit hash is an integer (octal with a
leading zero), `no`/`on` are booleans, `12:30` is 750 and `1.10` is 1.1. Here every plain scalar
except null is a string, and the pydantic model converts it only where a field asks for a number,
date or boolean. Duplicate keys, aliases, explicit tags, several documents, nesting deeper than
MAX_DEPTH and over-large files are errors with the line they are on. Every value's position is
kept so that schema errors can name a line too.

A record file is read by `read_file`: its size is checked before a byte is read, and no more than
the limit is ever read, so a huge (or endless, or sparse) file costs nothing; a file that cannot
be read at all (permissions, a symbolic link loop, not a regular file) is a problem of that file.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from kb.check.diagnostics import Code
from kb.store.layout import MAX_RECORD_BYTES

MAX_BYTES = MAX_RECORD_BYTES
"""Largest record file read, so a hostile file cannot exhaust memory."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists read. Records are a few levels deep; a file nested
hundreds deep would exhaust the stack of every step after parsing."""

Path_ = tuple[str | int, ...]
STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"


@dataclass(frozen=True)
class YamlProblem:
    """One thing wrong with a YAML file, before any schema is applied."""

    code: Code
    line: int
    column: int
    message: str
    field: str = ""


class YamlProblems(Exception):
    """The file cannot be read as a record; carries every problem found."""

    def __init__(self, problems: list[YamlProblem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems

    def __reduce__(self) -> tuple[type[YamlProblems], tuple[list[YamlProblem]]]:
        """Pickled with its problems, as a parse in a forked worker returns it to the parent."""
        return (YamlProblems, (self.problems,))


def _where(node: Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _path_text(path: Path_) -> str:
    return ".".join(str(p) for p in path)


@dataclass
class Loaded:
    """A parsed document, with its node tree kept to say where each value was written."""

    data: Any
    root: Node | None = field(default=None, repr=False)

    def position(self, path: Path_) -> tuple[int, int]:
        """1-based (line, column) of `path` (a key's own line for mapping entries), or of its
        nearest ancestor that exists; computed on demand, since only problems need it."""
        node, found = self.root, (1, 1)
        for step in path:
            if isinstance(node, MappingNode):
                match = next(((k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == step), None)
                if match is None:
                    break
                found, node = _where(match[0]), match[1]
            elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                node = node.value[step]
                found = _where(node)
            else:
                break
        return found


class _Resolver(BaseResolver):
    """Resolves nothing implicitly except null: every other plain scalar is a string."""

    _NULLS = frozenset({"~", "null", "Null", "NULL", ""})

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            return NULL_TAG if implicit[0] and value in self._NULLS else STR_TAG
        return SEQ_TAG if kind is SequenceNode else MAP_TAG


_CParser: Any = getattr(getattr(yaml, "cyaml", None), "CParser", None)  # libyaml's parser, when built with it

if _CParser is not None:

    class _Loader(_CParser, _Resolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _Resolver.__init__(self)

else:  # pragma: no cover - the pure-Python parser, slower but the same

    class _Loader(Reader, Scanner, Parser, Composer, _Resolver):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            _Resolver.__init__(self)


def _compose(text: str) -> Node | None:
    loader = _Loader(text)
    try:
        node: Node | None = loader.get_single_node()
    finally:
        loader.dispose()
    return node


class _Converter:
    """Builds plain Python values from a node tree; aliases, tags and bad keys become problems.

    A class rather than a recursive closure: a closure that calls itself is a reference
    cycle, which would keep every node tree alive until the garbage collector runs.
    """

    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.problems: list[YamlProblem] = []
        self.seen: set[int] = set()

    def problem(self, code: Code, path: Path_, message: str, at: Node | None = None) -> None:
        line, col = _where(at) if at is not None else self.loaded.position(path)
        field = _path_text(path) if len(path) < MAX_DEPTH else f"{_path_text(path[:3])}..."
        self.problems.append(YamlProblem(code, line, col, message, field))

    def walk(self, node: Node, path: Path_) -> Any:
        seen = self.seen
        if len(path) >= MAX_DEPTH and isinstance(node, (SequenceNode, MappingNode)):
            self.problem(Code.E109, path, f"nested more than {MAX_DEPTH} levels deep; records are flatter", node)
            return None
        if id(node) in seen:
            anchor = _where(node)[0]
            self.problem(Code.E104, path, f"aliases are not allowed (anchor on line {anchor}); write the value out")
            return None
        seen.add(id(node))
        tag = node.tag
        if tag == STR_TAG:
            return node.value
        if tag == NULL_TAG:
            return None
        if tag == SEQ_TAG:
            return [self.walk(item, (*path, i)) for i, item in enumerate(node.value)]
        if tag != MAP_TAG:
            self.problem(Code.E105, path, f"explicit tag {tag} is not allowed; write the plain value")
            return None if isinstance(node, (SequenceNode, MappingNode)) else node.value
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key_node.tag != STR_TAG or not isinstance(key, str):
                self.problem(Code.E106, path, "mapping keys must be plain words", at=key_node)
            elif key == "<<":
                self.problem(Code.E104, path, "merge keys (<<) are not allowed", at=key_node)
            elif key in result:
                first = self.loaded.position((*path, key))[0]
                self.problem(
                    Code.E103, (*path, key), f"duplicate key {key!r} (first on line {first}); keep one", key_node
                )
            elif value_node.tag == STR_TAG and id(value_node) not in seen:
                seen.add(id(value_node))
                result[key] = value_node.value
            else:
                result[key] = self.walk(value_node, (*path, key))
        return result


def loads(text: str) -> Loaded:
    """Parse one YAML document; raise YamlProblems listing everything wrong with it."""
    try:
        root = _compose(text)
    except RecursionError:  # pragma: no cover - the pure-Python parser only; libyaml stops at 1000 levels
        raise YamlProblems([YamlProblem(Code.E109, 1, 1, f"nested more than {MAX_DEPTH} levels deep")]) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(part for part in (err.context, err.problem) if part)
        if "expected a single document" in message:
            problem = YamlProblem(Code.E107, line, col, "one record per file: remove the extra '---' document")
            raise YamlProblems([problem]) from None
        raise YamlProblems([YamlProblem(Code.E101, line, col, f"YAML syntax: {message}")]) from None
    except yaml.YAMLError as err:
        raise YamlProblems([YamlProblem(Code.E101, 1, 1, f"YAML syntax: {err}")]) from None
    if root is None:
        raise YamlProblems([YamlProblem(Code.E108, 1, 1, "the file is empty")])
    loaded = Loaded(None, root)
    converter = _Converter(loaded)
    loaded.data = converter.walk(root, ())
    if converter.problems:
        raise YamlProblems(converter.problems)
    return loaded


def read_text(raw: bytes, max_bytes: int = MAX_BYTES) -> str:
    """Decode a record file's bytes, refusing over-large or non-UTF-8 files before parsing."""
    if len(raw) > max_bytes:
        raise _too_large(len(raw), max_bytes)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise YamlProblems(
            [YamlProblem(Code.E101, 1, 1, f"not UTF-8 text: {err.reason} at byte {err.start}")]
        ) from None


def deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and mappings nest in `value` (parsed from JSON, say) deeper than `limit`, as
    `loads` counts them (found without recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def _unreadable(message: str) -> YamlProblems:
    return YamlProblems([YamlProblem(Code.E110, 1, 1, message)])


def read_file(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> str:
    """A record file's text, read as `read_fd` reads it; a file that cannot be opened is a
    YamlProblems (E110) naming why."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # a FIFO must not block the run
    except OSError as err:
        raise _unreadable(f"cannot be read: {err.strerror or err}") from None
    try:
        return read_fd(fd, max_bytes)
    finally:
        os.close(fd)


def read_fd(fd: int, max_bytes: int = MAX_BYTES) -> str:
    """The text of the record file open as `fd`: refused before reading when it is not a regular
    file or larger than `max_bytes`, and never more than that read (a file can grow meanwhile)."""
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _unreadable("not a regular file")
        if info.st_size > max_bytes:
            raise _too_large(info.st_size, max_bytes)
        chunks, left = [], max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as err:
        raise _unreadable(f"cannot be read: {err.strerror or err}") from None
    return read_text(b"".join(chunks), max_bytes)


def _too_large(size: int, max_bytes: int) -> YamlProblems:
    return YamlProblems([YamlProblem(Code.E102, 1, 1, f"file is {size} bytes; records are limited to {max_bytes}")])
