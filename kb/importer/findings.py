"""Findings sections: numbered list items or numbered sub-headings, grouped by severity labels.

Group labels ("### Critical (4)", "#### P1", "**Discovered During Audit**") set severity,
discovery and status for the findings under them; each finding's `Key: value` lines (bold or
not) fill its fields, and lines with no field go to the caller's notes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kb.importer import values
from kb.importer.mdblocks import Block, Draft, Heading, Item, Text, lead, unbold, words

Noter = Callable[[str, Block], None]
"""Keeps a block no field takes as a note, under a heading name."""

FINDING_KEYS = {
    **dict.fromkeys(("root cause", "cause", "root causes", "why"), "root_cause"),
    **dict.fromkeys(("fix", "fixes", "resolution", "remediation", "solution", "fixed"), "fix"),
    **dict.fromkeys(("investigation", "investigated", "analysis", "diagnosis"), "investigation"),
    **dict.fromkeys(("verification", "verified", "validation", "verify"), "verification"),
    **dict.fromkeys(("lesson", "takeaway", "lesson learned", "advice"), "takeaway"),
    **dict.fromkeys(("symptom", "symptoms", "observed", "impact"), "symptom"),
    **dict.fromkeys(("commit", "commits", "fix commit", "fix commits"), "commits"),
    **dict.fromkeys(("severity", "sev", "priority"), "severity"),
    **dict.fromkeys(("status", "state"), "status"),
    **dict.fromkeys(("discovery", "found"), "discovery"),
    **dict.fromkeys(("duration", "lasted", "since"), "duration"),
    **dict.fromkeys(("component", "components", "affected", "service", "services"), "components"),
    **dict.fromkeys(("file", "files", "path", "paths"), "paths"),
}
_STATUS_WORDS = {"resolved": "resolved", "fixed": "resolved", "closed": "resolved", "done": "resolved"}
_STATUS_WORDS |= {"open": "open", "unresolved": "open", "mitigated": "mitigated", "wontfix": "wontfix"}


def read_findings(blocks: list[Block], heading: str, name: str, note: Noter) -> list[Draft]:
    """The findings of a findings section: numbered items or numbered sub-headings, with their
    `Key: value` lines, taking severity, discovery and status from the group labels above them.
    """
    found: list[Draft] = []
    base: dict[str, Any] = {"status": _status(heading), "severity": None, "discovery": None}
    group = dict(base)
    current: Draft | None = None
    from_heading = False
    item_indent = 0
    for block in blocks:
        if isinstance(block, Heading) or (isinstance(block, Text) and _is_label(block.text)):
            text = block.text
            number = re.match(r"^(?:\*\*)?(\d+)[.)]\s+(.*)$", text)
            if number and isinstance(block, Heading):
                current = _finding(block.line, number.group(2), group)
                found.append(current)
                from_heading = True
                continue
            label = unbold(text)
            group = dict(base)
            group["severity"] = values.severity(label)
            group["discovery"] = values.discovery(label)
            group["status"] = _status(label) or base["status"]
            current = None
            if not (group["severity"] or group["discovery"] or _status(label)):
                note(name, block)
        elif isinstance(block, Item) and _starts_finding(block, current, from_heading, item_indent):
            current = _finding(block.line, block.text, group)
            found.append(current)
            from_heading, item_indent = False, block.indent
        elif isinstance(block, (Item, Text)) and current is not None:
            if not _finding_field(current, block.text):
                note(f"{name}: {current.data['title']}", block)
        else:
            note(name, block)
    return found


def _finding(line: int, text: str, group: dict[str, Any]) -> Draft:
    title, rest = lead(text)
    if title is None:
        title, rest = text, ""
        head, bracket = values.bracketed(text)
        if bracket is not None:
            title, rest = head, f"({bracket})"
    prefix = re.match(r"^\[([^\]]+)\]\s*(.*)$", title)
    data: dict[str, Any] = {"title": title, "commits": [], "components": [], "paths": []}
    data.update({k: v for k, v in group.items() if v})
    if prefix and values.severity(prefix.group(1)):
        data["severity"], data["title"] = values.severity(prefix.group(1)), prefix.group(2)
    for bracket in re.findall(r"\(([^()]*)\)", rest):
        if values.is_duration(bracket):
            data["duration"] = bracket
        elif values.severity(bracket) and len(bracket.split()) == 1:
            data["severity"] = values.severity(bracket)
        else:
            data["context"] = bracket
    outside = re.sub(r"\([^()]*\)", "", rest).strip(" -\u2013\u2014:")
    if outside:
        data["symptom"] = outside
    return Draft(line, data)


def _status(text: str) -> str | None:
    for word in words(text).split():
        if word in _STATUS_WORDS:
            return _STATUS_WORDS[word]
    return None


def _is_label(text: str) -> bool:
    """A paragraph that is only bold text, used as a group label ('**Critical**')."""
    return bool(re.fullmatch(r"(\*\*|__)[^*_]+\1:?", text.strip()))


def _starts_finding(item: Item, current: Draft | None, from_heading: bool, indent: int) -> bool:
    """A list item opens a new finding unless it is nested in, or a `Key: value` line of, the current one."""
    if current is None:
        return True
    if from_heading or item.indent > indent:
        return False
    key, _ = lead(item.text)
    return item.number is not None or not (key and words(key) in FINDING_KEYS)


def _finding_field(draft: Draft, text: str) -> bool:
    key, value = lead(text)
    name = FINDING_KEYS.get(words(key)) if key else None
    if name is None or not value:
        return False
    data = draft.data
    if name == "commits":
        found = values.hashes(value)
        data["commits"] += [h for h in found if h not in data["commits"]]
        return bool(found)
    if name in ("components", "paths"):
        data[name] += [v.strip().replace("`", "") for v in value.split(",") if v.strip()]
        return True
    if name == "severity":
        data["severity"] = values.severity(value)
        return data["severity"] is not None
    if name == "status":
        data["status"] = _status(value)
        return data["status"] is not None
    if name == "discovery":
        data["discovery"] = values.discovery(value)
        return data["discovery"] is not None
    data[name] = f"{data[name]} {value}" if data.get(name) else value
    return True
