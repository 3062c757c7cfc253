"""The one escaping filter: record text placed into Markdown can show, never act.

Code spans (`like this`) pass through as written, since Markdown shows their content
literally, but on one line: a span Markdown would end at a blank line or a block that starts
inside it (a heading, a quote, an HTML block) would leave the rest of it raw. A fenced block
becomes a block of its own, between blank lines and fenced longer than any backtick run in
it, so wherever the value stands the fence opens and closes where the filter says; one that
would run something (mermaid, attribute lists) becomes a plain text block. Elsewhere anything
that could open an HTML tag, a code span (a lone backtick would pair with one beside the value),
a link, an attribute list, an entity, emphasis or a block (heading, list, quote, fence, rule,
admonition) is escaped, so a record cannot inject markup, script or a `javascript:` link, nor
restructure the document around it. Table cells also get their pipes and line breaks made safe.
"""

from __future__ import annotations

import re
from functools import lru_cache

_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_LINK_TARGET = re.compile(r"\]\s*([(\[])")
_UNSAFE_SCHEME = re.compile(r"\b(javascript|vbscript|data)\s*:", re.IGNORECASE)
_EMPHASIS = re.compile(r"[*~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_FENCE_OPENER = re.compile(r"^(`{3,})([^\n`]*)\n")
_PLAIN_INFO = re.compile(r"[A-Za-z0-9_+#-]*")
_CUSTOM_FENCES = {"mermaid"}
"""Fence names mkdocs.yml turns into something other than code."""
_BACKTICKS = re.compile(r"`+")
_BRACKET = re.compile(r"(?<!\\)([\[\]])")
"""A bracket not yet escaped: inside a link's text it would end the link early."""
# a line that starts like a heading, quote, list, fence, rule, table, link definition or admonition
_BLOCK_START = re.compile(r"(?m)^(#|>|\[|\||`{3,}|!{3}|[-=+](?=[\s=+-]|$)|\d+(?=[.)](?:\s|$)))")
_LINE_BREAKS = re.compile(r"\s*\n\s*")
_BLANK_LINES = re.compile(r"\n{3,}")


_PROSE_SPECIAL = {False: re.compile(r"[\\`&<\]{*~_:]"), True: re.compile(r"[\\`|&<\]{*~_:]")}
"""A character some step of `_escape_prose` changes (a colon may end an unsafe scheme); prose or
cell text without one passes through unchanged."""


def _escape_prose(text: str, cell: bool) -> str:
    if not _PROSE_SPECIAL[cell].search(text):
        return text
    text = text.replace("\\", "\\\\")
    text = text.replace("`", "\\`")  # a backtick no span pairs here could pair with one beside the value
    if cell:
        text = text.replace("|", "\\|")
    text = text.replace("&", "&amp;")
    text = _TAG_START.sub("&lt;", text)
    text = _LINK_TARGET.sub(lambda m: "]\\" + m.group(1), text)
    text = _UNSAFE_SCHEME.sub(lambda m: m.group(1) + "&#58;", text)
    text = text.replace("{", "\\{")
    text = _EMPHASIS.sub(lambda m: "\\" + m.group(0), text)
    return text


def _fence(span: str, opener: re.Match[str]) -> str:
    """A fenced block from record text as a block of its own: after a blank line, whatever precedes
    it; fenced longer than any backtick run inside, so no line of it can close it early; with its
    info string only when that names a plain language, never a custom fence (mermaid)."""
    body = span[opener.end() : -len(opener.group(1))].removesuffix("\n")
    info = opener.group(2).strip()
    plain = _PLAIN_INFO.fullmatch(info) and info.lower() not in _CUSTOM_FENCES
    fence = "`" * max([3, *(len(run) + 1 for run in _BACKTICKS.findall(body))])
    return f"\n\n{fence}{info if plain else 'text'}\n{body}\n{fence}\n\n"


def _escape_code(span: str, cell: bool) -> str:
    """A code span kept on one line (Markdown shows a line break in one as a space), or a fence."""
    opener = None if cell else _FENCE_OPENER.match(span)
    if opener:
        return _fence(span, opener)
    span = _LINE_BREAKS.sub(" ", span)
    return span.replace("|", "\\|") if cell else span


def _lines(text: str, cell: bool) -> str:
    """Cells get one line; prose keeps its lines, without indentation that would start a code block."""
    lines = [line.strip() for line in text.splitlines()]
    if cell:
        return " ".join(line for line in lines if line)
    return "\n".join(lines)


_PLAIN_BREAKERS = re.compile(r"[\\`|&<\[\]{}*_~\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_ANY_SCHEME = re.compile(r"(?:javascript|vbscript|data)\s*:", re.IGNORECASE)


def _plain(text: str) -> bool:
    """Nothing escaping may change is in `text` (most record text), so it need only be trimmed.

    A colon is looked for before the (slower, case-blind) scheme pattern runs.
    """
    return not _PLAIN_BREAKERS.search(text) and not (":" in text and _ANY_SCHEME.search(text))


def escape(value: object, cell: bool = False) -> str:
    """Record text made safe for Markdown prose (or, with `cell`, for a table cell)."""
    if value is None:
        return ""
    return _escape_text(str(value), cell)


@lru_cache(maxsize=8192)
def _escape_text(text: str, cell: bool) -> str:
    if _plain(text) and (cell or not _BLOCK_START.match(text.strip())):
        return text.strip()
    text = _lines(text, cell)
    out, pos = [""], 0
    for match in _CODE_SPAN.finditer(text):
        out.append(_escape_prose_block(text[pos : match.start()], cell, pos == 0 or out[-1].endswith("\n")))
        out.append(_escape_code(match.group(0), cell))
        pos = match.end()
    out.append(_escape_prose_block(text[pos:], cell, pos == 0 or out[-1].endswith("\n")))
    return "".join(out) if cell else _BLANK_LINES.sub("\n\n", "".join(out))


def _escape_prose_block(text: str, cell: bool, at_line_start: bool) -> str:
    """Prose escaped, and so are the lines in it that would start a block: every line after a
    line break, and its first only if it starts one (text after a code span does not)."""
    text = _escape_prose(text, cell)
    if cell:
        return text
    if at_line_start:
        return _BLOCK_START.sub(_escape_block, text)
    first, newline, rest = text.partition("\n")
    return first + newline + _BLOCK_START.sub(_escape_block, rest)


def _escape_block(match: re.Match[str]) -> str:
    start = match.group(1)
    return start + "\\" if start[0].isdigit() else "\\" + start


def cell(value: object) -> str:
    """Record text made safe for one Markdown table cell: one line, no stray pipes."""
    return escape(value, cell=True)


def code(value: object, cell: bool = False) -> str:
    """Record text as one inline code span, fenced with more backticks than it contains."""
    return _code_text(str(value) if value is not None else "", cell)


@lru_cache(maxsize=8192)
def _code_text(text: str, cell: bool) -> str:
    text = " ".join(text.split())
    if not text:
        return ""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0) if "`" in text else 0
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    span = f"{fence}{pad}{text}{pad}{fence}"
    return _escape_code(span, cell)


def codeblock(lines: list[str], info: str = "") -> str:
    """Record lines as a fenced code block whose fence no line can close."""
    text = "\n".join(" ".join(str(line).splitlines()) for line in lines)
    longest = max((len(run) for run in re.findall(r"^\s*(`{3,})", text, re.MULTILINE)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def link(text: object, target: str, cell: bool = False) -> str:
    """A Markdown link to a page kb generated itself; the text is escaped, the target must be relative."""
    if _UNSAFE_SCHEME.search(target) or re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
        raise ValueError(f"kb links only to its own pages, not {target!r}")
    label = _BRACKET.sub(r"\\\1", escape(text, cell=cell))
    return f"[{label}]({target.replace(' ', '%20').replace(')', '%29')})"


# --- Markdown a person wrote: notes kept from an imported report --------------------------------

_WEB_LINK = re.compile(r"(?<!!)\[((?:\\.|[^\[\]\\\n])*)\]\((https?://[^\s()<>\"']+)\)")
_HEADING_LINE = re.compile(r"^#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$")
_NOTE_BLOCK = re.compile(
    r"^(#|>|\||`{3,}|~{3,}|[-=+](?=[\s=+-]|$)|\*(?=\s|\*+\s*$)|\d+(?=[.)](?:\s|$))|\[(?=[^\]]*\]:))"
)
"""A line start that would open a block in a note: as `_BLOCK_START`, and since a note keeps its
emphasis, a `*` bullet or rule and a `~~~` fence; a `[` only where it would define a link."""
_INERT_SPECIAL = re.compile(r"[&<{\]:]")
"""A character `_inert` may change; a part without one passes as written."""


def _inert(text: str) -> str:
    """Markdown prose with what could act made inert (raw HTML, entities, attribute lists, links
    other than to web pages, images, script schemes) and its emphasis and web links kept."""
    if not _INERT_SPECIAL.search(text):
        return text
    links: list[str] = []

    def keep(match: re.Match[str]) -> str:
        links.append(f"[{_inert(match[1])}]({match[2]})")
        return f"\x00{len(links) - 1}\x00"

    text = _WEB_LINK.sub(keep, text)
    text = text.replace("&", "&amp;")
    text = _TAG_START.sub("&lt;", text)
    text = _LINK_TARGET.sub(lambda m: "]\\" + m.group(1), text)
    text = _UNSAFE_SCHEME.sub(lambda m: m.group(1) + "&#58;", text)
    text = text.replace("{", "\\{")
    return re.sub("\x00(\\d+)\x00", lambda m: links[int(m[1])], text)


def _span_text(match: re.Match[str]) -> str:
    """What a code span shows: its text without the backtick runs and the one space padding each side."""
    text = match.group(2)
    return text[1:-1] if len(text) > 2 and text.startswith(" ") and text.endswith(" ") else text


def note(value: object) -> str:
    """Markdown a person wrote (a line an import kept as a note), for one list item: emphasis, code
    spans and links to web pages render as written; what would act (HTML, attribute lists, other
    links, images, a fence that runs) is made inert as `escape` does, a heading becomes bold text
    and any other line that would start a block (quote, list, table, rule) is escaped. The note's
    lines stay lines (hard breaks), within the item."""
    if value is None:
        return ""
    lines = []
    for line in str(value).splitlines():
        line = line.strip()
        heading = _HEADING_LINE.match(line)
        if heading:
            line = f"**{heading[1]}**" if heading[1] else ""
        out, pos = [], 0
        for match in _CODE_SPAN.finditer(line):
            out += [_inert(line[pos : match.start()]), _code_text(_span_text(match), False)]
            pos = match.end()
        out.append(_inert(line[pos:]))
        text = "".join(out)
        # a line that starts with a code span starts no block: escaping its backticks would end the span
        lines.append(text if _CODE_SPAN.match(line) else _NOTE_BLOCK.sub(_escape_block, text))
    return "  \n".join(line for line in lines if line)
