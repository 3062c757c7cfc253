"""Markdown reports as line-numbered blocks: sections, list items, tables, code and text.

Hand-written rather than a full CommonMark parser: audit reports use a small subset, and every
block must keep the line it came from so that each imported record can say where it was read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(\s*)(?:(\d+)[.)]|[-*+])\s+(.*)$")
_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CHECKBOX = re.compile(r"^\[([ xX])\]\s+")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")


@dataclass
class Item:
    """One list item: its indent, its number when numbered, its checkbox state, and its text with continuations."""

    line: int
    indent: int
    number: int | None
    text: str
    end: int = 0
    checked: bool | None = None
    """True for `- [x]`, False for `- [ ]`, None for an item without a checkbox."""
    first: str = ""
    """The text of its first line alone."""

    def __post_init__(self) -> None:
        self.end = self.end or self.line
        self.first = self.first or self.text


@dataclass
class Table:
    """A pipe table: header cells and data rows, each row with its line."""

    line: int
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    end: int = 0

    def __post_init__(self) -> None:
        self.end = self.end or self.line

    def source(self) -> str:
        lines = ["| " + " | ".join(self.header) + " |"]
        lines += ["| " + " | ".join(cells) + " |" for _, cells in self.rows]
        return "\n".join(lines)


@dataclass
class Code:
    """A fenced code block; `lines` are its content, `line` and `end` its fences."""

    line: int
    lines: list[tuple[int, str]]
    end: int = 0

    def __post_init__(self) -> None:
        self.end = self.end or self.line


@dataclass
class Text:
    """A paragraph line that is not a list item (indented continuation lines are merged into items)."""

    line: int
    text: str

    @property
    def end(self) -> int:
        return self.line


@dataclass
class Heading:
    line: int
    level: int
    text: str

    @property
    def end(self) -> int:
        return self.line


@dataclass(eq=False)
class Draft:
    """Fields for one record, the report line it was read from, and what the reader knows about it.

    `ref` is the number or ID the report gives it ("1.1.2", "GW-01"); `merged_into` points at
    the draft that took its fields when the report describes one thing twice; `link` is the
    finding an action follows from, where the report says so.
    """

    line: int
    data: dict[str, Any] = field(default_factory=dict)
    ref: str | None = None
    merged_into: Draft | None = None
    link: Draft | None = None
    names: str | None = None
    """For an action: the finding reference its text ends with ('Issue 1.1.1'), until `link` is found."""
    also: list[str] = field(default_factory=list)
    """Other reports' 'file:line' that describe the same record (a summary and its detailed report)."""
    origin: str = ""
    """'row' for a finding read from a tracker table, which a detailed section may describe again."""
    record: str | None = None
    """The ID of the record the draft became, once planned."""

    def final(self) -> Draft:
        """The draft this one ended up in (itself unless merged)."""
        draft = self
        while draft.merged_into is not None:
            draft = draft.merged_into
        return draft


@dataclass
class Note:
    """Report text no record field takes, kept on the audit; `line` is where it starts."""

    line: int
    text: str


Block = Item | Table | Code | Text | Heading


@dataclass
class Section:
    """A heading, the blocks under it up to its first sub-heading, and its sub-sections."""

    heading: Heading
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    @property
    def end(self) -> int:
        """The last line the section or any of its sub-sections holds."""
        last = self.children[-1].end if self.children else 0
        return max(last, self.blocks[-1].end if self.blocks else self.heading.line)

    def flat(self) -> list[Block]:
        """Every block below the heading, sub-headings included, in report order."""
        out = list(self.blocks)
        for child in self.children:
            out += [child.heading, *child.flat()]
        return out


def _cells(line: str) -> list[str]:
    text = line.strip()
    text = text.removeprefix("|").removesuffix("|")
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", text)]


def blocks(text: str) -> list[Block]:
    """The blocks of a Markdown text in order, with 1-based line numbers."""
    out: list[Block] = []
    fence: Code | None = None
    table: Table | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if fence is not None:
            fence.end = number
            if _FENCE.match(raw):
                fence = None
            else:
                fence.lines.append((number, raw))
            continue
        stripped = raw.strip()
        if table is not None and stripped.startswith("|"):
            table.end = number
            if not _TABLE_SEPARATOR.match(stripped):
                table.rows.append((number, _cells(stripped)))
            continue
        table = None
        if not stripped or _RULE.match(raw):
            continue
        if _FENCE.match(raw):
            fence = Code(number, [])
            out.append(fence)
        elif heading := _HEADING.match(raw):
            out.append(Heading(number, len(heading.group(1)), heading.group(2)))
        elif stripped.startswith("|"):
            table = Table(number, _cells(stripped))
            out.append(table)
        elif item := _ITEM.match(raw):
            indent, digits, body = item.groups()
            box = _CHECKBOX.match(body)
            checked = None if box is None else box.group(1) != " "
            text = body[box.end() :] if box else body
            out.append(
                Item(number, len(indent.expandtabs(4)), int(digits) if digits else None, text.strip(), 0, checked)
            )
        elif raw[:1].isspace() and out and isinstance(out[-1], Item):
            out[-1].text += " " + stripped
            out[-1].end = number
        else:
            out.append(Text(number, stripped))
    return out


def outline(all_blocks: list[Block]) -> tuple[Heading | None, list[Block], list[Section]]:
    """The title heading (the first level-1 one), the blocks before the first other heading, and
    the sections as a tree.

    A heading holds what follows it up to the next heading of its level or a shallower one, so a
    report that starts its sections at `#`, `##` or `###` (or mixes them) nests right.
    """
    title = next((b for b in all_blocks if isinstance(b, Heading) and b.level == 1), None)
    preamble: list[Block] = []
    top: list[Section] = []
    stack: list[Section] = []
    for block in all_blocks:
        if block is title:
            continue
        if isinstance(block, Heading):
            while stack and stack[-1].heading.level >= block.level:
                stack.pop()
            section = Section(block)
            (stack[-1].children if stack else top).append(section)
            stack.append(section)
        elif stack:
            stack[-1].blocks.append(block)
        else:
            preamble.append(block)
    return title, preamble, top


def source(block: Block | Section, lines: list[str]) -> list[str]:
    """The report's own lines a block (or a whole section) spans, as written."""
    first = block.heading.line if isinstance(block, Section) else block.line
    return lines[first - 1 : block.end]


def unbold(text: str) -> str:
    """The text without `**bold**` or `__bold__` markers."""
    return _BOLD.sub(lambda m: m.group(1) or m.group(2), text)


def lead(text: str) -> tuple[str | None, str]:
    """Split `**Title**: rest`, `**Title:** rest` or `Title: rest` into (title, rest).

    Without bold, the part before the first colon counts as a title only when it is short,
    so a sentence that merely contains a colon stays whole.
    """
    bold = re.match(r"^(?:\*\*(.+?)\*\*|__(.+?)__)\s*(.*)$", text)
    if bold:
        title = (bold.group(1) or bold.group(2)).strip()
        rest = bold.group(3)
        if title.endswith(":"):
            return title[:-1].strip(), rest.strip()
        return title, rest.removeprefix(":").strip() if rest.startswith(":") else rest.strip()
    plain = re.match(r"^([^:`]{1,60}?):\s+(.*)$", text)
    if plain and len(plain.group(1).split()) <= 8:
        return plain.group(1).strip(), plain.group(2).strip()
    return None, text.strip()


def words(text: str) -> str:
    """A heading or header cell reduced to lower-case words, for matching names and aliases."""
    text = re.sub(r"\([^)]*\)", " ", unbold(text).replace("`", ""))
    return " ".join(re.findall(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", text.lower()))
