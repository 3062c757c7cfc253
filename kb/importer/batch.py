"""Several reports in one run: a folder, a glob, or a list of files, one audit per report.

The reports are read first and compared. A finding that a later report describes again, in a
report of overlapping days (a summary and its detailed report), is merged into the earlier
report's record, whose `imported_from` then names both places; the same finding in a report
of other days, or in an audit the knowledge base already holds, is flagged as a possible
recurrence. Then each report is planned in turn. The caller writes nothing unless no report
has a problem: one run, every problem listed, all or nothing.
"""

from __future__ import annotations

import glob
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Generic, TypeVar

from kb.check.diagnostics import Code, Diagnostic
from kb.importer.dating import Days
from kb.importer.mdblocks import Draft
from kb.importer.merging import combine, same, title_words
from kb.importer.parsed import Parsed
from kb.importer.planning import Plan, Planned
from kb.importer.refill import Filled
from kb.store.loader import KnowledgeBase

SUFFIXES = (".md", ".markdown")
T = TypeVar("T")


def find_reports(sources: Sequence[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """The report files named: every Markdown file under a folder, the matches of a glob, files."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    for source in sources:
        text = str(source)
        if source.is_dir():
            inside = sorted(p for p in source.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
            inside = [p for p in inside if not any(part.startswith(".") for part in p.relative_to(source).parts)]
            found += inside
            if not inside:
                problems.append(Diagnostic(text, 0, 0, Code.E703, "", "the folder holds no Markdown report (*.md)"))
        elif source.exists():  # a file, or a pipe or device read up to the report's limit
            found.append(source)
        elif glob.has_magic(text):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
            found += matches
            if not matches:
                problems.append(Diagnostic(text, 0, 0, Code.E703, "", "the pattern matches no file"))
        else:
            problems.append(Diagnostic(text, 0, 0, Code.E703, "", "no such file or folder"))
    return list(dict.fromkeys(p.resolve() for p in found)), problems


def names(paths: Sequence[Path]) -> list[str]:
    """How each report is named in `imported_from` and messages: its file name, or more of its
    path where two reports of the run share a name."""
    counts = Counter(p.name for p in paths)
    base = Path.cwd()
    return [p.name if counts[p.name] == 1 else str(p.relative_to(base) if p.is_relative_to(base) else p) for p in paths]


@dataclass
class Report:
    """One report of the run: where it is, how it is named, what it says, and its days."""

    path: Path | None
    name: str
    parsed: Parsed
    days: Days | None
    said: list[Diagnostic]
    """What finding its days took: warnings (W701), or the error that it has none (E701)."""


@dataclass
class Repeat:
    """A finding a report describes again: merged into the earlier one's record, or a recurrence."""

    later: Draft
    later_name: str
    earlier: Draft
    earlier_name: str
    merged: bool


def _overlap(a: Days | None, b: Days | None) -> bool:
    if a is None or b is None:
        return False
    return a.started <= (b.ended or b.started) and b.started <= (a.ended or a.started)


LOOKUPS = 1024
"""How many word sets within a title are looked up at most: every one of a title of up to ten words."""


class _Index(Generic[T]):
    """Findings by the words of their titles, so that the same finding is found again quickly.

    Two titles name the same finding when one's words are all in the other's (see
    `kb.importer.merging.same`): the titles within a new one are looked up by their word sets,
    and the titles around it are among those sharing its rarest word.
    """

    def __init__(self) -> None:
        self.by_word: dict[str, list[tuple[int, Draft, T]]] = {}
        self.by_set: dict[frozenset[str], list[tuple[int, Draft, T]]] = {}
        self.added = 0

    def add(self, draft: Draft, value: T) -> None:
        self.added += 1
        entry = (self.added, draft, value)
        words = title_words(draft)
        self.by_set.setdefault(words, []).append(entry)
        for word in words:
            self.by_word.setdefault(word, []).append(entry)

    def find(self, draft: Draft, accept: Callable[[T], bool] = lambda _: True) -> tuple[Draft, T] | None:
        """The earliest added finding that is the same as `draft` (and `accept`s), if any."""
        words = title_words(draft)
        found = [e for within in self._within(words) for e in within if accept(e[2]) and same(draft, e[1], False)]
        lists = [self.by_word.get(w, []) for w in words]
        if len(words) > 1 and all(lists):
            around = min(lists, key=len)
            found += next(([e] for e in around if accept(e[2]) and same(draft, e[1], False)), [])
        if not found:
            return None
        _, other, value = min(found, key=lambda e: e[0])
        return other, value

    def _within(self, words: frozenset[str]) -> list[list[tuple[int, Draft, T]]]:
        """The added findings whose title words are all among `words`: the same set, or two or more of them."""
        ordered = sorted(words)
        out: list[list[tuple[int, Draft, T]]] = []
        lookups = 0
        for size in range(len(ordered), 1 if len(ordered) > 1 else 0, -1):
            for subset in combinations(ordered, size):
                lookups += 1
                if lookups > LOOKUPS:
                    return out
                out.append(self.by_set.get(frozenset(subset), []))
        return out


def join(reports: Sequence[Report]) -> list[Repeat]:
    """Merge the findings later reports repeat from reports of overlapping days (see the module)."""
    seen: _Index[Report] = _Index()
    repeats: list[Repeat] = []
    for report in reports:
        mine: list[Draft] = []
        for draft in report.parsed.findings:
            if draft.merged_into is not None:
                continue
            earlier = seen.find(draft)
            if earlier is None:
                mine.append(draft)
                continue
            first, first_report = earlier
            merged = _overlap(report.days, first_report.days)
            repeats.append(Repeat(draft, report.name, first, first_report.name, merged))
            if merged:
                draft.also.insert(0, f"{report.name}:{draft.line}")
                combine(first, draft, prefer_other=False)
            else:
                mine.append(draft)
        for draft in mine:
            seen.add(draft, report)
    return repeats


@dataclass
class Batch:
    """What importing every report of the run would do."""

    problems: list[Diagnostic] = field(default_factory=list)
    repeats: list[Repeat] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    recurrences: list[str] = field(default_factory=list)
    """What the run says of findings other reports or audits describe too: merged, or possible recurrences."""
    hashes: set[str] = field(default_factory=set)
    """Commits a report of the run records, so a later one that lists them too reuses the record."""

    def add(self, report: Report, plan: Plan) -> None:
        """One report's plan, with what dating it said (a warning, or a problem)."""
        plan.warnings[:0] = [d for d in report.said if d.level == "warning"]
        self.problems += [d for d in report.said if d.level == "error"] + plan.problems
        self.plans.append(plan)

    @property
    def created(self) -> list[Planned]:
        return [item for p in self.plans for item in p.created]

    @property
    def filled(self) -> list[Filled]:
        return [item for p in self.plans for item in p.filled]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [w for p in self.plans for w in p.warnings]

    def explain_repeats(self, kb: KnowledgeBase) -> None:
        """Say which findings were merged across reports, and which look like recurrences."""
        for repeat in self.repeats:
            earlier, later = repeat.earlier.final(), repeat.later
            where = f"{repeat.later_name}:{later.line}"
            if repeat.merged:
                self.recurrences.append(
                    f"{where}: {later.data['title']!r} is {earlier.record} of {repeat.earlier_name} "
                    "(same days): one record, both places in its imported_from"
                )
            else:
                self.recurrences.append(_recurrence(where, later, str(earlier.record), repeat.earlier_name))
        self._against(kb)

    def _against(self, kb: KnowledgeBase) -> None:
        """Flag new findings that look like findings of other audits the knowledge base holds."""
        index: _Index[tuple[str, str]] = _Index()
        for finding in kb.findings:
            index.add(Draft(0, {"title": finding.title}), (finding.id, finding.audit))
        for plan in self.plans:
            created = {getattr(item.record, "id", "") for item in plan.created}
            for draft in (d for d in plan.drafts if d.record in created):
                found = index.find(draft, lambda known: known[1] != plan.audit)  # noqa: B023 - used at once
                if found is not None:
                    ident, audit = found[1]
                    self.recurrences.append(_recurrence(f"{plan.source}:{draft.line}", draft, ident, audit))


def _recurrence(where: str, later: Draft, earlier: str, of: str) -> str:
    return (
        f"{where}: {later.data['title']!r} ({later.record}) looks like {earlier} of {of}: a recurrence? "
        f"To link them, add `recurrence_of: {earlier}` to {later.record}"
    )
