"""Reading a Markdown audit report, in the seed's style, into drafts of the records it describes.

Sections are recognised by their heading's words ("Issues Found", "Findings", "Problems found";
"Remaining", "Follow-ups", "Open items"; "Next Session Pickup", "Next steps"; ...) and tables by
their header names, in any column order. Every line this module cannot map is returned as a
note with its line number: nothing is dropped silently. No records are made here; see
`kb.importer.planning`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kb.importer import values
from kb.importer.findings import read_findings
from kb.importer.mdblocks import (
    Block,
    Code,
    Draft,
    Item,
    Note,
    Section,
    Table,
    Text,
    blocks,
    lead,
    sections,
    unbold,
    words,
)
from kb.importer.tables import TableKind, classify, rows

SECTION_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("pickup", ("next session", "pickup", "pick-up", "pick up", "next steps", "handover", "hand-off", "handoff")),
    ("remaining", ("remaining", "open items", "follow-up", "follow up", "followup", "non-blocking", "outstanding")),
    ("remaining", ("known issues", "open issues", "todo", "to do")),
    ("lessons", ("lesson", "takeaway", "learning")),
    ("commits", ("commit",)),
    ("documentation", ("documentation", "docs updated", "documents updated", "docs changed")),
    ("cleanup", ("cleanup", "clean-up", "clean up", "housekeeping")),
    ("findings", ("issue", "finding", "problem", "incident", "bug")),
    ("nodes", ("topology", "node", "cluster")),
    ("applications", ("application", "argocd", "argo cd", "gitops", "apps")),
    ("domains", ("domain", "route", "endpoint", "dns")),
    ("images", ("image",)),
    ("volumes", ("storage", "volume", "pvc", "persistent")),
)
HEADER_KEYS = {
    **dict.fromkeys(("date", "dates", "when", "period"), "date"),
    **dict.fromkeys(("trigger", "reason", "why", "cause"), "trigger"),
    **dict.fromkeys(("scope", "target", "targets"), "scope"),
    **dict.fromkeys(("result", "outcome", "status", "verdict", "state"), "result"),
    **dict.fromkeys(("readiness", "production readiness"), "readiness"),
    **dict.fromkeys(("summary", "tl dr", "tldr"), "summary"),
}


@dataclass
class Parsed:
    """Everything a report says, as drafts, in report order; `notes` holds what has no field."""

    title: str
    title_line: int = 1
    header: dict[str, tuple[int, str]] = field(default_factory=dict)
    findings: list[Draft] = field(default_factory=list)
    lessons: list[Draft] = field(default_factory=list)
    remaining: list[Draft] = field(default_factory=list)
    pickup: list[Draft] = field(default_factory=list)
    commits: list[Draft] = field(default_factory=list)
    cleanup: list[dict[str, Any]] = field(default_factory=list)
    documentation: list[dict[str, Any]] = field(default_factory=list)
    snapshot: Draft | None = None
    readiness: int | None = None
    notes: list[Note] = field(default_factory=list)

    def snap(self, line: int) -> dict[str, Any]:
        if self.snapshot is None:
            self.snapshot = Draft(line)
        return self.snapshot.data


def section_kind(heading: str) -> str | None:
    text = words(heading)
    for kind, names in SECTION_WORDS:
        if any(re.search(rf"\b{re.escape(name)}", text) for name in names):
            return kind
    return None


def _source(block: Block, lines: list[str]) -> str:
    if isinstance(block, Table):
        return block.source()
    if isinstance(block, Code):
        return "\n".join(text for _, text in block.lines)
    return lines[block.line - 1].strip()


class _Reader:
    """One pass over one report; each section kind has a method that consumes its blocks."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        title, preamble, found = sections(blocks(text))
        self.parsed = Parsed(unbold(title.text).strip() if title else "")
        self.parsed.title_line = title.line if title else 1
        self.section_line = self.parsed.title_line
        self.parsed.readiness = values.readiness(text)
        self._header(preamble)
        for section in found:
            self._section(section)

    def note(self, section: str, block: Block) -> None:
        self.parsed.notes.append(Note(block.line, f"{section}: {_source(block, self.lines)}"))

    def _header(self, preamble: list[Block]) -> None:
        for block in preamble:
            key, rest = lead(block.text) if isinstance(block, (Text, Item)) else (None, "")
            name = HEADER_KEYS.get(words(key)) if key else None
            if name and name not in self.parsed.header and rest:
                self.parsed.header[name] = (block.line, rest)
            elif isinstance(block, Text) and words(block.text) == "" and not block.text.strip("-*_ "):
                continue
            else:
                self.note("Header", block)

    def _section(self, section: Section) -> None:
        kind = section_kind(section.heading.text)
        self.section_line = section.heading.line
        handler = getattr(self, f"_{kind}", None) if kind else None
        name = unbold(section.heading.text).strip()
        if handler is None:
            end = section.blocks[-1].line if section.blocks else section.heading.line
            body = [ln for ln in self.lines[section.heading.line - 1 : end] if ln.strip() and ln.strip() != "---"]
            self.parsed.notes.append(Note(section.heading.line, "\n".join(body)))
            return
        handler(section, name)

    # --- tables, wherever they appear ------------------------------------------------

    def _table(self, table: Table, name: str, hint: str) -> None:
        kind = classify(table.header, hint)
        if kind is None:
            self.note(name, table)
            return
        mapped, extras = rows(table, kind)
        for line, text in extras:
            self.parsed.notes.append(Note(line, f"{name}: {text}"))
        if kind is TableKind.remaining:
            self.parsed.remaining += [Draft(line, data) for line, data in mapped]
        elif kind is TableKind.documentation:
            self.parsed.documentation += [data for _, data in mapped]
        elif kind is TableKind.commits:
            self.parsed.commits += [Draft(line, data) for line, data in mapped]
        elif kind is TableKind.domains:
            self._domain_rows(mapped)
        else:
            self.parsed.snap(self.section_line).setdefault(kind.value, []).extend(data for _, data in mapped)

    def _domain_rows(self, mapped: list[tuple[int, dict[str, Any]]]) -> None:
        """A table of single domains becomes groups by status, naming the hosts in each."""
        domains = self.parsed.snap(self.section_line).setdefault("domains", {"total": 0, "groups": []})
        for _, data in mapped:
            status = data.get("status") or "unknown"
            group = next((g for g in domains["groups"] if g["status"] == status), None)
            if group is None:
                group = {"count": 0, "status": status, "hosts": []}
                domains["groups"].append(group)
            group["count"] += 1
            group.setdefault("hosts", []).append(
                f"{data['host']} ({data['note']})" if data.get("note") else data["host"]
            )
            domains["total"] += 1
        for group in domains["groups"]:
            hosts = group.pop("hosts", None)
            if hosts:
                group["note"] = ", ".join(hosts)

    def _generic(self, section: Section, name: str, hint: str) -> list[Block]:
        """Handle tables and the pods line; return the other blocks for the section's own reader."""
        left: list[Block] = []
        for block in section.blocks:
            if isinstance(block, Table):
                self._table(block, name, hint)
            elif isinstance(block, (Text, Item)) and self._pods(block):
                continue
            else:
                left.append(block)
        return left

    def _pods(self, block: Text | Item) -> bool:
        key, rest = lead(block.text)
        if key is None or words(key) not in ("pods", "pod", "pod status", "workloads"):
            return False
        found = values.counts(rest)
        if not found:
            return False
        self.parsed.snap(self.section_line)["pods"] = found
        return True

    def _tables_only(self, section: Section, name: str, hint: str) -> None:
        for block in self._generic(section, name, hint):
            self.note(name, block)

    def _nodes(self, section: Section, name: str) -> None:
        self._tables_only(section, name, "nodes")

    def _applications(self, section: Section, name: str) -> None:
        self._tables_only(section, name, "applications")

    def _images(self, section: Section, name: str) -> None:
        self._tables_only(section, name, "images")

    def _volumes(self, section: Section, name: str) -> None:
        self._tables_only(section, name, "volumes")

    def _documentation(self, section: Section, name: str) -> None:
        for block in self._generic(section, name, "documentation"):
            path, changes = lead(block.text.replace("`", "")) if isinstance(block, Item) else (None, "")
            if path and changes:
                self.parsed.documentation.append({"path": path, "changes": changes})
            else:
                self.note(name, block)

    def _domains(self, section: Section, name: str) -> None:
        left = self._generic(section, name, "domains")
        total = re.search(r"(\d+)\s+(?:routes?|domains?|hosts?)", section.heading.text, re.I)
        groups: list[dict[str, Any]] = []
        summary = None
        for block in left:
            match = re.match(r"^(\d+)\s*[x\u00d7]\s+(.+)$", block.text) if isinstance(block, Item) else None
            if match:
                status, note = values.bracketed(match.group(2))
                groups.append({"count": int(match.group(1)), "status": status, "note": note})
            elif isinstance(block, Text) and summary is None:
                summary = block.text.rstrip(":").strip()
            else:
                self.note(name, block)
        if groups or summary or total:
            count = int(total.group(1)) if total else sum(g["count"] for g in groups)
            domains = {"total": count, "summary": summary, "groups": groups}
            self.parsed.snap(self.section_line).setdefault("domains", {}).update(domains)

    # --- lists ------------------------------------------------------------------------

    def _cleanup(self, section: Section, name: str) -> None:
        for block in self._generic(section, name, "cleanup"):
            if isinstance(block, Item) and self.parsed.cleanup and block.indent > 0:
                self.parsed.cleanup[-1]["targets"].append(block.text.replace("`", ""))
            elif isinstance(block, Item):
                action, _, rest = block.text.partition(": ")
                if rest and "`" in rest:
                    targets = [t.replace("`", "").strip() for t in rest.split(",")]
                    self.parsed.cleanup.append({"action": action.strip(), "targets": targets})
                else:
                    self.parsed.cleanup.append({"action": block.text, "targets": []})
            else:
                self.note(name, block)

    def _commits(self, section: Section, name: str) -> None:
        for block in self._generic(section, name, "commits"):
            lines = block.lines if isinstance(block, Code) else [(block.line, getattr(block, "text", ""))]
            for line, text in lines:
                match = re.match(r"^\s*`?([0-9a-f]{7,40})`?\s*(?:[-\u2013\u2014:]\s+)?(.*)$", text)
                if match:
                    self.parsed.commits.append(Draft(line, {"hash": match.group(1), "subject": match.group(2)}))
                elif text.strip():
                    self.parsed.notes.append(Note(line, f"{name}: {text.strip()}"))

    def _titled_items(self, section: Section, name: str, hint: str) -> list[tuple[Item, str, str]]:
        """(item, title, text) for each top-level item; nested items add to their parent's text."""
        found: list[tuple[Item, str, str]] = []
        for block in self._generic(section, name, hint):
            if isinstance(block, Item) and found and block.indent > found[0][0].indent:
                item, title, rest = found[-1]
                found[-1] = (item, title, f"{rest}; {block.text}" if rest else block.text)
            elif isinstance(block, Item) and block.text:
                heading, text = lead(block.text)
                found.append((block, heading or "", text))
            else:
                self.note(name, block)
        return found

    def _lessons(self, section: Section, name: str) -> None:
        for item, title, rest in self._titled_items(section, name, "lessons"):
            text = rest or title
            if not title:
                title = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".")
            rule, detail = _rule_and_evidence(text)
            self.parsed.lessons.append(Draft(item.line, {"title": title, "rule": rule, "detail": detail}))

    def _pickup(self, section: Section, name: str) -> None:
        for item, title, rest in self._titled_items(section, name, "pickup"):
            self.parsed.pickup.append(Draft(item.line, {"title": title or rest, "todo": rest or title}))

    def _remaining(self, section: Section, name: str) -> None:
        for item, title, rest in self._titled_items(section, name, "remaining"):
            data: dict[str, Any] = {"title": title or rest, "todo": rest or title}
            head, note = values.bracketed(data["title"])
            lead_note = re.match(r"^\(([^()]+)\)\s*:?\s*(.+)$", rest)
            if note and values.impact(note):
                data["title"], data["impact"] = head, values.impact(note)
            elif title and lead_note and values.impact(lead_note.group(1)):
                data["todo"], data["impact"] = lead_note.group(2), values.impact(lead_note.group(1))
            self.parsed.remaining.append(Draft(item.line, data))

    def _findings(self, section: Section, name: str) -> None:
        blocks = self._generic(section, name, "findings")
        self.parsed.findings += read_findings(blocks, section.heading.text, name, self.note)


def _rule_and_evidence(text: str) -> tuple[str, str | None]:
    """Split trailing sentences citing versions ("v1.34.3 agent on v1.33.6 ...") off as evidence."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Za-z`])", text.strip())
    cut = len(sentences)
    while cut > 1 and re.search(r"\bv?\d+\.\d+(?:\.\d+)?\b", sentences[cut - 1]):
        cut -= 1
    return " ".join(sentences[:cut]), " ".join(sentences[cut:]) or None


def parse(text: str) -> Parsed:
    """Read a whole report; never fails, but what it cannot map ends up in `notes`."""
    return _Reader(text).parsed
