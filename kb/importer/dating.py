"""When a report's audit happened: the report's own date, else git's, else `--date`.

The report's own date is a `Date:` (or `Generated:`) line, a `Date | ...` row, a date in the
title ("Stabilization Log (2026-01-25 / 2026-01-26)") or the days its headings name ("Day 2
(2026-01-26)"). A report that names none takes the day of the file's last commit in git, and a
file git does not know takes the `--date` given; either is a warning (W701). A report with no
date at all is an error that names the flag (E701).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from kb.check.diagnostics import Code, Diagnostic
from kb.importer import values
from kb.importer.parsed import Parsed

EXAMPLE = "write e.g. 2026-01-25 or January 25-26, 2026"


@dataclass(frozen=True)
class Days:
    """The audit's first and last day, and where they were read ('header', 'title', 'git', ...)."""

    started: dt.date
    ended: dt.date | None
    source: str


def _own(parsed: Parsed) -> Days | None:
    """The days the report itself names, the plainest place first."""
    date = parsed.header.get("date")
    days = values.date_range(date.text) if date else None
    if days:
        return Days(*days, "header")
    days = values.date_range(parsed.title)
    if days:
        return Days(*days, "title")
    if parsed.heading_days:
        first = min(d[1] for d in parsed.heading_days)
        last = max(d[2] or d[1] for d in parsed.heading_days)
        return Days(first, last if last != first else None, "headings")
    return None


def dated(parsed: Parsed, path: Path | None, name: str, flag: dt.date | None) -> tuple[Days | None, list[Diagnostic]]:
    """The audit's days and what to say about how they were found (warnings, or the error)."""
    own = _own(parsed)
    date = parsed.header.get("date")
    said: list[Diagnostic] = []
    if date is not None and (own is None or own.source != "header"):
        found = f"; used {own.source} instead" if own else ""
        message = f"cannot read a date in {date.text!r} ({EXAMPLE}){found}"
        said.append(Diagnostic(name, date.line, 1, Code.W701 if own else Code.E701, "date", message))
    if own is not None:
        return own, said
    day = _git_day(path) if path is not None else None
    if day is not None:
        return Days(day, None, "git"), [*_warned(said), _warning(name, f"used the day of its last commit, {day}")]
    if flag is not None:
        return Days(flag, None, "--date"), [*_warned(said), _warning(name, f"used --date {flag}")]
    if not said:
        message = "the report has no 'Date:' line in its header, no date in its title or headings"
        said.append(Diagnostic(name, 1, 1, Code.E701, "date", message))
    git = ", and git has no commit of the file" if path is not None else ""
    return None, [
        Diagnostic(d.file, d.line, d.column, d.code, d.field, f"{d.message}{git}: pass --date YYYY-MM-DD") for d in said
    ]


def _warned(said: list[Diagnostic]) -> list[Diagnostic]:
    """An unreadable date line is only a warning once another day was found."""
    return [Diagnostic(d.file, d.line, d.column, Code.W701, d.field, d.message) for d in said]


def _warning(name: str, what: str) -> Diagnostic:
    return Diagnostic(name, 1, 1, Code.W701, "date", f"the report names no date: {what}")


def _git_day(path: Path) -> dt.date | None:
    from kb.gitlink.gitrepo import last_commit_day  # GitPython loads only for a report without a date

    return last_commit_day(path)
