"""The words reports use: section names, header keys, a finding's labelled lines, its heading.

All of it is data, so a new spelling is one more entry: `SECTION_WORDS` tells a section's kind
by its heading, `HEADER_KEYS` the audit's own fields, `FINDING_LABELS` the field a `**Label:**`
line fills, and `finding_head` the shapes of a heading that names one finding ("#### Issue
1.1.2 - Title", "### CRITICAL - 1: Title", "#### 3. Title (CRITICAL)", "### GW-01: Title").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.importer import values
from kb.importer.mdblocks import unbold, words

SECTION_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("strengths", ("strength", "what's working", "what works", "working well", "went well", "positive")),
    ("strengths", ("no issues", "no issue", "no findings", "no problems", "good practices", "passed checks")),
    ("pickup", ("next session", "pickup", "pick-up", "pick up", "next steps", "handover", "hand-off", "handoff")),
    ("cleanup", ("cleanup", "clean-up", "clean up", "housekeeping")),
    ("lessons", ("lesson", "takeaway", "learning")),
    ("commits", ("commit",)),
    ("documentation", ("documentation", "docs updated", "documents updated", "docs changed")),
    ("remaining", ("remaining", "open items", "follow-up", "follow up", "followup", "non-blocking", "outstanding")),
    ("remaining", ("known issues", "open issues", "todo", "to do", "to-do", "action item", "actions", "checklist")),
    ("remaining", ("recommendation", "recommended action", "remediation", "release blocker", "blockers", "tasks")),
    ("findings", ("issue", "finding", "problem", "incident", "bug", "vulnerabilit", "defect", "contributing factor")),
    ("summary", ("executive summary", "summary", "overview", "tl dr", "tldr", "at a glance", "metadata")),
    ("summary", ("audit information", "report information", "audit info", "report info", "about this report")),
    ("trigger", ("trigger", "background", "motivation", "why this audit")),
    ("scope", ("scope", "what was audited", "systems reviewed")),
    ("nodes", ("topology", "node", "cluster")),
    ("applications", ("application", "argocd", "argo cd", "gitops", "apps")),
    ("domains", ("domain", "route", "endpoint", "dns")),
    ("images", ("image",)),
    ("volumes", ("storage", "volume", "pvc", "persistent")),
)
"""Section kinds by the words of their heading, first match wins (so 'No issues found' is no findings section)."""

HEADER_KEYS = {
    **dict.fromkeys(("date", "dates", "when", "period", "generated", "generated on", "created", "report date"), "date"),
    **dict.fromkeys(("audit date", "review date", "date of audit", "session date", "session", "last updated"), "date"),
    **dict.fromkeys(("trigger", "reason", "why", "cause", "motivation", "purpose"), "trigger"),
    **dict.fromkeys(
        ("scope", "target", "targets", "audit scope", "system", "systems", "cluster", "environment"), "scope"
    ),
    **dict.fromkeys(("result", "outcome", "status", "verdict", "state", "audit status", "overall status"), "result"),
    **dict.fromkeys(("overall", "overall result", "conclusion", "health", "overall health"), "result"),
    **dict.fromkeys(("readiness", "production readiness"), "readiness"),
    **dict.fromkeys(("summary", "tl dr", "tldr"), "summary"),
}
"""The audit's fields by the key of a header line (`**Date:**`, `Generated:`, a `Date | ...` row)."""


@dataclass(frozen=True)
class Label:
    """The field a labelled line fills; `named` keeps the report's label in the text ('Impact: ...')."""

    field: str
    named: bool = False


def _labels(field: str, names: str, named: bool = False) -> dict[str, Label]:
    return dict.fromkeys((n.strip() for n in names.split(",")), Label(field, named))


FINDING_LABELS: dict[str, Label] = {
    **_labels("symptom", "symptom, symptoms, issue, problem, description, observed, observation, finding, details"),
    **_labels("symptom", "vulnerability, what happened, current behavior, current behaviour, summary"),
    **_labels("symptom", "impact, risk, business impact, user impact, consequence, consequences, effect", True),
    **_labels("root_cause", "root cause, root causes, cause, causes, why"),
    **_labels("fix", "fix, fixes, fixed, resolution, remediation, solution, action taken, changes, change"),
    **_labels("fix", "mitigation, workaround", True),
    **_labels("recommendation", "recommendation, recommendations, recommended fix, recommended action"),
    **_labels("recommendation", "suggested fix, suggestion, proposed fix, proposal, next step, next steps"),
    **_labels("investigation", "investigation, investigated, analysis, diagnosis"),
    **_labels("investigation", "evidence, reproduction, steps to reproduce, proof of concept, poc, example", True),
    **_labels("investigation", "code, current code, vulnerable code", True),
    **_labels("verification", "verification, verified, validation, test, tested, testing"),
    **_labels("takeaway", "lesson, takeaway, lesson learned, advice"),
    **_labels("takeaway", "note, notes", True),
    **_labels("commits", "commit, commits, fix commit, fix commits, fixed in"),
    **_labels("severity", "severity, sev, priority, risk level, criticality"),
    **_labels("status", "status, state"),
    **_labels("discovery", "discovery, discovered, found"),
    **_labels("duration", "duration, lasted, since"),
    **_labels("components", "component, components, affected, service, services, affected service, module"),
    **_labels("paths", "file, files, path, paths, location, locations, affected file, affected files"),
    **_labels("lines", "line, lines, line number, line numbers"),
    **_labels("tags", "category, categories, type, area, tags, owasp, cwe, classification"),
}
"""A finding's fields by the label of a line (bold or not, colon inside or after the bold)."""


def section_kind(heading: str) -> str | None:
    """The kind of section a heading opens ('Remaining Non-Blocking Items' -> remaining), if known."""
    text = words(heading)
    for kind, names in SECTION_WORDS:
        if any(re.search(rf"\b{re.escape(name)}", text) for name in names):
            return kind
    return None


def finding_label(key: str | None) -> Label | None:
    return FINDING_LABELS.get(words(key)) if key else None


_GROUP_FILLER = frozenset(
    [
        "issues",
        "issue",
        "findings",
        "finding",
        "problems",
        "items",
        "priority",
        "severity",
        "risk",
        "risks",
        "vulnerabilities",
        "bugs",
        "total",
    ]
)
_STRENGTH = re.compile(
    r"\bstrengths?\b|\bno (?:issues?|problems|findings|vulnerabilities) (?:found|detected)\b"
    r"|(?:[\u2713\u2714\u2705]\ufe0f?\s*|\b)(?:strong|excellent|solid|pass|passed|good|ok)\s*$",
    re.I,
)
_NO_ISSUE = re.compile(
    r"\bno (?:issues?|problems?|findings?|vulnerabilit\w+)(?: (?:found|detected|identified))?\b", re.I
)


def group_severity(heading: str) -> str | None:
    """The severity a heading that only groups findings names ('CRITICAL ISSUES (7)', 'Medium (2)', '🔴 High')."""
    text = words(heading)
    rest = [w for w in text.split() if w not in _GROUP_FILLER and not w.isdigit()]
    found = values.severity(" ".join(rest)) if len(rest) == 1 else None
    return found or (values.severity_mark(heading) if not rest else None)


def is_strength(heading: str) -> bool:
    """A heading that praises rather than finds ('1.2 Auth ✓ STRONG', 'No issues found')."""
    return bool(_STRENGTH.search(unbold(heading)))


def says_no_issue(text: str) -> bool:
    """A line that says the check found nothing ('**Status:** ✅ No issues found')."""
    return bool(_NO_ISSUE.search(text))


@dataclass(frozen=True)
class Head:
    """A heading read as one finding: its number or ID, title, and the marks around the title."""

    ref: str | None
    title: str
    severity: str | None = None
    severity_word: str | None = None
    status: str | None = None


_SEVERITY = r"critical|high|medium|moderate|low|info|informational|minor|major|p[0-4]|sev[- ]?[0-5]"
_SEP = r"\s*(?:[-\u2013\u2014:.)]\s*|\s)"
_SHAPES = (
    # "Issue 1.1.2 - Title", "Issue 1.1.1: Title", "Finding 3: Title", "Issue #12 Title"
    re.compile(
        r"^(?:issue|finding|bug|problem|vulnerability|vuln|defect|observation)\s*#?\s*(\d+(?:\.\d+)*[a-z]?)"
        + _SEP
        + r"(.+)$",
        re.I,
    ),
    # "CRITICAL - 1: Title", "HIGH-2: Title"
    re.compile(rf"^((?:{_SEVERITY})\s*[-\u2013\u2014#]?\s*\d+){_SEP}(.+)$", re.I),
    # "GW-01: Title", "[SEC-001] Title", "F-1 — Title"
    re.compile(r"^\[?([A-Z][A-Z0-9]{0,9}-\d+[A-Z]?)\]?" + _SEP + r"(.+)$"),
    # "3. Title", "1.2 Title", "#12 Title"
    re.compile(r"^#?(\d+(?:\.\d+)*)[.):]?\s+(.+)$"),
)
_PREFIX_SEVERITY = re.compile(rf"^\[({_SEVERITY})\]\s*(.+)$", re.I)
_SUFFIX_SEVERITY = re.compile(
    rf"^(.+?)\s*(?:\[({_SEVERITY})\]|\(({_SEVERITY})\)|[-\u2013\u2014]\s+({_SEVERITY}))$", re.I
)
_BADGE = re.compile(r"\s*!\[([^\]]*)\]\(([^)]*)\)")
_SUFFIX_STATUS = re.compile(r"^(.+?)\s*(?:[-\u2013\u2014]\s*)?([\u2705\u2713\u2714\u274c]\ufe0f?\s*\w*(?: \w+)?)$")
_LEADING_MARK = re.compile(
    r"^([\U0001f534\U0001f7e0\U0001f7e1\U0001f7e2\U0001f535\u2757]|\u26a0\ufe0f?|\u203c\ufe0f)\s*"
)


def ref_key(ref: str) -> str:
    """A finding reference compared loosely: 'CRITICAL - 1' and 'critical-1' and 'CRITICAL-1' match."""
    return re.sub(r"[\s#\u2013\u2014-]+", "-", ref.strip().lower()).lstrip("0") or "0"


def finding_head(heading: str) -> Head | None:
    """The finding a heading names, when it is numbered or has an ID in front; None otherwise.

    Severity comes from a prefix ('CRITICAL - 1', '[P3]'), a suffix ('(CRITICAL)', '[HIGH]',
    '— LOW'), a badge image or an emoji; a status mark at the end ('✅ FIXED') is read too.
    """
    text = unbold(heading).strip()
    mark_word: str | None = None
    leading = _LEADING_MARK.match(text)
    if leading:
        mark_word, text = leading.group(1), text[leading.end() :]
    for shape in _SHAPES:
        match = shape.match(text)
        if match:
            ref, title = match.group(1), match.group(2)
            break
    else:
        return None
    return _marks(ref, title, mark_word)


def plain_head(heading: str) -> Head:
    """A heading without a number read as a finding's title, with its marks taken off."""
    text = unbold(heading).strip()
    leading = _LEADING_MARK.match(text)
    return _marks(None, text[leading.end() :] if leading else text, leading.group(1) if leading else None)


def _marks(ref: str | None, title: str, mark: str | None) -> Head:
    severity = word = None
    for badge in _BADGE.finditer(title):
        found = values.severity(re.sub(r"[/_.:-]", " ", f"{badge.group(1)} {badge.group(2)}"))
        if found and severity is None:
            severity = word = found
    title = _BADGE.sub("", title).strip()
    status = None
    suffix_status = _SUFFIX_STATUS.match(title)
    if suffix_status and values.status(suffix_status.group(2)):
        status, title = values.status(suffix_status.group(2)), suffix_status.group(1)
    leading = _LEADING_MARK.match(title)
    if leading:
        mark, title = mark or leading.group(1), title[leading.end() :]
    prefix, suffix = _PREFIX_SEVERITY.match(title), _SUFFIX_SEVERITY.match(title)
    if prefix:
        word, title = prefix.group(1), prefix.group(2)
    elif suffix:
        word, title = next(g for g in suffix.groups()[1:] if g), suffix.group(1)
    elif (
        ref and ref[0].isalpha() and re.fullmatch(_SEVERITY, ref_word := re.split(r"[\s#\u2013\u2014-]", ref)[0], re.I)
    ):
        word = ref_word
    if word and severity is None:
        severity = values.severity(word)
    if severity is None and mark:
        severity, word = values.severity_mark(mark), mark
    return Head(ref, title.strip(" -\u2013\u2014:"), severity, word, status)
