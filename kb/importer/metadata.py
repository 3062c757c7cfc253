"""The audit's own fields, wherever the report puts them.

A header line (`**Date:**`, `Generated:`, `**Audit Status:**`), a key-value table (`| Date |
2026-02-03 |`), a section named for the field (`### Trigger`, `## Scope`, `## Executive
Summary`), prose right under the title, and dates in section headings ("Day 1 (2026-01-25)").
When two places give the same field, the one named most plainly wins and the other is kept as
a note; summaries from several places are joined.
"""

from __future__ import annotations

from kb.importer import values
from kb.importer.labels import HEADER_KEYS
from kb.importer.mdblocks import Block, Item, Section, Table, Text, lead, words
from kb.importer.parsed import Parsed, Span, Value

_PLAIN_KEYS = {"date": ("date", "generated"), "trigger": ("trigger",), "scope": ("scope",), "result": ("result",)}
"""Keys that name a field outright; synonyms ('Cluster:', 'Last updated:') give way to them."""


def offer(parsed: Parsed, name: str, line: int, last: int, text: str, rank: int, where: str = "Header") -> None:
    """Give the audit field `name` a value; the less plainly named of two is kept as a note."""
    old = parsed.header.get(name)
    if name == "summary" and old is not None:
        parsed.header[name] = Value(old.line, max(old.last, last), f"{old.text}\n\n{text}", min(old.rank, rank))
        parsed.map(line, last, parsed.audit, name)
        return
    if old is not None and old.rank <= rank:
        parsed.keep(line, last, _quoted(parsed, where, line, last))
        return
    if old is not None:
        parsed.spans.remove(Span(old.line, old.last, parsed.audit, name))
        parsed.keep(old.line, old.last, _quoted(parsed, where, old.line, old.last))
    parsed.header[name] = Value(line, last, text, rank)
    parsed.map(line, last, parsed.audit, name)


def _quoted(parsed: Parsed, where: str, line: int, last: int) -> str:
    return f"{where}: " + "\n".join(ln.strip() for ln in parsed.lines[line - 1 : last] if ln.strip())


def _key_line(parsed: Parsed, block: Text | Item, where: str) -> bool:
    """A `Key: value` line naming an audit field; False when its key names none."""
    key, rest = lead(block.text)
    said = words(key) if key else ""
    name = HEADER_KEYS.get(said)
    if name is None or not rest:
        return False
    rank = 0 if said in _PLAIN_KEYS.get(name, (name,)) or name in ("summary", "readiness") else 1
    offer(parsed, name, block.line, block.end, rest, rank, where)
    return True


def key_table(parsed: Parsed, table: Table, where: str) -> bool:
    """A two-column table of audit fields (`| Date | 2026-02-03 |`); False if no row names one."""
    rows = [(table.line, table.header), *table.rows]
    named = [(line, cells) for line, cells in rows if len(cells) >= 2 and HEADER_KEYS.get(words(cells[0]))]
    if not named:
        return False
    for line, cells in rows:
        key, value = (cells[0], " | ".join(c for c in cells[1:] if c)) if cells else ("", "")
        row = Text(line, f"{key}: {value}" if key and value else " | ".join(cells))
        if key and value and _key_line(parsed, row, where):
            continue
        if words(" ".join(cells)) not in ("field value", "key value", ""):
            parsed.keep(line, line, f"{where}: {parsed.lines[line - 1].strip()}")
    parsed.map(table.line, table.end, parsed.audit, "header table")
    return True


def read_header(parsed: Parsed, blocks: list[Block]) -> None:
    """The lines between the title and the first section: fields, key tables, and prose as the summary."""
    prose: list[Text] = []
    for block in [*blocks, None]:
        if isinstance(block, Text) and lead(block.text)[0] is None and words(block.text):
            if prose and block.line > prose[-1].line + 1:
                _prose(parsed, prose)
            prose.append(block)
            continue
        _prose(parsed, prose)
        if block is None or (isinstance(block, Table) and key_table(parsed, block, "Header")):
            continue
        if isinstance(block, (Text, Item)) and _key_line(parsed, block, "Header"):
            continue
        if isinstance(block, Text) and not block.text.strip("-*_ "):
            parsed.map(block.line, block.end, parsed.audit, "rule")
        else:
            parsed.note("Header", block)


def _prose(parsed: Parsed, lines: list[Text]) -> None:
    """A paragraph under the title, as (part of) the audit's summary; `lines` is emptied."""
    if lines:
        offer(parsed, "summary", lines[0].line, lines[-1].line, "\n".join(b.text for b in lines), 2)
        lines.clear()


def read_section(parsed: Parsed, section: Section, kind: str) -> None:
    """A `## Executive Summary`, `### Trigger` or `## Scope` section: its prose is the field.

    Key lines in it (`**Audit Status:**`, `**Result:**`) fill their own fields; tables and other
    blocks are notes.
    """
    where = section.heading.text
    field = "summary" if kind == "summary" else kind
    parsed.map(section.heading.line, section.heading.line, parsed.audit, field)
    prose: list[Block] = []
    for block in section.blocks:
        if isinstance(block, Table) and key_table(parsed, block, where):
            continue
        if isinstance(block, (Text, Item)) and _key_line(parsed, block, where):
            continue
        if isinstance(block, Text) or (isinstance(block, Item) and kind != "summary"):
            prose.append(block)
        else:
            parsed.note(where, block)
    if prose:
        text = "\n".join(parsed.verbatim(b) for b in prose).strip()
        offer(parsed, field, prose[0].line, prose[-1].end, text, 0 if kind != "summary" else 1, where)


def heading_days(parsed: Parsed, section: Section) -> None:
    """Remember the days a heading names, for a report that names them nowhere else."""
    days = values.date_range(section.heading.text)
    if days:
        parsed.heading_days.append((section.heading.line, *days))
