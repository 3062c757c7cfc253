"""The next-session pickup list in three forms: Markdown, a terminal table, JSON.

Markdown (the `pickup.md.j2` template, also rendered to docs/PICKUP.md) is made to be pasted
into the next working session; the table is for a terminal; JSON is for scripts. All three show
the same "last session" header and the same items in the same order (kb.rendering.nextsession).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import jinja2

from kb.check.diagnostics import Stopped
from kb.rendering.jinjaenv import environment, render_text, template_error
from kb.rendering.nextsession import HandoverItem, LastSession, PickupFilter
from kb.rendering.views import KnowledgeView
from kb.store.config import Config
from kb.store.loader import KnowledgeBase, load

FORMATS = ("table", "md", "json")
TEMPLATE = "pickup.md.j2"
MIN_ITEM_WIDTH = 30
"""Narrower terminals wrap the item rather than cut it to nothing."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


class PickupError(ValueError):
    """A filter names nothing there is (an audit no ID starts with, or several do)."""


def as_dict(item: HandoverItem, today: dt.date) -> dict[str, Any]:
    """One pickup item as plain data, for JSON; `overdue` is as of `today`."""
    action, finding = item.action, item.finding
    audit = item.audit.id if item.audit else action.source.audit if action else finding.audit if finding else None
    data: dict[str, Any] = {
        "kind": item.kind,
        "id": item.id,
        "headline": item.headline,
        "text": item.text,
        "priority": item.priority.value if item.priority else None,
        "impact": item.impact.value if item.impact else None,
        "due": item.due.isoformat() if item.due else None,
        "overdue": item.overdue(today),
        "opened": item.opened.isoformat(),
        "owner": item.owner,
        "status": item.status,
        "tags": list(item.tags),
        "audit": {"id": audit, "title": item.audit.title if item.audit else None},
    }
    if action is not None:
        data |= {"title": action.title, "todo": action.todo}
        data["finding"] = {"id": finding.id, "title": finding.title} if finding else None
    elif finding is not None:
        data["severity"] = finding.severity.value if finding.severity else None
    return data


def session_dict(last: LastSession | None) -> dict[str, Any] | None:
    """The "last session" header as plain data."""
    if last is None:
        return None
    audit = last.audit
    return {
        "audit": {"id": audit.id, "title": audit.title},
        "dates": last.dates,
        "outcome": audit.outcome.value if audit.outcome else None,
        "summary": audit.summary,
        "resolved": [f.id for f in last.resolved],
        "closed": [a.id for a in last.closed],
        "left_open": [item.id for item in last.left_open],
        "carried_over": [item.id for item in last.carried],
        "text": last.summary,
    }


def _plain(text: str) -> str:
    """Terminal-safe: no control characters (escape sequences) from a record reach the screen."""
    return _CONTROL.sub(" ", text)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def header_lines(last: LastSession | None, width: int) -> list[str]:
    """The "last session" header as plain lines of at most `width` columns, for the table."""
    if last is None:
        return []
    import textwrap

    audit = last.audit
    outcome = f": outcome {audit.outcome.value}" if audit.outcome else ""
    summary = f" {audit.summary}" if audit.summary else ""
    lines = [_plain(f"Last session: {audit.title} ({audit.id}), {last.dates}{outcome}.{summary}"), last.summary]
    return [part for line in lines for part in textwrap.wrap(line, max(width, MIN_ITEM_WIDTH))]


def as_table(items: list[HandoverItem], last: LastSession | None, width: int = 100) -> str:
    """The header, then a fixed-width table fitting `width` columns: the item comes last and is cut to fit."""
    head = header_lines(last, width)
    lead = "\n".join(head) + "\n\n" if head else ""
    if not items:
        return lead + "Nothing is open.\n"
    rows = [
        (
            str(n),
            item.priority.value if item.priority else "-",
            item.due.isoformat() if item.due else "-",
            item.opened.isoformat(),
            item.impact.value if item.impact else "-",
            item.id,
            _plain(f"{'' if item.action else 'FINDING, no action: '}{item.headline}: {item.text}"),
        )
        for n, item in enumerate(items, start=1)
    ]
    header = ("#", "PRI", "DUE", "OPENED", "IMPACT", "ID", "ITEM")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fixed = sum(widths[:-1]) + 2 * (len(header) - 1)
    item_width = max(width - fixed, MIN_ITEM_WIDTH)
    lines = []
    for number, *middle, text in [header, *rows]:
        cells = [number.rjust(widths[0]), *(c.ljust(w) for c, w in zip(middle, widths[1:-1], strict=True))]
        lines.append("  ".join([*cells, _fit(text, item_width)]).rstrip())
    return lead + "\n".join(lines) + "\n"


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


def as_json(view: KnowledgeView, today: dt.date) -> dict[str, Any]:
    """The header and the items as plain data."""
    return {"last_session": session_dict(view.last_session), "items": [as_dict(i, today) for i in view.handover]}


def narrowed(
    kb: KnowledgeBase,
    audit: str | None = None,
    tags: tuple[str, ...] = (),
    owner: str | None = None,
    since: dt.date | None = None,
) -> PickupFilter | None:
    """The filter the options ask for (an audit by its ID, or a prefix only one audit has); None for none.
    PickupError when the audit is not there."""
    if not (audit or tags or owner or since):
        return None
    if audit:
        ids = [a.id for a in kb.audits]
        matches = [i for i in ids if i == audit] or [i for i in ids if i.startswith(audit)]
        if len(matches) != 1:
            found = f"matches {len(matches)} audits: {', '.join(matches[:5])}" if matches else "names no audit"
            raise PickupError(f"--audit {audit!r} {found}")
        audit = matches[0]
    return PickupFilter(audit, tags, owner, since)


def pickup(
    config: Config,
    fmt: str = "md",
    width: int = 100,
    audit: str | None = None,
    tags: tuple[str, ...] = (),
    owner: str | None = None,
    since: dt.date | None = None,
    today: dt.date | None = None,
) -> str:
    """The pickup list of the knowledge base as text in `fmt` (table, md or json), narrowed to an
    audit's items, tags, an owner, or items raised since a day; `today` decides what is overdue in JSON."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    kb = loaded(config)
    view = KnowledgeView(kb, narrowed(kb, audit, tags, owner, since))
    if fmt == "json":
        return json.dumps(as_json(view, today or dt.date.today()), indent=2, ensure_ascii=False) + "\n"
    if fmt == "table":
        return as_table(view.handover, view.last_session, width)
    return as_markdown(view)
