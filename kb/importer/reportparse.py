"""Reading a Markdown report, whatever its shape, into drafts of the records it describes.

The report is read as a tree of sections. A heading says what its section holds: a kind by its
words ("Issues Found", "Remaining", "Next Steps", "Executive Summary", "Storage"; see
`kb.importer.labels`), one finding by its shape ("#### Issue 1.1.2 - Title", "### GW-01:
Title"), or a group that gives what is below it a severity, status, priority, day or category
("## CRITICAL ISSUES (7)", "### Immediate", "## Day 1 (2026-01-25)", "## 1. Architecture").
Tables are told by their columns. A section holding nothing the reader maps is kept whole as
one note, and every other line it cannot map is a note with its line: nothing is dropped. No
records are made here; see `kb.importer.planning`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kb.importer import actions, inventory, metadata, values
from kb.importer.findings import Fields, Group, has_labels, lists_findings, new_finding, read_item_findings
from kb.importer.labels import finding_head, group_severity, is_strength, plain_head, says_no_issue, section_kind
from kb.importer.mdblocks import Block, Draft, Item, Section, Table, Text, blocks, lead, outline, unbold, words
from kb.importer.merging import merge_rows
from kb.importer.parsed import Parsed
from kb.importer.tables import TableKind, classify, rows

_CONTAINERS = ("findings", "remaining", "pickup")
_METADATA = ("summary", "trigger", "scope")
_LISTED = (TableKind.findings, TableKind.remaining)
"""The table kinds read in a section of no known kind (a tracker, an action list)."""


@dataclass(frozen=True)
class Context:
    """What the sections above say about this one: the kind of things it lists, and their group."""

    kind: str | None = None
    group: Group = field(default_factory=Group)
    name: str = ""
    """The heading of the section above, which notes of what it holds are kept under."""


class _Reader:
    """One pass over one report's sections."""

    def __init__(self, text: str):
        title, preamble, top = outline(blocks(text))
        if title is None and not preamble and top and self._titles(top[0]):
            first = top.pop(0)
            title, preamble, top = first.heading, first.blocks, first.children + top
        self.parsed = Parsed(unbold(title.text).strip() if title else "", text.splitlines())
        parsed = self.parsed
        if title is not None:
            parsed.audit.line = title.line
            parsed.map(title.line, title.line, parsed.audit, "title")
        parsed.readiness = values.readiness(text)
        metadata.read_header(parsed, preamble)
        for section in top:
            self.section(section, Context())
        merge_rows(parsed)
        _settle(parsed)
        actions.link(parsed)

    @staticmethod
    def _titles(section: Section) -> bool:
        """A first heading that is not `#` still titles the report unless it names a kind of section."""
        return section_kind(section.heading.text) is None and finding_head(section.heading.text) is None

    def section(self, section: Section, ctx: Context) -> None:
        parsed = self.parsed
        text = section.heading.text
        kind = section_kind(text)
        if ctx.kind == "findings" and kind not in ("strengths", *_CONTAINERS):
            kind = None  # below a findings heading, "### Storage" or "#### 3. Dispatch wrong image" is no inventory
        metadata.heading_days(parsed, section)
        named = kind in (*inventory.KINDS, *_METADATA) and not (finding_head(text) or ctx.kind == "findings")
        if kind == "strengths" or ctx.kind == "strengths" or is_strength(text) or _says_nothing_found(section):
            parsed.note_section(section)
        elif not named and self._is_finding(section, kind, ctx):
            self.heading_finding(section, ctx)
        elif kind in inventory.KINDS:
            inventory.read(parsed, section, str(kind), lambda t, n, k, line: self.table(t, n, k, ctx.group, line=line))
        elif kind in _METADATA:
            metadata.read_section(parsed, section, kind)
            for child in section.children:
                self.section(child, ctx)
        else:
            self.container(section, kind, ctx)

    def _is_finding(self, section: Section, kind: str | None, ctx: Context) -> bool:
        """Whether a section is one finding: labelled lines under a numbered heading, or in a
        findings section a heading of its own that lists no findings and groups nothing."""
        text = section.heading.text
        head = finding_head(text)
        labelled = has_labels(section.blocks)
        if labelled >= 2 or (labelled and (head is not None or ctx.kind == "findings")):
            return True
        if section.children or kind is not None or lists_findings(section.blocks) or _groups(text):
            return False
        return ctx.kind == "findings" and (head is not None or bool(section.blocks))

    def heading_finding(self, section: Section, ctx: Context) -> None:
        """A heading and the labelled lines under it, as one finding."""
        heading = section.heading
        head = finding_head(heading.text) or plain_head(heading.text)
        draft = new_finding(self.parsed, heading.line, heading.line, ctx.group, head.title, head)
        fields = Fields(self.parsed, draft, where=ctx.name)
        for block in section.blocks:
            fields.feed(block)
        for child in section.children:
            if fields.label_heading(child.heading.text, child.heading.line):
                for block in child.flat():
                    fields.feed(block)
                continue
            fields.close()
            kind = section_kind(child.heading.text)
            if self._is_finding(child, kind, ctx):
                self.section(child, ctx)
            elif kind in ("remaining", "pickup"):  # "#### Next steps" under the finding: follow-ups of it
                self.container(child, kind, Context(None, Group({"finding": draft}), ctx.name))
            else:
                self.parsed.note_section(child)
        fields.close()

    def container(self, section: Section, kind: str | None, ctx: Context) -> None:
        """A section that holds findings, actions or other sections, and groups what it holds."""
        parsed = self.parsed
        heading = section.heading
        inner_kind = kind if kind in _CONTAINERS else ctx.kind
        if inner_kind is None and group_severity(heading.text):
            inner_kind = "findings"
        group = self._group(heading.line, heading.text, kind, inner_kind, ctx.group)
        if inner_kind is None and not _mappable(section):
            parsed.note_section(section)
            return
        parsed.map(heading.line, heading.line, parsed.audit, "section")
        name = unbold(heading.text).strip()
        inner = Context(inner_kind, group, name)
        if inner_kind == "findings":
            rest = [b for b in section.blocks if not (isinstance(b, Table) and self.table(b, name, "findings", group))]
            read_item_findings(parsed, rest, group, name)
        else:
            self.listed(section.blocks, inner, name)
        for child in section.children:
            self.section(child, inner)

    def listed(self, blocks: list[Block], ctx: Context, name: str) -> None:
        """The blocks of an action list, or of a section of no known kind (where only checkbox
        items are actions, and only tracker and action tables are read)."""
        kind = ctx.kind or "remaining"
        run: list[Item] = []
        for block in blocks:
            if isinstance(block, Item) and (
                ctx.kind or block.checked is not None or (run and block.indent > run[0].indent)
            ):
                run.append(block)
                continue
            actions.read_items(self.parsed, list(run), kind, ctx.group, name)
            run = []
            if isinstance(block, Table) and self.table(block, name, ctx.kind or "", ctx.group, ctx.kind is None):
                continue
            if not (isinstance(block, (Text, Item)) and inventory.pods(self.parsed, block, block.line)):
                self.parsed.note(name, block)
        actions.read_items(self.parsed, list(run), kind, ctx.group, name)

    def _group(self, line: int, text: str, kind: str | None, inner: str | None, above: Group) -> Group:
        """What a heading says about everything under it."""
        given: dict[str, Any] = {}
        days = values.date_range(text)
        if days:
            given["found"] = days[0]
        if inner == "findings":
            severity = group_severity(text)
            given.update(severity=severity, discovery=values.discovery(text), status=values.status(text))
            said = re.findall(r"\w+", unbold(text))
            if severity and said and said[0].lower() not in (severity, "severity"):
                given["severity_word"] = said[0]
        elif inner in ("remaining", "pickup"):
            given["priority"] = values.priority(text)
        if kind is None and not any(given.values()):
            head = finding_head(text)
            name = head.title if head else unbold(text)
            if inner == "findings" or head is not None:
                given["tags"] = [values.slug(name)] if values.slug(name) else []
        return above.with_(line, **given)

    def table(
        self, table: Table, name: str, hint: str, group: Group, restricted: bool = False, line: int | None = None
    ) -> bool:
        """Read a table by its columns; False (and nothing read) if it is of no kind here, or
        (`restricted`, in a section of no known kind) neither a tracker nor an action table.

        `line` is where its section starts, where a snapshot the table begins says it was read.
        """
        kind = classify(table.header, hint)
        if kind is None or (restricted and kind not in _LISTED):
            return False
        parsed = self.parsed
        parsed.map(table.line, table.line, parsed.audit, "table header")
        if kind in (TableKind.findings, TableKind.remaining, TableKind.documentation, TableKind.commits):
            mapped, extras = rows(table, kind)
            for line, text in extras:
                parsed.keep(line, line, f"{name}: {text}")
            if kind is TableKind.findings:
                self._tracker_rows(mapped, group)
            elif kind is TableKind.remaining:
                actions.table_rows(parsed, mapped, group)
            elif kind is TableKind.documentation:
                parsed.documentation += [data for _, data in mapped]
                for line, _ in mapped:
                    parsed.map(line, line, parsed.audit, "documentation")
            else:
                for line, data in mapped:
                    draft = Draft(line, data)
                    parsed.commits.append(draft)
                    parsed.map(line, line, draft, "hash, subject")
        else:
            inventory.snapshot_rows(parsed, table, kind, line or table.line)
        return True

    def _tracker_rows(self, mapped: list[tuple[int, dict[str, Any]]], group: Group) -> None:
        """One finding per row of a tracker table; a detailed section about it is merged later."""
        for line, data in mapped:
            if not data.get("title"):
                self.parsed.keep(line, line, f"tracker row without a title: {self.parsed.lines[line - 1].strip()}")
                continue
            row = dict(data)
            draft = new_finding(self.parsed, line, line, group, row.pop("title"))
            draft.ref, draft.origin = row.pop("ref", None), "row"
            lines = row.pop("lines", None)
            for name, value in row.items():
                draft.data[name] = [*draft.data.get(name, []), *value] if isinstance(value, list) else value
            paths = draft.data["paths"]
            if lines and len(paths) == 1:
                paths[0] = f"{paths[0]}:{values.lines(lines) or lines}"
            elif lines:
                self.parsed.keep(line, line, f"{draft.data['title']}: Line={lines}")


def _groups(text: str) -> bool:
    """A heading that only groups findings: a severity, a discovery, a status or a day."""
    return bool(group_severity(text) or values.discovery(text) or values.date_range(text))


def _says_nothing_found(section: Section) -> bool:
    """A check that found nothing ('**Status:** ✅ No issues found') is no finding."""
    for block in section.blocks[:4]:
        if isinstance(block, (Text, Item)):
            key, value = lead(block.text)
            said = value if key and words(key) in ("status", "result", "finding", "findings") else block.text
            if says_no_issue(said) and len(words(said).split()) <= 8:
                return True
    return False


def _mappable(section: Section) -> bool:
    """Whether a section of no known kind holds anything the reader maps (else it is one note)."""
    for block in section.blocks:
        if isinstance(block, Item) and block.checked is not None:
            return True
        if isinstance(block, Table) and classify(block.header, "") in _LISTED:
            return True
    for child in section.children:
        text = child.heading.text
        kind = section_kind(text)
        if kind == "strengths" or is_strength(text):
            continue
        if kind is not None or finding_head(text) or group_severity(text) or values.discovery(text):
            return True
        if has_labels(child.blocks) or _mappable(child):
            return True
    return False


def _settle(parsed: Parsed) -> None:
    """Finish each finding: a default status (resolved when it names a fix commit), and the
    severity word the report used kept as a tag when it is not kb's own."""
    for draft in parsed.findings:
        data = draft.data
        if not data.get("status"):
            data["status"] = "resolved" if data["commits"] else "open"
        word = data.pop("severity_word", None)
        if word and data.get("severity") and word.strip().lower() != data["severity"]:
            data["tags"] = list(dict.fromkeys([*data["tags"], f"severity:{word.strip()}"]))


def parse(text: str) -> Parsed:
    """Read a whole report; never fails, but what it cannot map ends up in `notes`."""
    return _Reader(text).parsed
