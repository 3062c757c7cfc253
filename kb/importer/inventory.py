"""The sections that list what a session saw and did, in the seed's shape.

Cluster topology, applications, domains, images and storage (the snapshot), the commit list,
documentation updated, cleanup done and lessons learned. Tables are read by their columns
(`kb.importer.tables`); every line no field takes is kept as a note.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kb.importer import values
from kb.importer.actions import titled_items
from kb.importer.mdblocks import Block, Code, Draft, Item, Section, Table, Text, lead, words
from kb.importer.parsed import Parsed
from kb.importer.tables import TableKind, rows

SNAPSHOT_KINDS = ("nodes", "applications", "images", "volumes", "domains")
KINDS = (*SNAPSHOT_KINDS, "documentation", "cleanup", "commits", "lessons")
TableReader = Callable[[Table, str, str, int], bool]
"""Reads one table (table, section name, section kind, section line); False if it is of no kind."""


def read(parsed: Parsed, section: Section, kind: str, table: TableReader) -> None:
    """Read a whole section of one of `KINDS` (sub-sections included); `table` reads its tables."""
    name = section.heading.text
    left: list[Block] = []
    for block in section.flat():
        if isinstance(block, Table) and table(block, name, kind, section.heading.line):
            continue
        if isinstance(block, (Text, Item)) and pods(parsed, block, section.heading.line):
            continue
        else:
            left.append(block)
    owner = parsed.snapshot_draft(section.heading.line) if kind in SNAPSHOT_KINDS else parsed.audit
    parsed.map(section.heading.line, section.heading.line, owner, kind)
    READERS.get(kind, _notes)(parsed, left, name, section)


def snapshot_rows(parsed: Parsed, table: Table, kind: TableKind, line: int) -> None:
    """Rows of a snapshot table (nodes, applications, images, volumes, domains) into the snapshot."""
    mapped, extras = rows(table, kind)
    for row, text in extras:
        parsed.keep(row, row, f"{table_name(parsed, table)}: {text}")
    snapshot = parsed.snapshot_draft(line)
    snap = snapshot.data
    for row, _ in mapped:
        parsed.map(row, row, snapshot, kind.value)
    if kind is TableKind.domains:
        _domain_rows(snap, mapped)
    else:
        snap.setdefault(kind.value, []).extend(data for _, data in mapped)


def table_name(parsed: Parsed, table: Table) -> str:
    """The heading a table's notes are kept under: the nearest heading above it."""
    for line in range(table.line - 1, 0, -1):
        text = parsed.lines[line - 1]
        if text.startswith("#"):
            return text.lstrip("#").strip()
    return "Header"


def _domain_rows(snap: dict[str, Any], mapped: list[tuple[int, dict[str, Any]]]) -> None:
    """A table of single domains becomes groups by status, naming the hosts in each."""
    domains = snap.setdefault("domains", {"total": 0, "groups": []})
    for _, data in mapped:
        status = data.get("status") or "unknown"
        group = next((g for g in domains["groups"] if g["status"] == status), None)
        if group is None:
            group = {"count": 0, "status": status, "hosts": []}
            domains["groups"].append(group)
        group["count"] += 1
        group.setdefault("hosts", []).append(f"{data['host']} ({data['note']})" if data.get("note") else data["host"])
        domains["total"] += 1
    for group in domains["groups"]:
        hosts = group.pop("hosts", None)
        if hosts:
            group["note"] = ", ".join(hosts)


def pods(parsed: Parsed, block: Text | Item, line: int) -> bool:
    """'**Pods:** 79 Running, 12 Completed' as the snapshot's pod counts."""
    key, rest = lead(block.text)
    if key is None or words(key) not in ("pods", "pod", "pod status", "workloads"):
        return False
    found = values.counts(rest)
    if not found:
        return False
    snapshot = parsed.snapshot_draft(line)
    snapshot.data["pods"] = found
    parsed.map(block.line, block.end, snapshot, "pods")
    return True


def _notes(parsed: Parsed, blocks: list[Block], name: str, section: Section) -> None:
    for block in blocks:
        parsed.note(name, block)


def _documentation(parsed: Parsed, blocks: list[Block], name: str, section: Section) -> None:
    for block in blocks:
        path, changes = lead(block.text.replace("`", "")) if isinstance(block, Item) else (None, "")
        if path and changes:
            parsed.documentation.append({"path": path, "changes": changes})
            parsed.map(block.line, block.end, parsed.audit, "documentation")
        else:
            parsed.note(name, block)


def _domains(parsed: Parsed, blocks: list[Block], name: str, section: Section) -> None:
    total = re.search(r"(\d+)\s+(?:routes?|domains?|hosts?)", section.heading.text, re.I)
    groups: list[dict[str, Any]] = []
    summary = None
    snapshot = parsed.snapshot_draft(section.heading.line)
    for block in blocks:
        found = re.match(r"^(\d+)\s*[x\u00d7]\s+(.+)$", block.text) if isinstance(block, Item) else None
        if found:
            status, note = values.bracketed(found.group(2))
            groups.append({"count": int(found.group(1)), "status": status, "note": note})
            parsed.map(block.line, block.end, snapshot, "domains")
        elif isinstance(block, Text) and summary is None:
            summary = block.text.rstrip(":").strip()
            parsed.map(block.line, block.end, snapshot, "domains")
        else:
            parsed.note(name, block)
    if groups or summary or total:
        count = int(total.group(1)) if total else sum(g["count"] for g in groups)
        snapshot.data.setdefault("domains", {}).update({"total": count, "summary": summary, "groups": groups})


def _cleanup(parsed: Parsed, blocks: list[Block], name: str, section: Section) -> None:
    for block in blocks:
        if isinstance(block, Item) and parsed.cleanup and block.indent > 0:
            parsed.cleanup[-1]["targets"].append(block.text.replace("`", ""))
        elif isinstance(block, Item):
            action, _, rest = block.text.partition(": ")
            if rest and "`" in rest:
                targets = [t.replace("`", "").strip() for t in rest.split(",")]
                parsed.cleanup.append({"action": action.strip(), "targets": targets})
            else:
                parsed.cleanup.append({"action": block.text, "targets": []})
        else:
            parsed.note(name, block)
            continue
        parsed.map(block.line, block.end, parsed.audit, "cleanup")


def _commits(parsed: Parsed, blocks: list[Block], name: str, section: Section) -> None:
    for block in blocks:
        lines = block.lines if isinstance(block, Code) else [(block.line, getattr(block, "text", ""))]
        for line, text in lines:
            found = re.match(r"^\s*`?([0-9a-f]{7,40})`?\s*(?:[-\u2013\u2014:]\s+)?(.*)$", text)
            if found:
                draft = Draft(line, {"hash": found.group(1), "subject": found.group(2)})
                parsed.commits.append(draft)
                parsed.map(line, line, draft, "hash, subject")
            elif text.strip():
                parsed.keep(line, line, f"{name}: {text.strip()}")


def _lessons(parsed: Parsed, blocks: list[Block], name: str, section: Section) -> None:
    for item, title, rest in titled_items(parsed, blocks, name):
        text = rest or title
        if not title:
            title = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".")
        rule, detail = _rule_and_evidence(text)
        draft = Draft(item.line, {"title": title, "rule": rule, "detail": detail})
        parsed.lessons.append(draft)
        parsed.map(item.line, item.end, draft, "title, rule, detail" if detail else "title, rule")


def _rule_and_evidence(text: str) -> tuple[str, str | None]:
    """Split trailing sentences citing versions ("v1.34.3 agent on v1.33.6 ...") off as evidence."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Za-z`])", text.strip())
    cut = len(sentences)
    while cut > 1 and re.search(r"\bv?\d+\.\d+(?:\.\d+)?\b", sentences[cut - 1]):
        cut -= 1
    return " ".join(sentences[:cut]), " ".join(sentences[cut:]) or None


READERS = {"documentation": _documentation, "domains": _domains, "cleanup": _cleanup, "commits": _commits}
READERS["lessons"] = _lessons
