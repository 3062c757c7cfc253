"""The site's search index, kept small enough for a browser to download before it answers.

MkDocs Material indexes every section of every page: at 10,000 record pages that is tens of
megabytes, and parsing each page's HTML for it is a good part of the build. So kb's pages
are left out of Material's indexing (`search: exclude` in their front matter) and kb writes
one entry per record itself, straight from the record: title, ID, the figures that identify
it (severity, status, priority, components, commits) and the start of its main text, then the
other words `kb search` would match it by (its remaining text, the words inside camelCase names,
and the synonyms of its words, since the site cannot expand a query as `kb search` does). The
theme shows only the first lines of an entry's text, so those trail out of sight. An entry's boost
is the kind weight `kb search` ranks by, and mkdocs.yml weighs title, text and tags as its
columns are weighed, so that both rank the same records first for the same words. Each
rendered document (audit report, INFRA_ANATOMY, PICKUP, GITOPS) gets one entry too, its
title and opening text: they gather what the records say, and INFRA_ANATOMY and PICKUP grow
with the knowledge base (indexed section by section they were half the index, 5.3 MB at
10,000 records, and parsing them took Material seconds).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

from kb.fulltext import searchdoc
from kb.fulltext.ranking import CONFIRM_BOOST, CONFIRM_CAP, KIND_WEIGHT, STOPWORDS
from kb.fulltext.synonyms import Synonyms, synonyms
from kb.records.models import Action, Audit, Finding, Lesson, Record
from kb.store.atomic import replace_atomic
from kb.store.loader import plain

SUMMARY_CHARS = {"lesson": 200, "audit": 120, "finding": 90, "action": 70, "document": 120}
"""How much of a page's main text is shown in a result, by kind: lessons, the rules, get the most."""
OWN_WORDS, MORE_WORDS = 8, 16
"""At most this many of the record's further words (in its field order), and at most this many
further words in all with the synonyms, to keep the index small."""
MIN_KEYWORD = 3
"""Shorter words (the 33 and 6 of v1.33.6) are left out of them."""
_WORD = re.compile(r"[^\W_]+")
_LINK = re.compile(r"!?\[((?:\\.|[^\]\\])*)\]\([^)]*\)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_MARKUP = re.compile(r"\*\*|__|`|\\(?=[!-/:-@\[-`{-~])")
"""Strong emphasis, code ticks and the backslash of an escaped punctuation mark."""


def _cut(text: str, limit: int) -> str:
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    return words[:limit].rsplit(" ", 1)[0] + " …"


def _facts(record: Record) -> tuple[list[str], str | None]:
    """The identifying words of a record, and its main text."""
    if isinstance(record, Finding):
        facts = [record.severity or "", record.status, *record.components, *record.commits]
        return facts, record.symptom or record.root_cause or record.fix
    if isinstance(record, Lesson):
        return [], record.rule
    if isinstance(record, Action):
        return [record.priority or "", record.status, record.handover.title if record.handover else ""], record.todo
    if isinstance(record, Audit):
        return [str(record.started), record.outcome or "", *record.commits], record.summary or record.trigger
    return [], None


def _keywords(record: Record, shown: str, table: Synonyms) -> list[str]:
    """The words `kb search` matches `record` by that `shown` lacks, then the synonyms of its words."""
    body = searchdoc.document(record.kind, plain(record), record.id).body
    said = list(dict.fromkeys(w for w in _WORD.findall(f"{record.title_text} {body}".lower()) if w not in STOPWORDS))
    present = set(_WORD.findall(shown.lower()))
    extra = [w for w in said if w not in present and len(w) >= MIN_KEYWORD]
    related = [w for w in table.related([*said, *(t.lower() for t in record.tags)]) if w not in present]
    return list(dict.fromkeys([*extra[:OWN_WORDS], *related]))[:MORE_WORDS]


def boost(record: Record) -> float:
    """The weight `kb search` gives the record's kind (and a lesson's confirmations)."""
    confirmed = len(record.confirmed) if isinstance(record, Lesson) else 0
    return round(KIND_WEIGHT[record.kind] * (1 + CONFIRM_BOOST * min(confirmed, CONFIRM_CAP)), 3)


def entry(record: Record, location: str, table: Synonyms | None = None) -> dict[str, Any]:
    """The one search entry of a record's page: plain text, HTML-escaped (the theme shows it as
    HTML); `table` gives the synonyms (kb's own table if none)."""
    facts, main = _facts(record)
    words = " ".join([record.id, *(str(f) for f in facts if f)])
    text = f"{words} · {_cut(main, SUMMARY_CHARS[record.kind])}" if main else words
    more = _keywords(record, f"{record.title_text} {text}", table or synonyms())
    text += f" · {' '.join(more)}" if more else ""
    item: dict[str, Any] = {"location": location, "title": html.escape(record.title_text), "text": html.escape(text)}
    if record.tags:
        item["tags"] = [html.escape(tag) for tag in record.tags]
    item["boost"] = boost(record)
    return item


def url(path: str, directory_urls: bool) -> str:
    """The site location of a docs page, as MkDocs makes it (`findings/F-x.md` -> `findings/F-x/`)."""
    stem = path.removesuffix(".md")
    if not directory_urls:
        return f"{stem}.html"
    return stem.removesuffix("index") if stem == "index" or stem.endswith("/index") else f"{stem}/"


def _plain(markdown: str) -> str:
    """Markdown prose as the text a reader sees: link texts kept, markup and escapes dropped."""
    text = _MARKUP.sub("", _LINK.sub(r"\1", markdown))
    return html.unescape(text)


def document(path: str, markdown: str, location: str) -> dict[str, Any]:
    """The one search entry of a rendered document: its top heading and the text before its first section."""
    title: str | None = None
    opening: list[str] = []
    for line in markdown.splitlines():
        if line.startswith("#"):
            if title is None and line.startswith("# ") and not "".join(opening).strip():
                title = line[2:]
                continue
            break
        if not line.startswith(("|", "---")):
            opening.append(_LIST_ITEM.sub("", line))
    text = _cut(_plain(" ".join(opening)), SUMMARY_CHARS["document"])
    heading = _plain(title).strip() if title else PurePosixPath(path).stem
    return {"location": location, "title": html.escape(heading), "text": html.escape(text)}


def finish(index_file: Path, entries: list[dict[str, Any]]) -> int:
    """Add kb's entries to Material's index; return its new size in bytes."""
    data = json.loads(index_file.read_text(encoding="utf-8"))
    data["docs"] = [*data.get("docs", []), *entries]
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    replace_atomic(index_file, text, durable=False)
    return len(text.encode("utf-8"))
