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
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")


@dataclass
class Item:
    """One list item: its indent, its number when numbered, and its text with continuations."""

    line: int
    indent: int
    number: int | None
    text: str


@dataclass
class Table:
    """A pipe table: header cells and data rows, each row with its line."""

    line: int
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    def source(self) -> str:
        lines = ["| " + " | ".join(self.header) + " |"]
        lines += ["| " + " | ".join(cells) + " |" for _, cells in self.rows]
        return "\n".join(lines)


@dataclass
class Code:
    line: int
    lines: list[tuple[int, str]]


@dataclass
class Text:
    """A paragraph line that is not a list item (indented continuation lines are merged into items)."""

    line: int
    text: str


@dataclass
class Heading:
    line: int
    level: int
    text: str


@dataclass
class Draft:
    """Fields for one record, and the report line it was read from."""

    line: int
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Note:
    """Report text no record field takes, kept on the audit; `line` is where it starts."""

    line: int
    text: str


Block = Item | Table | Code | Text | Heading


@dataclass
class Section:
    """A top-level heading and every block up to the next one (sub-headings included)."""

    heading: Heading
    blocks: list[Block] = field(default_factory=list)


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
            if _FENCE.match(raw):
                fence = None
            else:
                fence.lines.append((number, raw))
            continue
        stripped = raw.strip()
        if table is not None and stripped.startswith("|"):
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
            out.append(Item(number, len(indent.expandtabs(4)), int(digits) if digits else None, body.strip()))
        elif raw[:1].isspace() and out and isinstance(out[-1], Item):
            out[-1].text += " " + stripped
        else:
            out.append(Text(number, stripped))
    return out


def sections(all_blocks: list[Block]) -> tuple[Heading | None, list[Block], list[Section]]:
    """The title heading, the blocks before the first section, and the sections.

    The title is the first level-1 heading; sections start at the shallowest heading level used
    after it, so a report written with `#` sections and one written with `##` both split right.
    """
    title = next((b for b in all_blocks if isinstance(b, Heading) and b.level == 1), None)
    rest = [b for b in all_blocks if b is not title]
    levels = [b.level for b in rest if isinstance(b, Heading)]
    top = min(levels, default=2)
    preamble: list[Block] = []
    found: list[Section] = []
    for block in rest:
        if isinstance(block, Heading) and block.level == top:
            found.append(Section(block))
        elif found:
            found[-1].blocks.append(block)
        else:
            preamble.append(block)
    return title, preamble, found


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
