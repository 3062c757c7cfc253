"""Creating a new record: defaults, validation, reference checks, and an exclusive write.

Whatever route the values came by (flags, prompts, the editor), they end here as plain data:
`build` turns them into a validated record with a fresh ID or raises `RecordProblems` listing
every problem; `save` writes the file without ever touching an existing one.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kb.author.recurrence import Hint, hints
from kb.check.checks import record_references
from kb.check.diagnostics import Code, Diagnostic
from kb.records.fields import FieldPath, form_fields
from kb.records.models import Action, Audit, Finding, Lesson, Record, Stored
from kb.records.refs import CommitRef, new_id
from kb.store import yamlread
from kb.store.atomic import create_exclusive
from kb.store.catalog import Catalog
from kb.store.config import Config
from kb.store.loader import check_data, plain, relative
from kb.store.yamlwrite import record_text

MODELS: dict[str, type[Record]] = {"finding": Finding, "lesson": Lesson, "action": Action, "audit": Audit}
"""The kinds `kb new` makes (commits come from git, snapshots from `kb import`)."""

RECORDED_ON = {"action": "opened", "audit": "started"}
"""The date field that defaults to today: the day the record is written down. A finding's `found`
is left out unless given, so that it is its audit's start, as the field says."""

MAX_ATTEMPTS = 8
Runner = Callable[[Path], int]
"""Opens a file in an editor and returns its exit status (tests pass a fake one)."""


class RecordProblems(Exception):
    """The values do not make a valid record; carries every problem found."""

    def __init__(self, problems: list[Diagnostic]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Created:
    record: Record
    path: Path
    hints: list[Hint]


def defaulted(kind: str) -> list[FieldPath]:
    """The fields kb fills in when they are left out: each `audit` (the latest audit) and the record's date (today)."""
    paths = [form.path for form in form_fields(MODELS[kind]) if form.path[-1] == "audit"]
    return paths + ([(RECORDED_ON[kind],)] if kind in RECORDED_ON else [])


def defaults(kind: str, catalog: Catalog, today: dt.date) -> dict[FieldPath, str]:
    """Values used where none were given: the current audit, and today for the record's date."""
    current = catalog.current_audit
    result: dict[FieldPath, str] = {}
    for path in defaulted(kind):
        if path[-1] != "audit":
            result[path] = today.isoformat()
        elif current is not None:
            result[path] = current
    return result


def with_defaults(kind: str, data: dict[str, Any], catalog: Catalog, today: dt.date) -> dict[str, Any]:
    """A copy of `data` with the defaults put wherever it left a field out (or blank)."""
    values = copy.deepcopy(data)
    for path, value in defaults(kind, catalog, today).items():
        node = values
        for key in path[:-1]:
            if node.get(key) is None:
                node[key] = {}
            node = node[key]
            if not isinstance(node, dict):
                break  # a value of the wrong shape, which validation names
        else:
            if node.get(path[-1]) in (None, ""):
                node[path[-1]] = value
    return values


def prune(value: Any) -> Any:
    """Drop what was left blank (None, '', empty lists and mappings) at every depth."""
    if isinstance(value, dict):
        pruned = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [v for v in (prune(item) for item in value) if v not in (None, "", [], {})]
    return value


def _diag(file: str, loaded: yamlread.Loaded, path: tuple[str | int, ...], code: Code, message: str) -> Diagnostic:
    line, col = loaded.position(path)
    return Diagnostic(file, line, col, code, ".".join(str(p) for p in path), message)


def reference_problems(record: Stored, catalog: Catalog, file: str, loaded: yamlread.Loaded) -> list[Diagnostic]:
    """IDs the record names must exist with the right kind; commits must name known repositories."""
    problems = []
    for path, target, kind in record_references(record):
        if target is None:
            continue
        found, expected = catalog.kind_of(target), getattr(kind, "kind", None)  # None: a record of any kind
        starting = [ident for ident in catalog.ids(expected) if ident.startswith(target)] if expected else []
        if found is None and len(starting) > 1:
            names = ", ".join(starting[:5])
            message = f"{target} starts {len(starting)} {expected} IDs ({names}); give more of the one you mean"
            problems.append(_diag(file, loaded, path, Code.E401, message))
        elif found is None:
            problems.append(_diag(file, loaded, path, Code.E401, f"no {expected or 'record'} with ID {target}"))
        elif expected is not None and found != expected:
            problems.append(_diag(file, loaded, path, Code.E402, f"{target} is a {found}, not a {expected}"))
    cited: list[tuple[tuple[str | int, ...], str]] = [
        (("commits", i), text) for i, text in enumerate(getattr(record, "commits", []))
    ]
    if isinstance(record, Action) and record.evidence and record.evidence.commit:
        cited.append((("evidence", "commit"), record.evidence.commit))
    for path, text in cited:
        ref = CommitRef.parse(text)
        if ref.repo is not None and catalog.config.repository(ref.repo) is None:
            problems.append(_diag(file, loaded, path, Code.E404, f"no repository named {ref.repo!r} in kb.toml"))
    return problems


def build(
    kind: str, data: dict[str, Any], catalog: Catalog, file: str, loaded: yamlread.Loaded | None = None
) -> Record:
    """A validated new record of `kind` from plain values, with a fresh ID.

    `loaded` carries the positions when the values were parsed from a file, so problems name
    their lines. Raises RecordProblems with every schema and reference problem at once.
    """
    model = MODELS[kind]
    values = prune(data)
    values.pop("id", None)
    title = values.get("title")
    values = {"id": new_id(model.prefix, title if isinstance(title, str) else kind), **values}
    where = yamlread.Loaded(values, loaded.root if loaded else None)
    record, problems = check_data(model, values, file, lambda: where)
    if record is None:
        raise RecordProblems([_no_audit_yet(p, catalog) for p in problems])
    record = completed(record, catalog)
    problems = reference_problems(record, catalog, file, where)
    if problems:
        raise RecordProblems(problems)
    return record


def _no_audit_yet(problem: Diagnostic, catalog: Catalog) -> Diagnostic:
    """A missing audit, when there is no audit to default to, says how to make the first one."""
    if problem.code != Code.E202 or problem.field.split(".")[-1] != "audit" or catalog.current_audit:
        return problem
    message = "there is no audit yet: start one with `kb new audit` (see `kb new audit --help`), then record this"
    return problem._replace(message=message)


def completed(record: Record, catalog: Catalog) -> Record:
    """`record` with each ID it names that no record has, but the start of exactly one record of
    the kind the field expects has, replaced by that whole ID (as `kb show` and `kb close` take
    prefixes). Other IDs are left for the reference check to report."""
    data = plain(record)
    changed = False
    for path, target, kind in record_references(record):
        expected = getattr(kind, "kind", None)
        if target is None or expected is None or catalog.kind_of(target) is not None:
            continue
        matches = [ident for ident in catalog.ids(expected) if ident.startswith(target)]
        if len(matches) == 1:
            node: Any = data
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = matches[0]
            changed = True
    return type(record).model_validate(data) if changed else record


def recurrence_hints(record: Record, catalog: Catalog) -> list[Hint]:
    return hints(record, catalog.findings) if isinstance(record, Finding) else []


def save(record: Record, catalog: Catalog) -> tuple[Record, Path]:
    """Write `record` as a new file; on an ID clash mint another ID rather than overwrite."""
    folder = catalog.config.records / record.folder
    for _ in range(MAX_ATTEMPTS):
        path = folder / f"{record.id}.yaml"
        if catalog.kind_of(record.id) is None:
            try:
                create_exclusive(path, record_text(record), durable=True)
                return record, path
            except FileExistsError:
                pass
        record = record.model_copy(update={"id": new_id(record.prefix, record.title_text)})
    raise FileExistsError(f"could not find a free ID in {folder} after {MAX_ATTEMPTS} tries")


def create_all(
    kind: str, items: Sequence[Any], catalog: Catalog, file: str = "<new>", today: dt.date | None = None
) -> list[Created]:
    """Validate every item (defaults filled in), then write each as a new file: the route of `kb new
    --json -` and the MCP tools. RecordProblems lists the problems of all items, and then nothing is written.

    With more than one item, each problem's file is `FILE item N` (from 1)."""
    day = today or dt.date.today()
    records: list[Record] = []
    problems: list[Diagnostic] = []
    for n, data in enumerate(items, start=1):
        where = file if len(items) == 1 else f"{file} item {n}"
        if not isinstance(data, dict):
            problems.append(Diagnostic(where, 0, 0, Code.E204, "", f"a {kind} record is a mapping of fields"))
            continue
        if yamlread.deeper_than(data):
            problems.append(
                Diagnostic(where, 0, 0, Code.E109, "", f"nested more than {yamlread.MAX_DEPTH} levels deep")
            )
            continue
        try:
            records.append(build(kind, with_defaults(kind, data, catalog, day), catalog, where))
        except RecordProblems as err:
            problems.extend(err.problems)
    if problems:
        raise RecordProblems(problems)
    created = []
    for record in records:
        found = recurrence_hints(record, catalog)
        saved, path = save(record, catalog)
        created.append(Created(saved, path, found))
    return created


def create(
    kind: str, data: dict[str, Any], catalog: Catalog, file: str = "<new>", today: dt.date | None = None
) -> Created:
    """Validate and write one new record (defaults filled in): `create_all` of one item."""
    return create_all(kind, [data], catalog, file, today)[0]


def summary(created: Created, config: Config) -> dict[str, Any]:
    """What `kb new --json` prints and the MCP tools return: the ID, the file, the record and the
    recurrence hints, each also as a warning in words."""
    where = relative(config, created.path)
    return {
        "id": created.record.id,
        "path": where,
        "record": plain(created.record),
        "recurrence_hints": [asdict(hint) for hint in created.hints],
        "warnings": [f"{hint.advice(where)}." for hint in created.hints],
    }


def from_text(kind: str, text: str, catalog: Catalog, file: str) -> Record:
    """A validated new record from an edited scaffold; RecordProblems names the lines."""
    from kb.author.scaffold import parse

    try:
        loaded = parse(text)
    except yamlread.YamlProblems as err:
        problems = [Diagnostic(file, p.line, p.column, p.code, p.field, p.message) for p in err.problems]
        raise RecordProblems(problems) from None
    if not isinstance(loaded.data, dict):
        raise RecordProblems([Diagnostic(file, 1, 1, Code.E204, "", f"a {kind} record is a mapping of fields")])
    return build(kind, loaded.data, catalog, file, loaded)


def edit_new(
    kind: str,
    values: dict[str, Any],
    catalog: Catalog,
    text: str | None = None,
    run: Runner | None = None,
    reopen: bool = True,
) -> Record:
    """The editor route: a draft scaffold (or `text`) edited until it is a valid record.

    Raises EditAborted, naming the draft that keeps the text, when the user gives up, or when the
    text is not valid and the editor is not to be reopened (`reopen`: see `edit_until_valid`).
    """
    from kb.author.editor import Rejected, edit_until_valid, new_draft, run_editor
    from kb.author.scaffold import scaffold, with_errors

    draft = new_draft(catalog.config.cache, f"new-{kind}", text if text is not None else scaffold(MODELS[kind], values))

    def accept(edited: str) -> Record:
        try:
            return from_text(kind, edited, catalog, str(draft))
        except RecordProblems as err:
            raise Rejected(with_errors(edited, err.problems), [p.format() for p in err.problems]) from None

    return edit_until_valid(draft, accept, run or run_editor, reopen)
