"""What reading a report gives: drafts of its records, notes, and which lines went where.

Every line the reader takes is recorded as a `Span` (line range → draft and field), and every
line it cannot take becomes a `Note` with its line; `kb import report --explain` prints the
spans, and a line in neither would be a line lost (tests/importer checks there is none).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kb.importer.mdblocks import Block, Code, Draft, Note, Section, Table, source


@dataclass
class Value:
    """One audit field as read: its lines, text, and how plainly the report named it (0 best)."""

    line: int
    last: int
    text: str
    rank: int


@dataclass(frozen=True)
class Span:
    """Report lines `first` to `last` were read into `field` of `draft` ("notes" of the audit for a note)."""

    first: int
    last: int
    draft: Draft
    field: str


@dataclass
class Parsed:
    """Everything a report says, as drafts, in report order; `notes` holds what has no field."""

    title: str
    lines: list[str]
    audit: Draft = field(default_factory=lambda: Draft(1))
    """Stands for the audit in `spans`: its own fields are built from `header`."""
    header: dict[str, Value] = field(default_factory=dict)
    heading_days: list[tuple[int, dt.date, dt.date | None]] = field(default_factory=list)
    """Days named in section headings ('Day 1 (2026-01-25)'), for reports without a date line."""
    findings: list[Draft] = field(default_factory=list)
    lessons: list[Draft] = field(default_factory=list)
    remaining: list[Draft] = field(default_factory=list)
    pickup: list[Draft] = field(default_factory=list)
    recommended: list[Draft] = field(default_factory=list)
    """Actions a finding's own `Recommendation:` line asks for, linked to it."""
    commits: list[Draft] = field(default_factory=list)
    cleanup: list[dict[str, Any]] = field(default_factory=list)
    documentation: list[dict[str, Any]] = field(default_factory=list)
    snapshot: Draft | None = None
    readiness: int | None = None
    notes: list[Note] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)

    def snapshot_draft(self, line: int) -> Draft:
        """The report's snapshot draft, begun at `line` if this is its first table."""
        if self.snapshot is None:
            self.snapshot = Draft(line)
        return self.snapshot

    def map(self, first: int, last: int, draft: Draft, name: str) -> None:
        """Record that lines `first`-`last` were read into field `name` of `draft`."""
        self.spans.append(Span(first, last, draft, name))

    def keep(self, line: int, last: int, text: str) -> None:
        """Keep report text no field takes as an audit note, with its line."""
        self.notes.append(Note(line, text))
        self.map(line, last, self.audit, "notes")

    def note(self, where: str, block: Block) -> None:
        """Keep one block as a note, prefixed with the section (or finding) it was under."""
        self.keep(block.line, block.end, f"{where}: {self.text(block)}")

    def note_section(self, section: Section) -> None:
        """Keep a whole section, heading and all, as one note (blank lines and rules left out)."""
        body = [ln for ln in source(section, self.lines) if ln.strip() and ln.strip() != "---"]
        self.keep(section.heading.line, section.end, "\n".join(body))

    def text(self, block: Block) -> str:
        """A block as the note shows it: a table as rows, code as its lines, anything else as its line."""
        if isinstance(block, Table):
            return block.source()
        if isinstance(block, Code):
            return "\n".join(text for _, text in block.lines)
        return self.lines[block.line - 1].strip()

    def verbatim(self, block: Block) -> str:
        """A block's lines exactly as the report wrote them."""
        return "\n".join(source(block, self.lines))
