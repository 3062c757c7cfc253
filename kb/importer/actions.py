"""Follow-ups: remaining items, recommendations, next steps and checklists, as action drafts.

Each top-level item of a list (numbered, bulleted, or a `- [ ]` / `- [x]` checkbox with its
done state) is one action; a priority heading above it ("### Immediate", "### P1 (this
sprint)") sets its priority, and a reference at its end ("(Issue 1.1.1)", "(CRITICAL-1)",
"(#5)") names the finding it follows from. Once the whole report is read, `link` resolves the
references, turns each finding's own `Recommendation:` into an action (into its fix, if the
finding is fixed), and folds a listed item into the recommendation it repeats.
"""

from __future__ import annotations

import re
from typing import Any

from kb.importer import values
from kb.importer.findings import Group
from kb.importer.labels import ref_key
from kb.importer.mdblocks import Block, Draft, Item, lead
from kb.importer.parsed import Parsed, Span

_REF = re.compile(r"\s*\((?:see\s+)?(?:issue|finding|bug)?\s*#?\s*([A-Za-z]{0,10}[- ]?\d+(?:\.\d+)*)\)\s*$", re.I)
_TAKEN_FROM_ITEM = ("priority", "status", "owner", "due", "impact")


def titled_items(parsed: Parsed, blocks: list[Block], where: str) -> list[tuple[Item, str, str]]:
    """(item, title, text) for each top-level item; nested items add to their parent's text."""
    found: list[tuple[Item, str, str]] = []
    for block in blocks:
        if isinstance(block, Item) and found and block.indent > found[0][0].indent:
            item, title, rest = found[-1]
            found[-1] = (item, title, f"{rest}; {block.text}" if rest else block.text)
            item.end = block.end
        elif isinstance(block, Item) and block.text:
            heading, text = lead(block.text)
            found.append((block, heading or "", text))
        else:
            parsed.note(where, block)
    return found


def read_items(parsed: Parsed, blocks: list[Block], kind: str, group: Group, where: str) -> None:
    """The actions of a list: `kind` is 'remaining' or 'pickup' (the next session's list)."""
    for item, title, rest in titled_items(parsed, blocks, where):
        data: dict[str, Any] = {"title": title or item.text, "todo": rest or title}  # nested lines: todo only
        if kind == "remaining":
            _impact(data, title, rest)
        if item.checked:
            data["status"] = "done"
        if group.data.get("priority"):
            data["priority"] = group.data["priority"]
        draft = Draft(item.line, data, link=group.data.get("finding"))
        ref = _REF.search(rest if title else item.text)
        if ref:
            draft.names = ref.group(1)
        parsed.map(item.line, item.end, draft, "title, todo")
        for line, name in group.marks:
            parsed.map(line, line, draft, name)
        (parsed.remaining if kind == "remaining" else parsed.pickup).append(draft)


def _impact(data: dict[str, Any], title: str, rest: str) -> None:
    """'Item (Cosmetic): text' or 'Item: (Cosmetic) text' gives the impact."""
    head, note = values.bracketed(data["title"])
    lead_note = re.match(r"^\(([^()]+)\)\s*:?\s*(.+)$", rest)
    if note and values.impact(note):
        data["title"], data["impact"] = head, values.impact(note)
    elif title and lead_note and values.impact(lead_note.group(1)):
        data["todo"], data["impact"] = lead_note.group(2), values.impact(lead_note.group(1))


def table_rows(parsed: Parsed, rows: list[tuple[int, dict[str, Any]]], group: Group) -> None:
    """Rows of an action table (`| Action | Owner | Due | Status |`), each one action."""
    for line, data in rows:
        data = dict(data)
        data.pop("ref", None)
        names = data.pop("finding", None)
        data.setdefault("title", data.get("todo"))
        data.setdefault("todo", data.get("title"))
        if group.data.get("priority"):
            data.setdefault("priority", group.data["priority"])
        draft = Draft(line, data, link=group.data.get("finding"))
        draft.names = names
        parsed.map(line, line, draft, "title, todo")
        parsed.remaining.append(draft)


def link(parsed: Parsed) -> None:
    """Resolve the finding references of actions, and place every finding's recommendation."""
    refs: dict[str, Draft] = {}
    for finding in parsed.findings:
        if finding.ref and finding.merged_into is None:
            refs.setdefault(ref_key(finding.ref), finding)
    for action in parsed.remaining + parsed.pickup:
        target = refs.get(ref_key(action.names)) if action.names else None
        if target is not None:
            action.link = target
            for name in ("title", "todo"):
                action.data[name] = _REF.sub("", action.data[name]).strip() or action.data[name]
    recommended: dict[int, Draft] = {}
    for rec in parsed.recommended:
        if rec.link is None:
            continue
        finding = rec.link.final()
        if finding.data.get("status") == "resolved":
            _fold_into_finding(parsed, rec, finding)
        elif id(finding) not in recommended:
            rec.link = finding
            rec.data["title"] = finding.data["title"]
            recommended[id(finding)] = rec
            parsed.remaining.append(rec)
    for action in list(parsed.remaining) + parsed.pickup:
        found = recommended.get(id(action.link.final())) if action.link else None
        if found is None or found is action:
            continue
        rec = found
        if action in parsed.pickup:
            rec.data["handover"] = {"title": action.data["title"], "text": action.data["todo"]}
        else:
            rec.data["title"] = action.data["title"]
            rec.data.update({k: action.data[k] for k in _TAKEN_FROM_ITEM if k in action.data})
        action.merged_into = rec
    parsed.remaining.sort(key=lambda d: d.line)


def _fold_into_finding(parsed: Parsed, rec: Draft, finding: Draft) -> None:
    """A fixed finding's recommendation is how it was fixed (or, beside a fix, advice)."""
    name = "takeaway" if finding.data.get("fix") else "fix"
    if finding.data.get(name):
        finding.data[name] += "\n\n" + rec.data["todo"]
    else:
        finding.data[name] = rec.data["todo"]
    parsed.spans[:] = [Span(s.first, s.last, finding, name) if s.draft is rec else s for s in parsed.spans]
    rec.merged_into = finding
