"""The next-session pickup list: every open action, first things first, in three forms.

Markdown (the `pickup.md.j2` template, also rendered to docs/PICKUP.md) is made to be pasted
into the next working session; the table is for a terminal; JSON is for scripts.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jinja2

from kb.check.diagnostics import Stopped
from kb.rendering.jinjaenv import environment, render_text, template_error
from kb.rendering.views import ActionView, KnowledgeView
from kb.store.config import Config
from kb.store.loader import KnowledgeBase, load

FORMATS = ("table", "md", "json")
TEMPLATE = "pickup.md.j2"
MIN_ITEM_WIDTH = 30
"""Narrower terminals wrap the item rather than cut it to nothing."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def as_dict(item: ActionView) -> dict[str, Any]:
    """One pickup item as plain data, for JSON."""
    action = item.action
    return {
        "id": action.id,
        "headline": item.headline,
        "text": item.text,
        "title": action.title,
        "todo": action.todo,
        "priority": action.priority.value if action.priority else None,
        "impact": action.impact.value if action.impact else None,
        "opened": item.opened.isoformat(),
        "owner": action.owner,
        "due": action.due.isoformat() if action.due else None,
        "audit": {"id": action.source.audit, "title": item.audit.title if item.audit else None},
        "finding": {"id": item.finding.id, "title": item.finding.title} if item.finding else None,
    }


def _plain(text: str) -> str:
    """Terminal-safe: no control characters (escape sequences) from a record reach the screen."""
    return _CONTROL.sub(" ", text)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def as_table(items: list[ActionView], width: int = 100) -> str:
    """A fixed-width table fitting `width` columns: the item comes last and is cut to fit."""
    if not items:
        return "Nothing is open.\n"
    rows = [
        (
            str(n),
            item.action.priority.value if item.action.priority else "-",
            item.opened.isoformat(),
            item.action.impact.value if item.action.impact else "-",
            item.action.id,
            _plain(f"{item.headline}: {item.text}"),
        )
        for n, item in enumerate(items, start=1)
    ]
    header = ("#", "PRI", "OPENED", "IMPACT", "ID", "ITEM")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fixed = sum(widths[:-1]) + 2 * (len(header) - 1)
    item_width = max(width - fixed, MIN_ITEM_WIDTH)
    lines = []
    for number, *middle, item in [header, *rows]:
        cells = [number.rjust(widths[0]), *(c.ljust(w) for c, w in zip(middle, widths[1:-1], strict=True))]
        lines.append("  ".join([*cells, _fit(item, item_width)]).rstrip())
    return "\n".join(lines) + "\n"


def loaded(config: Config) -> KnowledgeBase:
    """The records the pickup list is made from; Stopped if any record does not load."""
    kb = load(config)
    if kb.problems:
        raise Stopped("pickup", sorted(kb.problems))
    return kb


def as_markdown(view: KnowledgeView) -> str:
    """The list to paste into the next session: the `pickup.md.j2` template (yours, if you have one)."""
    config = view.kb.config
    env = environment(config.templates if config.templates.is_dir() else None)
    try:
        return render_text(env.get_template(TEMPLATE), {"kb": view})
    except jinja2.TemplateError as err:
        raise Stopped("pickup", [template_error(err)]) from None


def pickup(config: Config, fmt: str = "md", width: int = 100) -> str:
    """The pickup list of the knowledge base as text in `fmt` (table, md or json)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    view = KnowledgeView(loaded(config))
    if fmt == "json":
        return json.dumps([as_dict(item) for item in view.pickup], indent=2, ensure_ascii=False) + "\n"
    if fmt == "table":
        return as_table(view.pickup, width)
    return as_markdown(view)
