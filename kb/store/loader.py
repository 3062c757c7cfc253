"""The store: one YAML file per record, one folder per kind, loaded into validated models."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from kb.check.diagnostics import Code, Diagnostic
from kb.records.models import KINDS, Action, Audit, Commit, Finding, Lesson, Record, Snapshot, Stored
from kb.records.refs import CommitRef
from kb.speed import heap
from kb.speed.parsecache import ParseCache
from kb.store import tempfiles, yamlread
from kb.store.config import Config
from kb.store.layout import SUFFIXES

SCHEMA_FOLDER = "_schema"
PARSE_CACHE = "parsed-records.marshal"
M = TypeVar("M", bound=Stored)

_HINTS = {
    "date_from_datetime_parsing": "write dates as YYYY-MM-DD",
    "date_parsing": "write dates as YYYY-MM-DD",
    "int_parsing": "write a whole number",
    "string_type": "quote the value",
    "list_type": "write a list (one '- item' per line)",
    "dict_type": "write a mapping (key: value lines)",
}


@dataclass
class Entry:
    """A record as loaded: the model and its file (relative for messages, absolute for reading)."""

    record: Stored
    file: str
    location: str
    """The file's absolute path as text: a Path is made only for the few entries that need one."""

    @cached_property
    def path(self) -> Path:
        return Path(self.location)

    @cached_property
    def _loaded(self) -> yamlread.Loaded | None:
        """The file parsed again for its positions: only problems ask, and then once per file."""
        try:
            return yamlread.loads(yamlread.read_file(self.location))
        except yamlread.YamlProblems:
            return None

    def at(self, *path: str | int) -> tuple[int, int]:
        """Where `path` was written (line and column, 1-based)."""
        return self._loaded.position(path) if self._loaded is not None else (1, 1)


@dataclass
class KnowledgeBase:
    """Every record that loaded, plus the diagnostics of those that did not."""

    config: Config
    entries: dict[str, list[Entry]] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)
    parsed: ParseCache = field(default_factory=lambda: ParseCache(None))
    """The parse cache the records were read through: the secret scan keeps its verdicts in it."""

    def of(self, model: type[M]) -> list[M]:
        """The records of one kind, in file-name order."""
        return [e.record for e in self.entries.get(model.kind, [])]  # type: ignore[misc]

    def all_entries(self) -> Iterator[Entry]:
        for entries in self.entries.values():
            yield from entries

    @property
    def audits(self) -> list[Audit]:
        return self.of(Audit)

    @property
    def findings(self) -> list[Finding]:
        return self.of(Finding)

    @property
    def lessons(self) -> list[Lesson]:
        return self.of(Lesson)

    @property
    def actions(self) -> list[Action]:
        return self.of(Action)

    @property
    def snapshots(self) -> list[Snapshot]:
        return self.of(Snapshot)

    @property
    def commits(self) -> list[Commit]:
        return self.of(Commit)

    @cached_property
    def snapshots_in_time(self) -> list[Snapshot]:
        """Snapshots oldest first, by `taken`, the ID breaking ties."""
        return sorted(self.snapshots, key=lambda s: (s.taken, s.id))

    def by_id(self) -> dict[str, Record]:
        """Records with an ID (all kinds but commits), by ID; the first file wins a duplicate."""
        index: dict[str, Record] = {}
        for entry in self.all_entries():
            if isinstance(entry.record, Record):
                index.setdefault(entry.record.id, entry.record)
        return index

    @cached_property
    def _commits_by_prefix(self) -> dict[tuple[str | None, str], list[Commit]]:
        index: dict[tuple[str | None, str], list[Commit]] = {}
        for commit in self.commits:
            repo = self.config.canonical(CommitRef(commit.repo, commit.hash)).repo
            index.setdefault((repo, commit.hash[:7]), []).append(commit)
        return index

    @cached_property
    def commits_naming(self) -> dict[str, list[Commit]]:
        """Commit records by the record IDs their messages name in a trailer (filled in by `kb link`)."""
        index: dict[str, list[Commit]] = {}
        for commit in self.commits:
            for record_id in commit.records:
                index.setdefault(record_id, []).append(commit)
        return index

    def commit(self, ref: CommitRef) -> Commit | None:
        """The stored commit a reference names, matching abbreviations either way (and `HASH`
        with `DEFAULT@HASH`: see `Config.canonical`)."""
        ref = self.config.canonical(ref)
        for commit in self._commits_by_prefix.get((ref.repo, ref.hash[:7]), []):
            if ref.matches(self.config.canonical(CommitRef(commit.repo, commit.hash))):
                return commit
        return None

    @cached_property
    def _cited(self) -> dict[str, Commit | None]:
        return {}

    def cited_commit(self, text: str) -> Commit | None:
        """The stored commit a record's commit reference names, looked up once per reference."""
        if text not in self._cited:
            self._cited[text] = self.commit(CommitRef.parse(text))
        return self._cited[text]


def record_paths(config: Config) -> Iterator[tuple[str, str]]:
    """(kind, absolute path as text) for every record file, kinds in KINDS order, files sorted by name.

    A record file is any entry of a kind's folder named with a record suffix, not hidden and not
    a folder: one that cannot be read (a symbolic link loop, a FIFO) is listed, so loading it
    reports it. Temporary files a killed kb left in the folder are swept (kb.store.tempfiles).
    """
    for kind, model in KINDS.items():
        folder = str(config.records / model.folder)
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except FileNotFoundError:
            continue
        hidden = [entry.name for entry in entries if entry.name.startswith(".")]
        if hidden:
            tempfiles.sweep(folder, hidden)
        for name in sorted(entry.name for entry in entries if _is_record(entry)):
            yield kind, os.path.join(folder, name)


def _is_record(entry: os.DirEntry[str]) -> bool:
    if not entry.name.endswith(SUFFIXES) or entry.name.startswith("."):
        return False
    try:
        return not entry.is_dir()
    except OSError:  # no stat through it: reported when read
        return True


def record_files(config: Config) -> Iterator[tuple[str, Path]]:
    """`record_paths` as Paths."""
    for kind, path in record_paths(config):
        yield kind, Path(path)


def relative(config: Config, path: str | Path) -> str:
    """`path` as messages name it: relative to the knowledge base root when inside it."""
    text, root = str(path), str(config.root) + os.sep
    return text[len(root) :] if text.startswith(root) else text


def schema_problems(err: ValidationError, file: str, loaded: yamlread.Loaded) -> list[Diagnostic]:
    """Every problem pydantic found, as diagnostics: code, field, message with a hint, and its place in `loaded`."""
    problems = []
    for item in err.errors(include_url=False):
        loc = tuple(item["loc"])
        line, col = loaded.position(loc)
        kind = item["type"]
        code = {"missing": Code.E202, "extra_forbidden": Code.E203}.get(kind, Code.E201)
        if kind == "missing":
            message = "required field is missing"
        elif kind == "extra_forbidden":
            message = "unknown field (check the spelling; `kb schema` lists the fields)"
        else:
            message = item["msg"]
            if isinstance(item.get("input"), str):
                message += f", got {item['input']!r}"
            if kind in _HINTS:
                message += f" ({_HINTS[kind]})"
        problems.append(Diagnostic(file, line, col, code, ".".join(str(p) for p in loc), message))
    return problems


def load_entry(model: type[Stored], path: str | Path, file: str, data: Any) -> tuple[Entry | None, list[Diagnostic]]:
    """Validate one record file's parsed data; on failure return every problem it has."""
    if isinstance(data, yamlread.YamlProblems):
        return None, [Diagnostic(file, p.line, p.column, p.code, p.field, p.message) for p in data.problems]
    record, problems = check_data(model, data, file, lambda: yamlread.loads(yamlread.read_file(path)))
    return (None, problems) if record is None else (Entry(record, file, str(path)), [])


def check_data(
    model: type[M], data: Any, file: str, where: Callable[[], yamlread.Loaded]
) -> tuple[M | None, list[Diagnostic]]:
    """Validate parsed data as a `model` record; on failure return every problem.

    `where` gives the parsed document the problems' lines come from; it is called only on failure.
    """
    if not isinstance(data, dict):
        return None, [Diagnostic(file, 1, 1, Code.E204, "", f"a {model.kind} record is a mapping of fields")]
    try:
        return model.model_validate(data), []
    except ValidationError as err:
        return None, schema_problems(err, file, where())


def load(config: Config, stats: Mapping[str, os.stat_result] | None = None) -> KnowledgeBase:
    """Load every record of the knowledge base, collecting all problems instead of stopping.

    `stats` are the record files' stats when the caller has just taken them (a render has).
    """
    files = list(record_paths(config))
    with heap.paused():  # every object made here lives on: nothing for the collector to find
        cache = ParseCache(config.cache / PARSE_CACHE)
        kb = KnowledgeBase(config, {kind: [] for kind in KINDS}, parsed=cache)
        parsed = cache.parse_all([path for _, path in files], stats)
        for (kind, path), data in zip(files, parsed, strict=True):
            entry, problems = load_entry(KINDS[kind], path, relative(config, path), data)
            kb.problems.extend(problems)
            if entry is not None:
                kb.entries[kind].append(entry)
    cache.save()
    return kb


def plain(record: Stored) -> dict[str, Any]:
    """A record as plain data in field order, without empty fields: what a file holds."""
    data = record.model_dump(mode="python", exclude_none=True)
    shared = [name for name in Record.model_fields if name != "id"]
    ordered = {key: value for key, value in data.items() if key not in shared}
    ordered.update((key, data[key]) for key in shared if key in data)
    return {key: value for key, value in ordered.items() if value not in ([], {})}
