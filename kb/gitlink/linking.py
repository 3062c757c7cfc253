"""Linking records to real git history: resolve every cited commit and keep commit records current.

`plan` resolves each commit the knowledge base cites (findings' and audits' `commits`,
actions' `evidence.commit`, and every commit record's own hash), reads the trailers and reverts
of history in one pass (`history_scan`), and says how the commit records change, so that the
docs render without the repository at hand; `write_changes` writes them. `kb link` is the two in
a row, in kb/pipeline.py.

The rule that protects people's edits: kb link fills a field only while it is empty, and only
adds to `records`. A commit's facts never change in git, so a field holding anything else was
written by a person and stays (the report lists it as kept). The one exception is `hash`: an
abbreviation is lengthened to the full hash it names.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kb.check.checks import cited_commits
from kb.check.diagnostics import Code, Diagnostic, Level, Report
from kb.gitlink.gitrepo import AMBIGUOUS, CommitInfo, GitError, Mention, Repository
from kb.gitlink.history import Key, read_history, reverter, scan_history
from kb.records.models import Commit
from kb.records.refs import CommitRef
from kb.store.atomic import write_batch
from kb.store.config import Config
from kb.store.loader import Entry, KnowledgeBase, plain, relative


@dataclass(frozen=True)
class Citation:
    """One place in a record file that names a commit."""

    ref: CommitRef
    entry: Entry
    path: tuple[str | int, ...]

    def diag(self, code: Code, message: str) -> Diagnostic:
        """A diagnostic at this place (finding the line parses the file again, so only problems ask)."""
        line, column = self.entry.at(*self.path)
        return Diagnostic(self.entry.file, line, column, code, ".".join(str(p) for p in self.path), message)


def citations(kb: KnowledgeBase) -> list[Citation]:
    """Every commit the knowledge base names, commit records included."""
    found = []
    for entry in kb.all_entries():
        cited = list(cited_commits(entry))
        if isinstance(entry.record, Commit):
            cited.append((("hash",), CommitRef(entry.record.repo, entry.record.hash)))
        found += [Citation(kb.config.canonical(ref), entry, path) for path, ref in cited]
    return found


class Repositories:
    """The configured repositories, each opened at most once and all closed together."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._open: dict[str | None, Repository | None] = {}
        self.missing: dict[str | None, str] = {}
        self._shallow: dict[str | None, bool] = {}

    def __enter__(self) -> Repositories:
        return self

    def __exit__(self, *exc: object) -> None:
        for repo in self._open.values():
            if repo is not None:
                repo.close()

    def get(self, name: str | None) -> Repository | None:
        """The open repository a reference names (None: the default), or None if unavailable."""
        if name not in self._open:
            spec = self.config.repository(name)
            self._open[name] = None
            if spec is None:
                self.missing[name] = f"{name!r} is not in kb.toml"
            else:
                try:
                    self._open[name] = Repository(spec.path)
                except GitError as err:
                    self.missing[name] = str(err)
        return self._open[name]

    def shallow(self, name: str | None) -> bool:
        """Whether the repository a reference names is a shallow clone (asked once per repository)."""
        if name not in self._shallow:
            repo = self.get(name)
            self._shallow[name] = repo is not None and repo.shallow_until() is not None
        return self._shallow[name]

    def available(self) -> Iterator[tuple[str | None, Repository]]:
        """(name as cited, repository) for each configured repository that opens."""
        default = self.config.default_repository
        for spec in self.config.repositories:
            name = None if spec is default else spec.name
            repo = self.get(name)
            if repo is not None:
                yield name, repo

    def name(self, cited: str | None) -> str:
        """The configured name of a repository as cited (None is the default)."""
        spec = self.config.repository(cited)
        return spec.name if spec else str(cited)

    def label(self, cited: str | None) -> str:
        spec = self.config.repository(cited)
        return f"{spec.name!r} ({spec.path})" if spec else repr(cited)


@dataclass
class Resolution:
    """Where each cited commit led: full hashes, and the problems found."""

    full: dict[CommitRef, str] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)


def resolve(repos: Repositories, cited: list[Citation], unavailable_code: Code) -> Resolution:
    """Resolve every citation to a full hash: one `cat-file --batch-check` per repository."""
    result = Resolution()
    wanted: dict[str | None, set[str]] = {}
    for citation in cited:
        wanted.setdefault(citation.ref.repo, set()).add(citation.ref.hash)
    answers: dict[str | None, dict[str, str | None]] = {}
    for name, hashes in wanted.items():
        repo = repos.get(name)
        if repo is not None:
            answers[name] = repo.resolve(sorted(hashes))
    elsewhere = _elsewhere(repos, answers)
    beyond: dict[str | None, set[str]] = {}
    for citation in cited:
        ref = citation.ref
        if ref.repo not in answers:
            why = repos.missing.get(ref.repo, "not available")
            code = unavailable_code if repos.config.repository(ref.repo) else Code.E404
            result.problems.append(citation.diag(code, f"cannot verify {ref}: repository {why}"))
            continue
        answer = answers[ref.repo][ref.hash]
        where = repos.label(ref.repo)
        if answer == AMBIGUOUS:
            message = f"{ref.hash} matches more than one object in {where}; cite more digits"
            result.problems.append(citation.diag(Code.E502, message))
        elif answer is None and ref.hash in elsewhere:
            others = elsewhere[ref.hash]
            names = ", ".join(repr(repos.name(other)) for other in others)
            message = f"commit {ref.hash} is not in {where} but in {names}; write {CommitRef(others[0], ref.hash)}"
            result.problems.append(citation.diag(Code.E503, message))
        elif answer is None and repos.shallow(ref.repo):
            beyond.setdefault(ref.repo, set()).add(ref.hash)
        elif answer is None:
            result.problems.append(citation.diag(Code.E501, f"no commit {ref.hash} in {where}"))
        else:
            result.full[ref] = answer
    result.problems += [_shallow(repos, name, hashes) for name, hashes in beyond.items()]
    return result


SHALLOW_LISTED = 5
FETCH_ALL = "GitHub Actions: actions/checkout with fetch-depth: 0"


def _shallow(repos: Repositories, name: str | None, hashes: set[str]) -> Diagnostic:
    """W406 for the cited commits a shallow clone's history does not reach, with how to fetch it."""
    hashes = {h[:7] for h in hashes if not any(other != h and other.startswith(h) for other in hashes)}
    listed = ", ".join(sorted(hashes)[:SHALLOW_LISTED]) + (", ..." if len(hashes) > SHALLOW_LISTED else "")
    spec = repos.config.repository(name)
    path = relative(repos.config, spec.path) if spec else "."
    message = (
        f"{repos.label(name)} is a shallow clone: {len(hashes)} cited commit(s) are not in the history it has "
        f"({listed}): kb can check them against their commit records only. Fetch the whole history to "
        f"look them up: git -C {path} fetch --unshallow ({FETCH_ALL})"
    )
    return Diagnostic("kb.toml", 0, 0, Code.W406, "repositories", message)


def facts(repos: Repositories, keys: Collection[Key]) -> dict[Key, CommitInfo]:
    """git's facts about resolved commits: one `log --no-walk` per repository."""
    found = {}
    for name in {name for name, _ in keys}:
        repo = repos.get(name)
        if repo is not None:
            for full, info in repo.commits({h for n, h in keys if n == name}).items():
                found[(name, full)] = info
    return found


def _elsewhere(repos: Repositories, answers: dict[str | None, dict[str, str | None]]) -> dict[str, list[str | None]]:
    """For hashes missing from the repository cited, the other repositories (as cited) that have them."""
    found: dict[str, list[str | None]] = {}
    for name, repo in repos.available():
        missing = {h for other, got in answers.items() if other != name for h, full in got.items() if full is None}
        for prefix, full in repo.resolve(sorted(missing)).items():
            if full is not None and full != AMBIGUOUS:
                found.setdefault(prefix, []).append(name)
    return found


# --- commit records ---------------------------------------------------------------------------


Status = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class Change:
    """What kb link did to one commit record."""

    file: str
    ref: str
    status: Status
    fields: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    text: str = field(default="", repr=False)

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "ref": self.ref, "status": self.status, "fields": self.fields, "kept": self.kept}


@dataclass
class LinkResult:
    """The planned or written changes, and every problem that stopped or qualified them."""

    changes: list[Change] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.level is Level.error for p in self.problems)

    def as_json(self) -> dict[str, Any]:
        return {
            "changes": [c.as_json() for c in self.changes],
            "errors": [p.as_json() for p in self.problems if p.level is Level.error],
            "warnings": [p.as_json() for p in self.problems if p.level is Level.warning],
        }


def _facts(info: CommitInfo | None) -> dict[str, Any]:
    if info is None:
        return {}
    return {"subject": info.subject, "author": info.author, "date": info.date, "files": list(info.files)}


def merge(old: Commit | None, key: Key, info: CommitInfo | None, records: set[str], reverted: str | None) -> Commit:
    """The commit record after linking: empty fields filled from git, human-written ones kept."""
    data: dict[str, Any] = plain(old) if old else {"repo": key[0]}
    data["hash"] = key[1]
    for field_name, value in {**_facts(info), "reverted_by": reverted}.items():
        if data.get(field_name) in (None, "", []) and value not in (None, "", []):
            data[field_name] = value
    data["records"] = sorted(set(data.get("records", [])) | records)
    return Commit.model_validate(data)


def _kept(record: Commit, info: CommitInfo | None) -> tuple[str, ...]:
    return tuple(key for key, value in _facts(info).items() if getattr(record, key) != value)


def _complete(record: Commit) -> bool:
    """Linked before: git's facts are all there, so there is nothing to ask git."""
    return bool(record.author and record.date and record.files)


def plan(
    config: Config, kb: KnowledgeBase, repos: Repositories, scanned: Callable[[], dict[str | None, list[Mention]]]
) -> LinkResult:
    """Every change kb link would make, and the problems found; writes nothing.

    A cited commit that cannot be resolved (or whose record cannot be created) is a problem and
    gets no change; every other commit still does, so one bad hash does not hold up the rest.

    `scanned` gives the history scan; it is asked for only once the cited commits are read,
    so a scan running in another thread overlaps with that.
    """
    from kb.store.yamlwrite import record_text

    resolution = resolve(repos, citations(kb), Code.E504)
    entries: dict[Key, tuple[Entry, Commit]] = {}
    for entry in kb.entries.get("commit", []):
        old = entry.record
        assert isinstance(old, Commit)
        stored = config.canonical(CommitRef(old.repo, old.hash))
        full = resolution.full.get(stored)
        if full:
            entries.setdefault((stored.repo, full), (entry, old))

    def unlinked(keys: Collection[Key]) -> list[Key]:
        return [k for k in keys if k not in entries or not _complete(entries[k][1])]

    cited = {(ref.repo, full) for ref, full in resolution.full.items()}
    info = facts(repos, unlinked(cited))
    history = read_history(scanned(), set(kb.by_id()))
    info |= facts(repos, unlinked(set(history.links) - cited))
    result = LinkResult(problems=resolution.problems + history.problems)
    for key in sorted(cited | set(history.links), key=_order):
        ref = str(CommitRef(*key))
        found = entries.get(key)
        links, reverted = history.links.get(key, set()), reverter(history, key)
        new = merge(found[1] if found else None, key, info.get(key), links, reverted)
        if found is None:
            path = config.records / Commit.folder / f"{ref}.yaml"
            if path.exists():
                message = f"cannot create {path.name} for {ref}: the file exists and holds another commit"
                result.problems.append(Diagnostic(relative(config, path), 0, 0, Code.E301, "hash", message))
                continue
            changed = tuple(plain(new))
            result.changes.append(Change(relative(config, path), ref, "created", changed, (), record_text(new)))
        else:
            changed = tuple(k for k in Commit.model_fields if getattr(new, k) != getattr(found[1], k))
            status: Status = "updated" if changed else "unchanged"
            text = record_text(new) if changed else ""
            result.changes.append(Change(found[0].file, ref, status, changed, _kept(new, info.get(key)), text))
    report = Report.of(result.problems, ignore=config.ignore)
    result.problems = report.errors + report.warnings
    return result


def _order(key: Key) -> tuple[str, str]:
    return key[0] or "", key[1]


@contextmanager
def history_scan(config: Config, repos: Repositories) -> Iterator[Callable[[], dict[str | None, list[Mention]]]]:
    """The trailer and revert scan, started in a second thread (git does the reading while Python
    loads the records); yields the function that waits for its result, as `plan` takes it."""
    with ThreadPoolExecutor(1) as pool:
        yield pool.submit(scan_history, config, list(repos.available())).result


def write_changes(config: Config, result: LinkResult) -> None:
    """Create and rewrite the commit records `plan` changed, with one flush to disk for them all."""
    files = {
        status: [(Path(config.root, c.file), c.text) for c in result.changes if c.status == status]
        for status in ("created", "updated")
    }
    write_batch(files["created"], files["updated"], durable=True)  # records: on disk before kb says so
