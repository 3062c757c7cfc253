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
    **dict.fromkeys(("p0", "p1", "urgent", "critical", "high"), "P1"),
    **dict.fromkeys(("p2", "medium", "normal"), "P2"),
    **dict.fromkeys(("p3", "low"), "P3"),
    **dict.fromkeys(("p4", "someday", "nice to have"), "P4"),
}
_OUTCOME = {"green": "GREEN", "yellow": "YELLOW", "amber": "YELLOW", "red": "RED"}
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


def priority(text: str) -> str | None:
    return PRIORITY_WORDS.get(_key(text).replace(" ", "")) or PRIORITY_WORDS.get(_key(text))


def outcome(text: str) -> str | None:
    match = re.search(r"\b(green|yellow|amber|red)\b", text, re.I)
    return _OUTCOME[match.group(1).lower()] if match else None


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


def hashes(text: str) -> list[str]:
    return HASH.findall(text.replace("`", " "))


def bracketed(text: str) -> tuple[str, str | None]:
    """Split 'Pending (expected)' into ('Pending', 'expected')."""
    match = re.fullmatch(r"(.*?)\s*\(([^()]*)\)", text.strip())
    return (match.group(1), match.group(2)) if match and match.group(1) else (text.strip(), None)
