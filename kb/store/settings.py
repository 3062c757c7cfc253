"""The settings of kb.toml, declared once: the reader checks a file against this table, and the
README's table of settings is rendered from it.

Standard library only, like the rest of reading kb.toml: `kb search` reads it too, so what only
a problem needs (key positions, diagnostics, near misses) is imported when there is one.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

if TYPE_CHECKING:
    from kb.check.diagnostics import Diagnostic
    from kb.store.tomlpos import Key, Position


class Type(NamedTuple):
    """A kind of value a setting takes: its name in the docs, its Python type, and its items' type."""

    name: str
    python: type[Any]
    item: Type | None = None


TEXT = Type("text", str)
BOOLEAN = Type("boolean", bool)
INTEGER = Type("integer", int)
TABLE = Type("table", dict)
TEXTS = Type("list of text", list, TEXT)
TABLES = Type("list of tables", list, TABLE)

Rule: TypeAlias = "Callable[[Any], Iterator[tuple[Key, str]]]"
"""A check of a well-typed value beyond its type: (where inside the value, message) for each problem."""


class Setting(NamedTuple):
    """One setting: its dotted key (`repositories.name` is a key of each `[[repositories]]`
    table), type, default (`None`: required, as TOML has no null), meaning and rule."""

    key: str
    type: Type
    default: Any
    meaning: str
    rule: Rule | None = None


def _each(rule: Callable[[str], str | None]) -> Rule:
    """A rule for a list that applies `rule` to each item."""

    def check(items: list[Any]) -> Iterator[tuple[Key, str]]:
        for index, item in enumerate(items):
            message = rule(item) if isinstance(item, str) else None
            if message:
                yield (index,), message

    return check


REPO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
"""A repository's name, the REPO in REPO@HASH."""
REGION_WORD = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
"""A managed region's name, as kb.toml's `region` and its `<!-- kb:begin NAME -->` marker spell it."""
REGION_NAME = re.compile(rf"^{REGION_WORD}$")
AUDIT_PLACEHOLDER = "{audit}"
"""In an output's path, the audit's ID: one document per audit."""
_TRAILER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")


def _repo_name(name: str) -> Iterator[tuple[Key, str]]:
    if not REPO_NAME.match(name):
        yield (), f"{name!r} is not a name: up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"


def _trailer(word: str) -> str | None:
    return None if _TRAILER.match(word) else f"{word!r} is not a trailer word like 'Finding' or 'Refs'"


def _code(text: str) -> str | None:
    from kb.check.diagnostics import ignorable

    try:
        ignorable(text)
    except ValueError as err:
        return str(err)
    return None


def _synonyms(line: str) -> str | None:
    from kb.fulltext.synonyms import problem

    return problem(line)


def _inside(path: str) -> Iterator[tuple[Key, str]]:
    if posixpath.isabs(path) or posixpath.normpath(path).split("/")[0] == "..":
        yield (), f"{path!r} is not a path inside the knowledge base"


def _distinct(entries: list[Any], array: str, key: str) -> Iterator[tuple[Key, str]]:
    """Entries of `array` whose `key` repeats an earlier entry's."""
    first: dict[str, int] = {}
    for index, entry in enumerate(entries):
        value = entry.get(key) if isinstance(entry, dict) else None
        if isinstance(value, str) and value in first:
            yield (index, key), f"{value!r} is the {key} of {array}.{first[value]} too"
        elif isinstance(value, str):
            first[value] = index


def _repositories(entries: list[Any]) -> Iterator[tuple[Key, str]]:
    yield from _distinct(entries, "repositories", "name")
    defaults = [i for i, entry in enumerate(entries) if isinstance(entry, dict) and entry.get("default") is True]
    for index in defaults[1:]:
        yield (index, "default"), f"repositories.{defaults[0]} is the default already; only one can be"


def _region_name(name: str) -> Iterator[tuple[Key, str]]:
    if name and not REGION_NAME.match(name):
        yield (), f"{name!r} is not a region name: letters, digits, '.', '_' or '-', starting with a letter or digit"


def _positive(number: int) -> Iterator[tuple[Key, str]]:
    if number < 1:
        yield (), f"{number} is not a number of bytes: give 1 or more"


def _outputs(entries: list[Any]) -> Iterator[tuple[Key, str]]:
    """No two outputs write one document or one region, and a file is either a whole document or
    holds regions; a region is in one file, so its path cannot hold `{audit}`."""
    whole: dict[str, int] = {}
    parts: dict[str, dict[str, int]] = {}
    for index, entry in enumerate(entries):
        path, region = (entry.get("path"), entry.get("region", "")) if isinstance(entry, dict) else (None, None)
        if not isinstance(path, str) or not isinstance(region, str):
            continue
        if not region and path in whole:
            yield (index, "path"), f"{path!r} is the path of outputs.{whole[path]} too"
        elif not region and path in parts:
            yield (index, "path"), f"{path!r} holds regions (outputs.{min(parts[path].values())}): name a region"
        elif region and path in whole:
            yield (index, "region"), f"{path!r} is a whole document (outputs.{whole[path]}), not a file with regions"
        elif region and region in parts.get(path, {}):
            yield (index, "region"), f"{region!r} is the region of outputs.{parts[path][region]} in {path!r} too"
        elif region and AUDIT_PLACEHOLDER in path:
            yield (index, "region"), f"a region is part of one file: its path cannot hold {AUDIT_PLACEHOLDER}"
        elif region:
            parts.setdefault(path, {})[region] = index
        else:
            whole[path] = index


SETTINGS: tuple[Setting, ...] = (
    Setting("records", TEXT, "records", "Folder of the record files, one subfolder per kind."),
    Setting(
        "templates", TEXT, "templates", "Folder of your own templates; one named like a default template replaces it."
    ),
    Setting("cache", TEXT, ".kb-cache", "Folder of kb's caches (search index, parsed records, ...); safe to delete."),
    Setting(
        "outputs",
        TABLES,
        (
            {"template": "audit_report.md.j2", "path": "docs/audits/{audit}.md"},
            {"template": "infra_anatomy.md.j2", "path": "docs/INFRA_ANATOMY.md"},
            {"template": "gitops.md.j2", "path": "docs/GITOPS.md"},
            {"template": "pickup.md.j2", "path": "docs/PICKUP.md"},
        ),
        "The documents `kb render` writes, one `[[outputs]]` table each; naming any replaces the default four.",
        _outputs,
    ),
    Setting("outputs.template", TEXT, None, "The template: one of yours, or one kb ships (see the default)."),
    Setting(
        "outputs.path",
        TEXT,
        None,
        "Where the document goes; `{audit}` in it makes one document per audit, named by its ID.",
        _inside,
    ),
    Setting(
        "outputs.region",
        TEXT,
        "",
        "A part of a hand-written file to keep current instead of the whole file: kb replaces only the"
        " lines between `<!-- kb:begin NAME -->` and `<!-- kb:end NAME -->` in it; empty: the whole file is kb's.",
        _region_name,
    ),
    Setting(
        "outputs.max_bytes",
        INTEGER,
        8192,
        "The most bytes of the agent context (`agent.lessons` and `agent.pickup`, as agents.md.j2 lists"
        " them): the least important lessons and open actions are left out to fit, and counted.",
        _positive,
    ),
    Setting(
        "repositories",
        TABLES,
        (),
        "Git repositories whose commits records cite, one `[[repositories]]` table each.",
        _repositories,
    ),
    Setting(
        "repositories.name",
        TEXT,
        None,
        "Its name, the `NAME` in `NAME@HASH`: letters, digits, `.`, `_` and `-`.",
        _repo_name,
    ),
    Setting("repositories.path", TEXT, ".", "Its working tree."),
    Setting(
        "repositories.default",
        BOOLEAN,
        False,
        "Whether a bare `HASH` names a commit of this repository; without one saying so, the first does.",
    ),
    Setting("site.docs_dir", TEXT, ".kb-cache/site-docs", "Folder the site's pages are generated into; kb's own."),
    Setting("site.site_dir", TEXT, "site", "Folder the site is built into."),
    Setting(
        "link.trailers",
        TEXTS,
        ("Finding", "Action", "Lesson", "Refs"),
        "Commit message trailers (`Finding: <id>`) that link a commit to the records it names.",
        _each(_trailer),
    ),
    Setting(
        "search.synonyms",
        TEXTS,
        (),
        "Words that mean the same to your team, added to kb's own table: each text one group of "
        'comma-separated terms (`"db, database, postgres*"`; `*` matches the words a term begins).',
        _each(_synonyms),
    ),
    Setting(
        "diagnostics.ignore",
        TEXTS,
        (),
        "Warning codes to silence in every verb, as `--ignore CODE` does for one run; an error cannot be.",
        _each(_code),
    ),
)
BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}


def default(key: str) -> Any:
    return BY_KEY[key].default


def value(document: Mapping[str, Any], key: str) -> Any:
    """The value of setting `key` in a checked kb.toml document, else its default."""
    *tables, name = key.split(".")
    for part in tables:
        document = document.get(part, {})
    return document.get(name, default(key))


def _kind(value: Any) -> str:
    """What a TOML value is, for a message."""
    if isinstance(value, dict | list):
        return "a table" if isinstance(value, dict) else "a list"
    name = {bool: "a boolean", str: "text", int: "an integer", float: "a number"}.get(type(value), "a date or time")
    return f"{name} ({_toml(value) if isinstance(value, bool | str) else value})"


class _Checker:
    def __init__(self, text: str, file: str) -> None:
        self.text, self.file = text, file
        self.found: dict[Key, Position] | None = None
        self.problems: list[Diagnostic] = []

    def problem(self, key: Key, message: str) -> None:
        from kb.check.diagnostics import Code, Diagnostic
        from kb.store import tomlpos

        if self.found is None:
            self.found = tomlpos.positions(self.text)
        line, column = tomlpos.locate(self.found, key)
        field = ".".join(str(part) for part in key)
        self.problems.append(Diagnostic(self.file, line, column, Code.E601, field, message))

    def table(self, table: dict[str, Any], at: Key, prefix: str) -> None:
        """Every key of `table` (the settings under `prefix`) known and well typed, the required there."""
        own = {s.key.removeprefix(prefix): s for s in SETTINGS if s.key.startswith(prefix)}
        direct = {name: s for name, s in own.items() if "." not in name}
        nested = {name.split(".")[0] for name in own} - set(direct)
        for name, item in table.items():
            if name in direct:
                self.setting(direct[name], item, (*at, name))
            elif name in nested and isinstance(item, dict):
                self.table(item, (*at, name), f"{prefix}{name}.")
            elif name in nested:
                self.problem((*at, name), f"must be a table ([{name}]), not {_kind(item)}")
            else:
                self.unknown((*at, name), sorted(direct.keys() | nested))
        for name, setting in direct.items():
            if setting.default is None and name not in table:
                self.problem((*at, name), "required, and missing")

    def setting(self, setting: Setting, item: Any, at: Key) -> None:
        kind = setting.type
        if not isinstance(item, kind.python) or (isinstance(item, bool) and kind is not BOOLEAN):
            hint = f" (write [[{setting.key}]])" if kind is TABLES else ""
            self.problem(at, f"must be {kind.name}{hint}, not {_kind(item)}")
            return
        if kind.item is not None:
            wrong = [i for i, entry in enumerate(item) if not isinstance(entry, kind.item.python)]
            for index in wrong:
                self.problem((*at, index), f"must be {kind.item.name}, not {_kind(item[index])}")
        if kind is TABLES:
            for index, entry in enumerate(item):
                if isinstance(entry, dict):
                    self.table(entry, (*at, index), f"{setting.key}.")
        for where, message in setting.rule(item) if setting.rule else ():
            self.problem((*at, *where), message)

    def unknown(self, at: Key, known: list[str]) -> None:
        import difflib

        name = str(at[-1])
        near = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {near[0]}?" if near else f"known here: {', '.join(known)}"
        self.problem(at, f"unknown setting; {hint}")


def check(document: dict[str, Any], text: str, file: str) -> list[Diagnostic]:
    """Every problem of `document`, parsed from `text` (which places them), sorted."""
    checker = _Checker(text, file)
    checker.table(document, (), "")
    from kb.store.folders import apart  # imports this module: loaded only once the table is complete

    for key, message in apart(document):
        checker.problem(key, message)
    return sorted(checker.problems)


def _toml(value: Any) -> str:
    """A default as it would be written in kb.toml."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return "[" + ", ".join(_toml(item) for item in value) + "]"


def settings_markdown() -> str:
    """The settings as a Markdown table, from the one SETTINGS table."""
    lines = ["| setting | type | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        if s.default is None:
            default = "required"
        elif s.type is TABLES and s.default:  # one table a line, or the cell gets too wide to read
            default = "<br>".join(f"`{_toml(entry)}`" for entry in s.default)
        else:
            default = f"`{_toml(s.default)}`"
        lines.append(f"| `{s.key}` | {s.type.name} | {default} | {s.meaning} |")
    return "\n".join(lines) + "\n"
