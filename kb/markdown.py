"""The one escaping filter: record text placed into Markdown can show, never act.

Code spans (`like this`) and fenced blocks pass through as written, since Markdown shows
their content literally; a fence that would run something (mermaid, attribute lists) becomes
a plain text block. Elsewhere anything that could open an HTML tag, a link, an attribute
list or an entity is escaped, so a record cannot inject markup, script or a `javascript:` link.
Table cells also get their pipes, backslashes and line breaks made safe.
"""

from __future__ import annotations

import re

_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_LINK_TARGET = re.compile(r"\]\s*([(\[])")
_UNSAFE_SCHEME = re.compile(r"\b(javascript|vbscript|data)\s*:", re.IGNORECASE)
_FENCE_OPENER = re.compile(r"^(`{3,})([^\n`]*)(?=\n)")
_PLAIN_INFO = re.compile(r"[A-Za-z0-9_+#-]*")
_CUSTOM_FENCES = {"mermaid"}
"""Fence names mkdocs.yml turns into something other than code."""
_BRACKET = re.compile(r"(?<!\\)([\[\]])")
"""A bracket not yet escaped: inside a link's text it would end the link early."""
_TILDE_FENCE = re.compile(r"(?m)^(\s*)~(?=~~)")
"""A `~~~` fence opener: record text never opens a fenced block outside a code span."""
_BLOCK_START = re.compile(r"(?m)^(\s*)([#>]|\[|[-+*](?=\s)|\d+\.(?=\s))")
"""A line starting like a heading, quote, list or link definition: it stays text."""


def _escape_prose(text: str, cell: bool) -> str:
    if cell:
        text = text.replace("\\", "\\\\").replace("|", "\\|")
    text = text.replace("&", "&amp;")
    text = _TAG_START.sub("&lt;", text)
    text = _LINK_TARGET.sub(lambda m: "]\\" + m.group(1), text)
    text = _UNSAFE_SCHEME.sub(lambda m: m.group(1) + "&#58;", text)
    text = text.replace("{", "\\{")
    text = _TILDE_FENCE.sub(r"\1&#126;", text)
    text = _BLOCK_START.sub(r"\1\\\2", text)
    return text


def _fence_info(match: re.Match[str]) -> str:
    """A fenced block's info string kept only when it names a plain language, never a custom fence."""
    info = match.group(2).strip()
    plain = _PLAIN_INFO.fullmatch(info) and info.lower() not in _CUSTOM_FENCES
    return match.group(1) + (info if plain else "text")


def _escape_code(span: str, cell: bool) -> str:
    # a fenced block is shown as code; a custom fence (mermaid) or attribute list would act instead
    span = _FENCE_OPENER.sub(_fence_info, span)
    if cell:
        span = span.replace("|", "\\|")
    return span


def escape(value: object, cell: bool = False) -> str:
    """Record text made safe for Markdown prose (or, with `cell`, for a table cell)."""
    if value is None:
        return ""
    text = str(value)
    if cell:
        text = " ".join(line.strip() for line in text.splitlines() if line.strip())
    out, pos = [], 0
    for match in _CODE_SPAN.finditer(text):
        out.append(_escape_prose(text[pos : match.start()], cell))
        out.append(_escape_code(match.group(0), cell))
        pos = match.end()
    out.append(_escape_prose(text[pos:], cell))
    return "".join(out)


def cell(value: object) -> str:
    """Record text made safe for one Markdown table cell: one line, no stray pipes."""
    return escape(value, cell=True)


def link(text: object, target: str, cell: bool = False) -> str:
    """A Markdown link to a page kb generated itself; the text is escaped, the target must be relative."""
    if _UNSAFE_SCHEME.search(target) or re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
        raise ValueError(f"kb links only to its own pages, not {target!r}")
    label = _BRACKET.sub(r"\\\1", escape(text, cell=cell))
    return f"[{label}]({target.replace(' ', '%20').replace(')', '%29')})"
