"""Findings in the shapes reports write them, and the labelled lines that fill their fields.

A finding is a numbered list item with indented `- Root cause:` lines (the seed), or a heading
("#### Issue 1.1.2 - Title", "### GW-01: Title", ...) followed by `**Label:** value` lines in
any order. What follows a label (more lines, a bullet list, fenced code) is kept verbatim in
that label's field. Group headings above ("### Critical (4)", "Discovered During Audit") give
severity, discovery and status; a line no field takes goes to the audit's notes.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

from kb.importer import values
from kb.importer.labels import Head, Label, finding_label
from kb.importer.mdblocks import Block, Code, Draft, Item, Table, Text, lead, unbold, words
from kb.importer.parsed import Parsed

GROUPED = ("severity", "severity_word", "discovery", "status", "found")
"""The finding fields a group heading can give."""


@dataclass
class Group:
    """What the headings above a finding say about it, and which heading said each thing."""

    data: dict[str, Any] = field(default_factory=dict)
    """severity, severity_word, discovery, status, found and tags, where a heading named them."""
    marks: list[tuple[int, str]] = field(default_factory=list)
    """(heading line, field) for each field a heading gave, so --explain can say so."""

    def with_(self, line: int, **given: Any) -> Group:
        """A copy with the fields a heading at `line` gives (None values ignored, tags added)."""
        data, marks = dict(self.data), list(self.marks)
        for name, value in given.items():
            if value is None or value == []:
                continue
            data[name] = [*data.get("tags", []), *value] if name == "tags" else value
            if name != "severity_word":
                marks.append((line, name))
        return Group(data, marks)


def new_finding(parsed: Parsed, line: int, last: int, group: Group, title: str, head: Head | None = None) -> Draft:
    """A finding draft titled from a heading (`head`) or a list item's text, under `group`."""
    data: dict[str, Any] = {"title": title, "commits": [], "components": [], "paths": [], "tags": []}
    data.update({k: v for k, v in group.data.items() if v is not None and k in GROUPED})
    data["tags"] = list(group.data.get("tags", []))
    draft = Draft(line, data, ref=head.ref if head else None)
    fed = ["title"]
    if head is not None:
        data["title"] = head.title
        for name, value in (("severity", head.severity), ("status", head.status)):
            if value:
                data[name] = value
                fed.append(name)
        if head.severity_word:
            data["severity_word"] = head.severity_word
    fed += _title_fields(data)
    parsed.map(line, last, draft, ", ".join(dict.fromkeys(fed)))
    for heading_line, name in group.marks:
        parsed.map(heading_line, heading_line, draft, name)
    parsed.findings.append(draft)
    return draft


def _title_fields(data: dict[str, Any]) -> list[str]:
    """Read what a title carries besides the name: '**Name** (2+ days)', '[P3] Name', '— symptom'."""
    title, rest = lead(data["title"])
    if title is None:
        title, rest = data["title"], ""
        head, bracket = values.bracketed(title)
        if bracket is not None:
            title, rest = head, f"({bracket})"
    fed = []
    prefix = re.match(r"^\[([^\]]+)\]\s*(.*)$", title)
    data["title"] = title
    if prefix and values.severity(prefix.group(1)):
        word, data["title"] = prefix.group(1), prefix.group(2)
        data["severity"], data["severity_word"] = values.severity(word), word
        fed.append("severity")
    for bracket in re.findall(r"\(([^()]*)\)", rest):
        if values.is_duration(bracket):
            data["duration"] = bracket
            fed.append("duration")
        elif values.severity(bracket) and len(bracket.split()) == 1:
            data["severity"], data["severity_word"] = values.severity(bracket), bracket
            fed.append("severity")
        else:
            data["context"] = bracket
            fed.append("context")
    outside = re.sub(r"\([^()]*\)", "", rest).strip(" -\u2013\u2014:")
    if outside:
        data["symptom"] = outside
        fed.append("symptom")
    return fed


@dataclass
class _Open:
    """A label being read: its line (`head`, None for text before any label), its own value, and
    the blocks that continue it."""

    label: Label | None
    name: str
    head: Block | None
    line: int
    last: int
    value: str = ""
    indent: int = 0
    more: list[Block] = field(default_factory=list)


class Fields:
    """Reads one finding's labelled lines into its draft.

    With `items`, the finding is a list item: only nested items and code continue a label, and a
    sibling item without a label is a note. Otherwise (a heading) every line up to the next label
    belongs to the label before it, and lines before any label describe the symptom.
    """

    def __init__(self, parsed: Parsed, draft: Draft, items: bool = False, where: str = ""):
        self.parsed = parsed
        self.draft = draft
        self.items = items
        self.section = where
        self.open: _Open | None = None

    @property
    def where(self) -> str:
        """What a note of this finding is kept under: its section and its title."""
        title = str(self.draft.data["title"])
        return f"{self.section}: {title}" if self.section else title

    def feed(self, block: Block) -> None:
        label = self._label(block)
        if label is not None:
            self.close()
            self.open = label
        elif self.open is not None and self._continues(block):
            self.open.more.append(block)
            self.open.last = block.end
        elif not self.items and not isinstance(block, Table):
            self.close()
            self.open = _Open(Label("symptom"), "", None, block.line, block.end, more=[block])
        else:
            self.close()
            self.parsed.note(self.where, block)

    def label_heading(self, text: str, line: int) -> bool:
        """A sub-heading that is a label ('##### Root Cause'): what follows it fills that field."""
        label = finding_label(unbold(text).strip().rstrip(":"))
        if label is None:
            return False
        self.close()
        self.open = _Open(label, unbold(text).strip().rstrip(":"), None, line, line, indent=-1)
        return True

    def _label(self, block: Block) -> _Open | None:
        if not isinstance(block, (Text, Item)):
            return None
        first = block.first if isinstance(block, Item) else block.text
        key, value = lead(first)
        if key is None:
            return None
        label = finding_label(key)
        bold = first.lstrip().startswith(("**", "__"))
        if label is None and not (bold or self.items):
            return None  # a sentence with a colon in it, not a label
        indent = block.indent if isinstance(block, Item) else 0
        return _Open(label, key, block, block.line, block.end, value, indent)

    def _continues(self, block: Block) -> bool:
        assert self.open is not None
        if not self.items or isinstance(block, Code):
            return True
        return isinstance(block, Item) and block.indent > self.open.indent

    def close(self) -> None:
        """Store the label being read (if any) in its field, or keep it as a note."""
        current, self.open = self.open, None
        if current is None:
            return
        text = self._value(current)
        name = (f"{current.name}:" + ("\n" if not current.value else " ")) if current.name else ""
        if current.label is None or not text or not self._store(current.label, name, text, current.line):
            for block in self._blocks(current):
                self.parsed.note(self.where, block)
            return
        if current.label.field == "recommendation":
            self.parsed.map(current.line, current.last, self.parsed.recommended[-1], "todo")
        else:
            self.parsed.map(current.line, current.last, self.draft, current.label.field)

    def _blocks(self, current: _Open) -> list[Block]:
        """The blocks of a label that could not be stored, for its notes (the label line first)."""
        if current.head is None and current.indent == -1:  # a label heading
            return [Text(current.line, self.parsed.lines[current.line - 1].strip()), *current.more]
        return [current.head, *current.more] if current.head else current.more

    def _value(self, current: _Open) -> str:
        """The label's own text, then every line that continues it, as written (dedented)."""
        pieces: list[str] = [current.value] if current.value else []
        if current.head is not None and current.head.end > current.head.line:  # the rest of a multi-line item
            pieces.append(textwrap.dedent("\n".join(self.parsed.lines[current.head.line : current.head.end])))
        end = current.head.end if current.head else current.line
        for block in current.more:
            if block.line > end + 1 and pieces:
                pieces.append("")
            pieces.append(textwrap.dedent(self.parsed.verbatim(block)).strip("\n"))
            end = block.end
        return "\n".join(pieces).strip()

    def _store(self, label: Label, name: str, text: str, line: int) -> bool:
        """Put a label's text into its field; `name` is the label as the text keeps it ('Impact: ')."""
        data = self.draft.data
        kind = label.field
        if kind == "commits":
            found = values.hashes(text)
            data["commits"] += [h for h in found if h not in data["commits"]]
            return bool(found)
        if kind in ("components", "tags"):
            parts = [p.strip(" -*`") for p in re.split(r"[,\n]", text) if p.strip(" -*`")]
            data[kind] += [values.slug(p) if kind == "tags" else p for p in parts]
            return bool(parts)
        if kind == "paths":
            found = values.paths(text)
            data["paths"] += [p for p in found if p not in data["paths"]]
            return bool(found)
        if kind == "lines":
            return self._lines(text)
        if kind == "recommendation":
            self.parsed.recommended.append(Draft(line, {"todo": text}, link=self.draft))
            return True
        if kind in ("severity", "status", "discovery"):
            return self._word(kind, text)
        prefix = unbold(name) if label.named or data.get(kind) else ""
        data[kind] = f"{data[kind]}\n\n{prefix}{text}" if data.get(kind) else prefix + text
        return True

    def _word(self, kind: str, text: str) -> bool:
        """Severity, status or discovery from a word; the word as written is kept if it differs."""
        found = {
            "severity": values.severity(text) or values.severity_mark(text),
            "status": values.status(text),
            "discovery": values.discovery(text),
        }[kind]
        if found is None:
            return False
        self.draft.data[kind] = found
        said_more = _leftover(text, found)
        if kind == "severity" and not said_more:
            self.draft.data["severity_word"] = text  # kept as a tag unless it is kb's own word
        return not said_more  # a value that says more is kept as a note as well

    def _lines(self, text: str) -> bool:
        span = values.lines(text)
        paths = self.draft.data["paths"]
        bare = [i for i, p in enumerate(paths) if ":" not in p]
        if span is None or len(bare) != 1:
            return False
        paths[bare[0]] = f"{paths[bare[0]]}:{span}"
        return True


def _leftover(text: str, found: str) -> bool:
    """True when a value says more than the word read from it ('wontfix (build-time only)')."""
    said = re.findall(r"[a-z0-9']+", unbold(text).lower())
    known = {found, *found.split("-")} | {w for w in values.STATUS_WORDS if " " not in w}
    known |= set(values.SEVERITY_WORDS) | {"fixed", "won't", "fix", "sev", "severity"}
    return any(w not in known and not w.isdigit() for w in said)


def read_item_findings(parsed: Parsed, blocks: list[Block], group: Group, where: str) -> None:
    """The findings of a list: each top-level item one finding, its nested `Key: value` items its fields.

    A paragraph that is only bold text ('**Critical**') starts a group, as a heading would.
    """
    current: Fields | None = None
    indent = 0
    base = group
    for block in blocks:
        if isinstance(block, Text) and _is_label(block.text):
            if current:
                current.close()
            current, group = None, _group_label(parsed, block, base, where)
        elif isinstance(block, Item) and _starts_finding(block, current, indent):
            if current:
                current.close()
            draft = new_finding(parsed, block.line, block.end, group, block.text)
            draft.ref = None if block.number is None else str(block.number)
            current, indent = Fields(parsed, draft, items=True, where=where), block.indent
        elif current is not None:
            current.feed(block)
        else:
            parsed.note(where, block)
    if current:
        current.close()


def _group_label(parsed: Parsed, block: Text, base: Group, where: str) -> Group:
    label = unbold(block.text)
    given = {"severity": values.severity(label), "discovery": values.discovery(label), "status": values.status(label)}
    if not any(given.values()):
        parsed.note(where, block)
        return base
    return base.with_(block.line, **given)


def _is_label(text: str) -> bool:
    """A paragraph that is only bold text, used as a group label ('**Critical**')."""
    return bool(re.fullmatch(r"(\*\*|__)[^*_]+\1:?", text.strip()))


def _starts_finding(item: Item, current: Fields | None, indent: int) -> bool:
    """A list item opens a new finding unless it is nested in, or a `Key: value` line of, the current one."""
    if current is None:
        return True
    if item.indent > indent:
        return False
    key, _ = lead(item.text)
    return item.number is not None or not (key and finding_label(key))


def has_labels(blocks: list[Block]) -> int:
    """How many different finding fields the top-level lines of `blocks` label."""
    found = set()
    for block in blocks:
        if isinstance(block, (Text, Item)) and (not isinstance(block, Item) or block.indent == 0):
            label = finding_label(lead(block.text)[0])
            if label:
                found.add(label.field)
    return len(found)


def lists_findings(blocks: list[Block]) -> bool:
    """True when the first line of `blocks` is a list item that names a finding, not a label."""
    first = next((b for b in blocks if isinstance(b, (Text, Item))), None)
    return isinstance(first, Item) and not finding_label(lead(first.text)[0]) and bool(words(first.text))
