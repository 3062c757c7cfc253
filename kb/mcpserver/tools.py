"""The tools `kb mcp` serves, as plain library functions: JSON arguments in, plain data out.

Nothing here imports the MCP SDK (kb/mcpserver/server.py does the wiring). Every input schema is
derived from the models: the read tools' and `close_action`'s from small argument models built
of the record fields' own types, each `new_*` tool's from its record model
(`kb.records.schemas.new_record_schema`). The new records go through `kb.author.create.create`,
the route of `kb new --json -`, so they are validated, named and written exactly as `kb new` does.
A tool that cannot do what it was asked raises ToolFailure with every problem, field by field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kb import speed
from kb.author import changing, closing, create
from kb.check.diagnostics import Diagnostic, Stopped
from kb.fulltext import ranking, results
from kb.pipeline import gate
from kb.records.models import KIND_NAME, ActionStatus, CommitRefText, Evidence, FindingStatus, Severity
from kb.records.schemas import new_record_schema
from kb.rendering.views import KnowledgeView
from kb.report import handover, lookup
from kb.speed.watch import WatchedListing
from kb.store import yamlread
from kb.store.catalog import Catalog
from kb.store.config import Config
from kb.store.loader import load, plain, schema_problems

A = TypeVar("A", bound="Arguments")


class ToolFailure(Exception):
    """A tool could not do what it was asked; nothing was written. `problems` names each one."""

    def __init__(self, message: str, problems: list[Diagnostic | str] | None = None):
        super().__init__(message)
        self.problems = problems or []

    def as_data(self) -> dict[str, Any]:
        return {"error": str(self), "problems": [problem_data(p) for p in self.problems]}


def problem_data(problem: Diagnostic | str) -> dict[str, Any]:
    """One problem as data: its field, code and message, and its file and line when it has a real one."""
    if isinstance(problem, str):
        return {"message": problem}
    data: dict[str, Any] = {"field": problem.field, "code": problem.code, "message": problem.message}
    if not problem.file.startswith("<"):
        data.update(file=problem.file, line=problem.line)
    return data


class Arguments(BaseModel):
    """A tool's arguments: unknown ones are errors."""

    model_config = ConfigDict(extra="forbid")


class SearchArguments(Arguments):
    query: str = Field(min_length=1, description="Your own words, quoted phrases, record IDs or commit hashes.")
    kind: list[KIND_NAME] = Field(default_factory=list, description="Only records of these kinds.")
    tag: list[str] = Field(default_factory=list, description="Only records with every one of these tags.")
    severity: list[Severity] = Field(default_factory=list, description="Only findings of these severities.")
    status: list[FindingStatus | ActionStatus] = Field(
        default_factory=list, description="Only findings or actions in these states."
    )
    since: dt.date | None = Field(default=None, description="Only records dated this day or later.")
    limit: int = Field(default=10, ge=1, le=100, description="At most this many results, best first.")


class ShowArguments(Arguments):
    id: str = Field(min_length=1, description="A record ID, a prefix only one record has, or a commit hash.")


class ListArguments(Arguments):
    kind: KIND_NAME = Field(description="The kind of record to list.")
    status: FindingStatus | ActionStatus | None = Field(default=None, description="Only records in this state.")
    severity: Severity | None = Field(default=None, description="Only findings of this severity.")
    tag: list[str] = Field(default_factory=list, description="Only records with every one of these tags.")
    audit: str | None = Field(default=None, description="Only records of this audit (its ID or a prefix of it).")
    since: dt.date | None = Field(default=None, description="Only records dated this day or later.")


class NoArguments(Arguments):
    pass


class CloseArguments(Arguments):
    id: str = Field(min_length=1, description="The action's ID, or a prefix only one action has.")
    commit: CommitRefText | None = Field(default=None, description=Evidence.model_fields["commit"].description)
    note: str | None = Field(default=None, description=Evidence.model_fields["note"].description)
    dropped: bool = Field(default=False, description="Close it as dropped (not doing it) instead of done.")
    date: dt.date | None = Field(default=None, description="The day it was closed. Default: today.")


class Workspace:
    """The knowledge base a server serves, and what it keeps between calls: the records folder's
    listing, kept current by inotify where the system has it (kb/speed/watch.py), so that a search
    need not stat every record file. Tools run one at a time (the listing is not thread-safe)."""

    def __init__(self, config: Config):
        self.config = config
        self._watch: WatchedListing | None = None
        self._watchable = speed.enabled()  # the listing is speed machinery: KB_NO_SPEED=1 lists every time

    def search(self, query: str, filters: ranking.Filters, limit: int) -> ranking.SearchResult:
        """`ranking.search`, handed the watched listing of the records folder when there is one."""
        if self._watch is None and self._watchable:
            try:
                self._watch = WatchedListing(self.config.records)
            except OSError:  # no inotify, or no records folder yet: every search lists the folders
                self._watchable = False
        listing = self._watch.current() if self._watch is not None else None
        return ranking.search(
            self.config.cache, self.config.records, query, filters, limit, self.config.synonyms, listing
        )

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
            self._watch = None


def _arguments(model: type[A], arguments: dict[str, Any]) -> A:
    try:
        return model.model_validate(arguments)
    except ValidationError as err:
        problems = schema_problems(err, "<arguments>", yamlread.Loaded(arguments))
        raise ToolFailure("invalid arguments", [*problems]) from None


def search(ws: Workspace, arguments: dict[str, Any]) -> dict[str, Any]:
    """Ranked search, as `kb search`."""
    args = _arguments(SearchArguments, arguments)
    since = args.since.isoformat() if args.since else None
    filters = ranking.Filters(tuple(args.kind), tuple(args.tag), tuple(args.severity), tuple(args.status), since)
    try:
        found = ws.search(args.query, filters, args.limit)
    except ranking.SearchError as err:
        raise ToolFailure(str(err)) from None
    config = ws.config
    return {
        "results": [results.as_data(hit, config.records, config.root) for hit in found.hits],
        "suggestions": found.suggestions,
        "unreadable": found.stats.unreadable,
    }


def show(ws: Workspace, arguments: dict[str, Any]) -> dict[str, Any]:
    """One record with every record linked to it, as `kb show --json`."""
    args = _arguments(ShowArguments, arguments)
    try:
        return lookup.show(load(ws.config), args.id).as_data()
    except lookup.QueryError as err:
        raise ToolFailure(str(err)) from None


def list_records(ws: Workspace, arguments: dict[str, Any]) -> dict[str, Any]:
    """The records of one kind, filtered, newest first, as `kb list --json`."""
    args = _arguments(ListArguments, arguments)
    filters = lookup.Filters(args.status, args.severity, tuple(args.tag), args.audit, args.since)
    try:
        rows = lookup.select(load(ws.config), args.kind, filters)
    except lookup.QueryError as err:
        raise ToolFailure(str(err)) from None
    return {"records": [plain(record) for record, _ in rows]}


def pickup(ws: Workspace, arguments: dict[str, Any]) -> dict[str, Any]:
    """The next session's pickup list, as data and as the Markdown hand-over text.

    The Markdown is what docs/PICKUP.md renders, so it passes the secret gate as that output does."""
    _arguments(NoArguments, arguments)
    kb = handover.loaded(ws.config)
    gate(kb, "pickup")
    view = KnowledgeView(kb)
    return {**handover.as_json(view, dt.date.today()), "markdown": handover.as_markdown(view)}


def new_record(kind: str) -> Callable[[Workspace, dict[str, Any]], dict[str, Any]]:
    """The `new_KIND` tool: the arguments are the record's fields."""

    def run(ws: Workspace, arguments: dict[str, Any]) -> dict[str, Any]:
        try:
            created = create.create(kind, arguments, Catalog(ws.config), "<arguments>")
        except create.RecordProblems as err:
            raise ToolFailure(f"not a valid {kind}; nothing was written", [*err.problems]) from None
        return create.summary(created, ws.config)

    return run


def close_action(ws: Workspace, arguments: dict[str, Any]) -> dict[str, Any]:
    """Close an action with a commit or a note, as `kb close`: only the closing keys are rewritten."""
    args = _arguments(CloseArguments, arguments)
    status = ActionStatus.dropped if args.dropped else ActionStatus.done
    try:
        changed = closing.close(ws.config, args.id, args.date or dt.date.today(), args.commit, args.note, status)
    except changing.ChangeError as err:
        raise ToolFailure(str(err)) from None
    return changing.summary(ws.config, changed)


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    input_schema: dict[str, Any]
    run: Callable[[Workspace, dict[str, Any]], dict[str, Any]]
    writes: bool = False


def _new_tool(kind: str, description: str) -> Tool:
    schema = new_record_schema(create.MODELS[kind], create.defaulted(kind))
    return Tool(f"new_{kind}", description, schema, new_record(kind), writes=True)


TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (
        Tool(
            "search",
            "Search the knowledge base's lessons, findings, actions, audits, commits and snapshots, best match "
            "first, in your own words (words match their other forms; quote a phrase to require it; an ID or "
            "commit hash finds that record and those citing it). Each result has a snippet.",
            SearchArguments.model_json_schema(),
            search,
        ),
        Tool(
            "show",
            "One record as JSON with every record linked to it in either direction (a finding's audit, commits, "
            "lessons and actions; a lesson's findings; ...).",
            ShowArguments.model_json_schema(),
            show,
        ),
        Tool(
            "list",
            "The records of one kind, newest first, filtered by status, severity, tags, audit and date.",
            ListArguments.model_json_schema(),
            list_records,
        ),
        Tool(
            "pickup",
            "The next session's pickup list: how the last session ended, then every open action and every open "
            "finding no open action follows up, highest priority first, then soonest due, costliest, oldest, "
            "with where each came from; as data and as the Markdown hand-over text.",
            NoArguments.model_json_schema(),
            pickup,
        ),
        _new_tool(
            "finding",
            "Record a new finding, validated as `kb new finding` validates it, and write it as a new file in the "
            "working tree for the engineer to review and commit (never over an existing one). `audit` defaults "
            "to the latest audit and `found` to its start. Returns the ID, the file and warnings (possible "
            "recurrences of earlier findings); invalid input returns every problem by field and writes nothing.",
        ),
        _new_tool(
            "lesson",
            "Record a new lesson (a reusable rule), validated as `kb new lesson` validates it, as a new file in "
            "the working tree. `audit` defaults to the latest audit. Returns the ID and the file; invalid input "
            "returns every problem by field and writes nothing.",
        ),
        _new_tool(
            "action",
            "Record a new follow-up action, validated as `kb new action` validates it, as a new file in the "
            "working tree. `source.audit` defaults to the latest audit and `opened` to today. Returns the ID and "
            "the file; invalid input returns every problem by field and writes nothing.",
        ),
        Tool(
            "close_action",
            "Close an action as done (or dropped) with a commit or a note as evidence, as `kb close` does: only "
            "status, closed and evidence are rewritten, the file's comments and layout are kept. Returns what "
            "changed.",
            CloseArguments.model_json_schema(),
            close_action,
            writes=True,
        ),
    )
}
"""Every tool by name, in the order a client lists them."""


def tools(read_only: bool) -> list[Tool]:
    """The tools a server serves: all, or with `read_only` only those that write nothing."""
    return [tool for tool in TOOLS.values() if not (read_only and tool.writes)]


def call(ws: Workspace, tool: Tool, arguments: dict[str, Any]) -> dict[str, Any]:
    """Run `tool`; a knowledge base that does not load (or holds a secret, for pickup) is a ToolFailure too."""
    try:
        return tool.run(ws, arguments)
    except Stopped as err:
        raise ToolFailure(str(err), err.problems) from None
