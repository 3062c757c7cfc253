"""Reading record YAML without its hazards.

Plain scalars stay exactly as typed: to YAML 1.1 an all-digit hash is an integer (octal with a
leading zero), `no`/`on` are booleans, `12:30` is 750 and `1.10` is 1.1. Here every plain scalar
except null is a string, and the pydantic model converts it only where a field asks for a number,
date or boolean. Duplicate keys, aliases, explicit tags, several documents and over-large files
are errors with the line they are on. Every value's position is kept so that schema errors can
name a line too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

MAX_BYTES = 1024 * 1024
"""Largest record file read, so a hostile file cannot exhaust memory."""

Path_ = tuple[str | int, ...]
STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"


@dataclass(frozen=True)
class YamlProblem:
    """One thing wrong with a YAML file, before any schema is applied."""

    code: str
    line: int
    column: int
    message: str
    field: str = ""


class YamlProblems(Exception):
    """The file cannot be read as a record; carries every problem found."""

    def __init__(self, problems: list[YamlProblem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass
class Loaded:
    """A parsed document and where each value in it was written (1-based line and column)."""

    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path_) -> tuple[int, int]:
        """The position of `path`, or of its nearest ancestor that was written down."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(path[:end])
            if found:
                return found
        return (1, 1)


class _Resolver(BaseResolver):
    """Resolves nothing implicitly except null: everything else is a string."""


_Resolver.add_implicit_resolver(NULL_TAG, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


_CParser: Any = None  # libyaml's parser, when PyYAML was built with it (`yaml` itself does not export it)
if yaml.__with_libyaml__:
    from yaml._yaml import CParser as _CParser

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


def _where(node: Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _path_text(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def _compose(text: str) -> Node | None:
    loader = _Loader(text)
    try:
        node: Node | None = loader.get_single_node()
    finally:
        loader.dispose()
    return node


def _convert(root: Node, loaded: Loaded, problems: list[YamlProblem]) -> Any:
    """Build plain Python values from the node tree, recording positions and problems."""
    seen: set[int] = set()

    def walk(node: Node, path: Path_) -> Any:
        line, col = _where(node)
        if id(node) in seen:
            at_line, at_col = loaded.positions.get(path, (line, col))
            problems.append(
                YamlProblem(
                    "E104",
                    at_line,
                    at_col,
                    f"aliases are not allowed (anchor on line {line}); write the value out",
                    _path_text(path),
                )
            )
            return None
        seen.add(id(node))
        loaded.positions.setdefault(path, (line, col))
        if isinstance(node, ScalarNode):
            if node.tag == NULL_TAG:
                return None
            if node.tag != STR_TAG:
                problems.append(
                    YamlProblem(
                        "E105",
                        line,
                        col,
                        f"explicit tag {node.tag} is not allowed; write the plain value",
                        _path_text(path),
                    )
                )
            return node.value
        if isinstance(node, SequenceNode):
            if node.tag != SEQ_TAG:
                problems.append(
                    YamlProblem("E105", line, col, f"explicit tag {node.tag} is not allowed", _path_text(path))
                )
            return [walk(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != MAP_TAG:
                problems.append(
                    YamlProblem("E105", line, col, f"explicit tag {node.tag} is not allowed", _path_text(path))
                )
            result: dict[str, Any] = {}
            first_line: dict[str, int] = {}
            for key_node, value_node in node.value:
                key_line, key_col = _where(key_node)
                if not isinstance(key_node, ScalarNode) or key_node.tag not in (STR_TAG, NULL_TAG):
                    problems.append(
                        YamlProblem("E106", key_line, key_col, "mapping keys must be plain words", _path_text(path))
                    )
                    continue
                key = key_node.value
                if key == "<<":
                    problems.append(
                        YamlProblem("E104", key_line, key_col, "merge keys (<<) are not allowed", _path_text(path))
                    )
                    continue
                if key in result:
                    problems.append(
                        YamlProblem(
                            "E103",
                            key_line,
                            key_col,
                            f"duplicate key {key!r} (first on line {first_line[key]}); keep one",
                            _path_text((*path, key)),
                        )
                    )
                    continue
                first_line[key] = key_line
                loaded.positions[(*path, key)] = (key_line, key_col)
                result[key] = walk(value_node, (*path, key))
            return result
        raise TypeError(f"unexpected YAML node {node!r}")  # pragma: no cover

    return walk(root, ())


def loads(text: str) -> Loaded:
    """Parse one YAML document; raise YamlProblems listing everything wrong with it."""
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(part for part in (err.context, err.problem) if part)
        if "expected a single document" in message:
            problem = YamlProblem("E107", line, col, "one record per file: remove the extra '---' document")
            raise YamlProblems([problem]) from None
        raise YamlProblems([YamlProblem("E101", line, col, f"YAML syntax: {message}")]) from None
    except yaml.YAMLError as err:
        raise YamlProblems([YamlProblem("E101", 1, 1, f"YAML syntax: {err}")]) from None
    if root is None:
        raise YamlProblems([YamlProblem("E108", 1, 1, "the file is empty")])
    loaded = Loaded(None)
    problems: list[YamlProblem] = []
    loaded.data = _convert(root, loaded, problems)
    if problems:
        raise YamlProblems(problems)
    return loaded


def read_text(raw: bytes, max_bytes: int = MAX_BYTES) -> str:
    """Decode a record file's bytes, refusing over-large or non-UTF-8 files before parsing."""
    if len(raw) > max_bytes:
        raise YamlProblems([YamlProblem("E102", 1, 1, f"file is {len(raw)} bytes; records are limited to {max_bytes}")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise YamlProblems([YamlProblem("E101", 1, 1, f"not UTF-8 text: {err.reason} at byte {err.start}")]) from None
