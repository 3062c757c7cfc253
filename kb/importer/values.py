"""Reading the values reports write in words: dates, severities, impacts, scopes, counts.

Each reader returns None (or an empty result) when it does not understand its input, so the
caller can keep the text as a note instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MDY = re.compile(
    rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:\s*[-\u2013]\s*(?:{_MONTH}\s+)?(\d{{1,2}}))?"
    r",?\s+(\d{4})",
    re.I,
)
_DMY = re.compile(rf"\b(\d{{1,2}})(?:\s*[-\u2013]\s*(\d{{1,2}}))?\s+{_MONTH},?\s+(\d{{4}})", re.I)

SEVERITY_WORDS = {
    **dict.fromkeys(("critical", "crit", "blocker", "p0", "sev0", "sev1", "s1"), "critical"),
    **dict.fromkeys(("high", "major", "p1", "sev2", "s2"), "high"),
    **dict.fromkeys(("medium", "moderate", "med", "p2", "sev3", "s3"), "medium"),
    **dict.fromkeys(("low", "minor", "p3", "sev4", "s4"), "low"),
    **dict.fromkeys(("info", "informational", "trivial", "p4", "sev5", "s5"), "info"),
}
IMPACT_WORDS = {
    **dict.fromkeys(("outage", "down", "blocking"), "outage"),
    **dict.fromkeys(("degraded", "partial"), "degraded"),
    **dict.fromkeys(("non-functional", "nonfunctional", "broken"), "non-functional"),
    **dict.fromkeys(("low", "minor"), "low"),
    **dict.fromkeys(("cosmetic", "none", "noise"), "cosmetic"),
    "expected": "expected",
    **dict.fromkeys(("intentional", "by design"), "intentional"),
    **dict.fromkeys(("placeholder", "reserved"), "placeholder"),
}
PRIORITY_WORDS = {
    **dict.fromkeys(("p0", "p1", "urgent", "critical", "high", "immediate", "immediately", "asap", "blocker"), "P1"),
    **dict.fromkeys(("today", "this week", "before release", "before the release"), "P1"),
    **dict.fromkeys(("p2", "medium", "normal", "short term", "short-term", "this sprint", "next sprint", "soon"), "P2"),
    **dict.fromkeys(("p3", "low", "medium term", "medium-term", "later", "backlog", "next quarter"), "P3"),
    **dict.fromkeys(("p4", "someday", "nice to have", "long term", "long-term", "future"), "P4"),
}
SEVERITY_MARKS = {
    "\U0001f534": "critical",  # red circle
    "\u203c\ufe0f": "critical",
    "\U0001f7e0": "high",  # orange circle
    "\u2757": "high",
    "\U0001f7e1": "medium",  # yellow circle
    "\u26a0\ufe0f": "medium",  # warning sign
    "\u26a0": "medium",
    "\U0001f7e2": "low",  # green circle
    "\U0001f535": "info",  # blue circle
}
"""Emoji that reports use as severity badges, on kb's scale."""
STATUS_WORDS = {
    **dict.fromkeys(("resolved", "fixed", "closed", "done", "complete", "completed", "addressed"), "resolved"),
    **dict.fromkeys(("\u2705", "\u2714\ufe0f", "\u2714", "\u2713", "\u2611\ufe0f", "\u2611"), "resolved"),
    **dict.fromkeys(("open", "new", "unresolved", "todo", "to do", "pending", "in progress", "not fixed"), "open"),
    **dict.fromkeys(("not started", "investigating", "reopened", "\u274c", "\U0001f6a7", "\u23f3"), "open"),
    **dict.fromkeys(("mitigated", "partially fixed", "partial fix", "workaround", "worked around"), "mitigated"),
    **dict.fromkeys(("wontfix", "won't fix", "will not fix", "accepted", "risk accepted", "not a bug"), "wontfix"),
}
"""Finding statuses in report words and marks (NEW, FIXED, ✅, ✓ ...), on kb's scale."""
ACTION_STATUS = {"resolved": "done", "open": "open", "mitigated": "open", "wontfix": "dropped"}
ACTION_WORDS = {**dict.fromkeys(("dropped", "cancelled", "canceled", "obsolete", "won't do"), "dropped")}
OUTCOME_WORDS = {
    **dict.fromkeys(("green", "\U0001f7e2", "all clear", "healthy", "pass", "passed", "passing"), "GREEN"),
    **dict.fromkeys(
        ("yellow", "amber", "\U0001f7e1", "\u26a0\ufe0f", "\u26a0", "warning", "needs attention"), "YELLOW"
    ),
    **dict.fromkeys(("at risk", "partially ready", "conditional"), "YELLOW"),
    **dict.fromkeys(("red", "\U0001f534", "\u274c", "fail", "failed", "failing", "blocked", "not ready"), "RED"),
}
_DURATION = re.compile(
    r"^(?:~|about\s+|over\s+|>\s*)?\d+(?:\.\d+)?\+?\s*(?:min(?:ute)?s?|h(?:ou)?rs?|hours?|days?|weeks?|months?)\b", re.I
)
HASH = re.compile(r"(?<![0-9a-z])[0-9a-f]{7,40}(?![0-9a-z])")


def _date(year: str, month: str | int, day: str) -> dt.date | None:
    number = month if isinstance(month, int) else _MONTHS.get(month.lower().rstrip("."), 0)
    try:
        return dt.date(int(year), number, int(day))
    except ValueError:
        return None


def date_range(text: str) -> tuple[dt.date, dt.date | None] | None:
    """First and last day named in `text` ('January 25-26, 2026', '2026-01-25 to 2026-01-26', ...)."""
    days: list[dt.date | None] = [_date(y, int(m), d) for y, m, d in _ISO.findall(text)]
    for month, day, month2, day2, year in _MDY.findall(text):
        days.append(_date(year, month, day))
        if day2:
            days.append(_date(year, month2 or month, day2))
    for day, day2, month, year in _DMY.findall(text):
        days.append(_date(year, month, day))
        if day2:
            days.append(_date(year, month, day2))
    found = sorted(d for d in days if d is not None)
    if not found:
        return None
    return found[0], (found[-1] if found[-1] != found[0] else None)


def _key(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.strip().lower().replace("-", "")).strip(" .:")


def severity(text: str) -> str | None:
    """The severity a word or heading names: P0/P1/Sev1/Critical/High/... (first one found)."""
    for word in re.findall(r"[a-z]+\s*-?\s*\d|[a-z]+", text.lower()):
        found = SEVERITY_WORDS.get(re.sub(r"[\s-]", "", word))
        if found:
            return found
    return None


def discovery(text: str) -> str | None:
    lowered = text.lower()
    if "incident" in lowered:
        return "incident"
    if re.search(r"discover|during (?:the )?audit|found during|unplanned|unexpected|along the way", lowered):
        return "during-audit"
    if "planned" in lowered:
        return "planned"
    return None


def impact(text: str) -> str | None:
    return IMPACT_WORDS.get(_key(text).replace(" ", "-")) or IMPACT_WORDS.get(_key(text))


class Words:
    """The words and marks a report may use for the values of one field, found as whole words.

    Longer phrases are tried first, so 'not fixed' is not read as 'fixed'.
    """

    def __init__(self, table: dict[str, str]):
        self.table = table
        keys = sorted(table, key=len, reverse=True)
        parts = [rf"(?<![\w'-]){re.escape(k)}(?![\w'-])" if k[:1].isalnum() else re.escape(k) for k in keys]
        self.pattern = re.compile("|".join(parts), re.I)

    def first(self, text: str) -> str | None:
        """The value of the earliest word or mark `text` names, if any."""
        match = self.pattern.search(text)
        return self.table[match.group(0).lower()] if match else None


_OUTCOMES = Words(OUTCOME_WORDS)
_COLOURS = Words({k: v for k, v in OUTCOME_WORDS.items() if k in ("green", "yellow", "amber", "red")})
_STATUSES = Words(STATUS_WORDS)
_ACTION_STATUSES = Words({**STATUS_WORDS, **ACTION_WORDS})
_MARKS = Words(SEVERITY_MARKS)
_PRIORITIES = Words(PRIORITY_WORDS)


def outcome(text: str, verdict: bool = True) -> str | None:
    """GREEN, YELLOW or RED from the first colour, mark or (with `verdict`) verdict word
    ('NEEDS ATTENTION', 'FAILING'); without it, only a colour named outright counts."""
    return (_OUTCOMES if verdict else _COLOURS).first(text)


def status(text: str) -> str | None:
    """A finding status from the first status word or mark in `text` ('✅ RESOLVED', 'NEW', 'Fixed')."""
    return _STATUSES.first(text)


def action_status(text: str) -> str | None:
    """An action status: done, open or dropped, from the same words (and 'cancelled', 'obsolete')."""
    found = _ACTION_STATUSES.first(text)
    return ACTION_STATUS.get(found, found) if found else None


def severity_mark(text: str) -> str | None:
    """The severity an emoji badge in `text` stands for (🔴 critical, 🟠 high, 🟡 or ⚠️ medium, ...)."""
    return _MARKS.first(text)


def priority(text: str) -> str | None:
    """The priority the first priority word of `text` names ('Immediate (before the beta)' -> P1)."""
    return _PRIORITIES.first(text)


def is_duration(text: str) -> bool:
    return bool(_DURATION.match(text.strip()))


def readiness(text: str) -> int | None:
    """Production readiness in percent: 'Readiness: 95%' or '... readiness (currently 95%)'."""
    match = re.search(r"readiness\b[^\n]*?\((?:currently|now|at)\s+(\d{1,3})\s*%\)", text, re.I) or re.search(
        r"readiness\W{0,6}(\d{1,3})\s*%", text, re.I
    )
    return int(match.group(1)) if match and int(match.group(1)) <= 100 else None


def scope(text: str) -> dict[str, Any]:
    """The Scope fields of '... (2-node k3s cluster, 19 namespaces, 28 domains, 13 ArgoCD apps)'.

    The counts come out of the brackets; the description keeps the brackets unless every part
    of them was understood, so nothing in them is lost.
    """
    data: dict[str, Any] = {}
    bracket = re.search(r"\(([^()]*)\)\s*$", text)
    parts = [p.strip() for p in bracket.group(1).split(",")] if bracket else []
    understood = 0
    for part in parts:
        if m := re.fullmatch(r"(\d+)[- ]nodes?(?:\s+([\w.+-]+))?(?:\s+cluster)?", part, re.I):
            data["nodes"] = int(m.group(1))
            if m.group(2):
                data["cluster"] = m.group(2)
        elif m := re.fullmatch(r"(\d+)\s+namespaces?", part, re.I):
            data["namespaces"] = int(m.group(1))
        elif m := re.fullmatch(r"(\d+)\s+(?:domains?|routes?|hosts?)", part, re.I):
            data["domains"] = int(m.group(1))
        elif m := re.fullmatch(r"(\d+)\s+(?:([\w ]+?)\s+)?(?:apps?|applications?)", part, re.I):
            data["apps"] = int(m.group(1))
            if m.group(2):
                data["gitops"] = m.group(2)
        else:
            continue
        understood += 1
    if bracket and understood == len(parts):
        data["description"] = text[: bracket.start()].strip()
    else:
        data["description"] = text.strip()
    return data


def counts(text: str) -> dict[str, int]:
    """'79 Running, 12 Completed, 0 CrashLoopBackOff' as {'Running': 79, ...}."""
    return {word: int(number) for number, word in re.findall(r"(\d+)\s+([A-Za-z][\w-]*)", text)}


_PATH = re.compile(
    r"(?<![\w@~./+-])((?:[\w@~.+-]+/)+[\w@~.+-]*|[\w@~+-]+(?:\.[\w+-]+)*\.[A-Za-z][\w+-]{0,9})"
    r"(?:(?::|#L)(\d+)(?:\s*[-\u2013]\s*L?(\d+))?)?(?![\w/])"
)
_LINES = re.compile(r"^\s*\(?\s*(?:lines?|l\.?)?\s*(\d+)(?:\s*[-\u2013]\s*(\d+))?\s*\)?", re.I)


def lines(text: str) -> str | None:
    """'42', '40-55', 'lines 40-55' or '(line 42)' as '42' or '40-55'; None if it names no line."""
    match = _LINES.match(text)
    if match is None or text[match.end() :].strip(" .,;"):
        return None
    return f"{match.group(1)}-{match.group(2)}" if match.group(2) else match.group(1)


def paths(text: str) -> list[str]:
    """The file paths a 'File:' value names, with their lines: 'src/a.ts:42', 'src/b.ts:40-55'.

    Paths are told by a slash or an extension ('k8s/kyverno/', 'main.go'); a line range follows
    as ':40-55', '#L40-L55' or '(lines 40-55)'.
    """
    found: list[str] = []
    for match in _PATH.finditer(text.replace("`", " ")):
        path, start, end = match.groups()
        if re.fullmatch(r"v?[\d.]+", path) or path in ("e.g.", "i.e."):
            continue
        if start is None:
            start_end = lines(text.replace("`", " ")[match.end() :].split(",")[0])
            span = start_end
        else:
            span = f"{start}-{end}" if end else start
        found.append(f"{path}:{span}" if span else path)
    return list(dict.fromkeys(found))


def slug(text: str) -> str:
    """A tag made of words: 'Input Validation' -> 'input-validation'."""
    return "-".join(re.findall(r"[a-z0-9]+(?:\.[a-z0-9]+)*", text.lower().replace("`", "")))


def hashes(text: str) -> list[str]:
    return HASH.findall(text.replace("`", " "))


def bracketed(text: str) -> tuple[str, str | None]:
    """Split 'Pending (expected)' into ('Pending', 'expected')."""
    match = re.fullmatch(r"(.*?)\s*\(([^()]*)\)", text.strip())
    return (match.group(1), match.group(2)) if match and match.group(1) else (text.strip(), None)
