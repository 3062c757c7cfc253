"""The site's Markdown pages, generated from the records through `templates/site/*.md.j2`.

One page per audit, finding, lesson and action, an index page per kind, a commit index, a tag
index, a documents page and the home dashboard. Data is sorted and shaped here so templates
stay declarative; record text reaches a page only through the `md`, `cell` and `mdlink`
filters, and front matter is written by a YAML dumper.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import jinja2
import yaml

from kb.publish.charts import bar_chart
from kb.publish.relations import Relations, page_path
from kb.records.models import Action, ActionStatus, Audit, Finding, Lesson, Priority, Record, Severity
from kb.rendering.htmlcheck import check_pages
from kb.report import figures as kbstats
from kb.store.layout import mkdocs_file
from kb.store.loader import KnowledgeBase

INDEX_PAGES = {
    "index.md": "site/home.md.j2",
    "audits/index.md": "site/audits.md.j2",
    "findings/index.md": "site/findings.md.j2",
    "lessons/index.md": "site/lessons.md.j2",
    "actions/index.md": "site/actions.md.j2",
    "commits.md": "site/commits.md.j2",
    "tags.md": "site/tags.md.j2",
    "documents.md": "site/documents.md.j2",
}
"""The pages the sidebar lists (mkdocs.yml's nav); records are reached through them."""

RECENT_AUDITS = 10
DASHBOARD_ACTIONS = 20
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's safe dumper when present: same output, faster
_SEVERITY_ORDER = [*Severity, None]
_PRIORITY_ORDER = [*Priority, None]


def html_text(value: object) -> str:
    """Record text for a place the theme prints as raw HTML (page titles, tag names): one line, escaped."""
    return html.escape(" ".join(str(value).split()), quote=True)


def front_matter(title: str | None, tags: Iterable[str] = ()) -> str:
    """A page's YAML front matter: title and tags for the theme, and no indexing by Material's search.

    Record pages and rendered documents get kb's own search entries (`kb.publish.searchindex`);
    index pages only repeat what record pages hold. Without `title`, the theme takes the page's heading.
    """
    meta: dict[str, Any] = {} if title is None else {"title": html_text(title)}
    tag_list = [html_text(tag) for tag in tags]
    if tag_list:
        meta["tags"] = tag_list
    meta["search"] = {"exclude": True}
    dumped = yaml.dump(meta, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=1_000_000)
    return f"---\n{dumped}---\n\n"


class Pages:
    """Renders every page of one knowledge base with one template environment."""

    def __init__(self, kb: KnowledgeBase, env: jinja2.Environment, today: dt.date | None = None) -> None:
        self.kb = kb
        self.env = env
        self.templates: dict[str, jinja2.Template] = {}
        self.rel = Relations.of(kb)
        self.stats = kbstats.compute(kb, today)
        self.audits = {a.id: a for a in kb.audits}

    def _render(self, name: str, **context: Any) -> str:
        template = self.templates.get(name)
        if template is None:  # looked up once: get_template checks the file's age on every call
            template = self.templates[name] = self.env.get_template(name)
        return template.render(path=page_path, **context)

    def _found(self, finding: Finding) -> dt.date | None:
        return kbstats.found_on(finding, self.audits.get(finding.audit))

    def _opened(self, action: Action) -> dt.date | None:
        return kbstats.opened_on(action, self.audits.get(action.source.audit))

    # --- one page per record -----------------------------------------------------------

    def finding(self, f: Finding) -> str:
        audit = self.rel.audit(f.audit)
        fields = ("symptom", "root_cause", "fix", "investigation", "verification", "takeaway")
        sections = [(name.replace("_", " ").capitalize(), getattr(f, name)) for name in fields if getattr(f, name)]
        sections += [("Notes", "\n\n".join(f.notes))] if f.notes else []
        body = self._render(
            "site/finding.md.j2",
            f=f,
            audit=audit,
            found=self._found(f),
            resolved=kbstats.resolved_on(f, audit),
            sections=sections,
            recurrence=self.rel.finding(f.recurrence_of),
            commits=self.rel.commits(f.commits),
            lessons=self.rel.lessons_of_finding.get(f.id, []),
            actions=self.rel.actions_of_finding.get(f.id, []),
        )
        return front_matter(f.title, f.tags) + body

    def lesson(self, lesson: Lesson) -> str:
        confirmed = [(self.rel.audit(c.audit), c.note) for c in lesson.confirmed]
        body = self._render(
            "site/lesson.md.j2",
            l=lesson,
            audit=self.rel.audit(lesson.audit),
            findings=[f for f in map(self.rel.finding, lesson.findings) if f],
            actions=[a for a in map(self.rel.by_id.get, lesson.actions) if isinstance(a, Action)],
            confirmed=[(audit, note) for audit, note in confirmed if audit],
        )
        return front_matter(lesson.title, lesson.tags) + body

    def action(self, action: Action) -> str:
        body = self._render(
            "site/action.md.j2",
            a=action,
            audit=self.rel.audit(action.source.audit),
            finding=self.rel.finding(action.source.finding),
            opened=self._opened(action),
            lessons=self.rel.lessons_of_action.get(action.id, []),
        )
        return front_matter(action.title, action.tags) + body

    def audit(self, audit: Audit, report: str | None) -> str:
        findings = sorted(
            self.rel.findings_of_audit.get(audit.id, []), key=lambda f: (_SEVERITY_ORDER.index(f.severity), f.id)
        )
        body = self._render(
            "site/audit.md.j2",
            a=audit,
            report=report,
            findings=findings,
            actions=self.rel.actions_of_audit.get(audit.id, []),
            lessons=self.rel.lessons_of_audit.get(audit.id, []),
            commits=self.rel.commits(audit.commits),
        )
        return front_matter(audit.title, audit.tags) + body

    # --- index pages ---------------------------------------------------------------------

    def _audits_newest(self) -> list[tuple[Audit, int]]:
        audits = sorted(self.kb.audits, key=lambda a: (a.started, a.id), reverse=True)
        return [(a, len(self.rel.findings_of_audit.get(a.id, []))) for a in audits]

    def _index(self, name: str, **context: Any) -> str:
        title = "Home" if name == "index.md" else PurePosixPath(name).stem.capitalize()
        if name.endswith("/index.md"):
            title = PurePosixPath(name).parent.name.capitalize()
        return front_matter(title) + self._render(INDEX_PAGES[name], **context)

    def home(self) -> str:
        s = self.stats
        charts = {
            "priority": bar_chart("Open actions by priority", s.open_by_priority),
            "severity": bar_chart("Findings by severity", s.severity),
            "resolve": bar_chart("Days from found to resolved", s.resolve_histogram),
        }
        actions = self.rel.by_id
        return self._index(
            "index.md",
            s=s,
            charts=charts,
            open_actions=[(row, actions[row.id]) for row in s.open_actions[:DASHBOARD_ACTIONS]],
            more_open=max(len(s.open_actions) - DASHBOARD_ACTIONS, 0),
            recent=self._audits_newest()[:RECENT_AUDITS],
        )

    def indexes(self, documents: list[tuple[str, str]]) -> dict[str, str]:
        """Every index page, by path."""
        findings = sorted(
            ((f, self._found(f)) for f in self.kb.findings),
            key=lambda pair: (-(pair[1] or dt.date.min).toordinal(), _SEVERITY_ORDER.index(pair[0].severity)),
        )
        actions = sorted(
            ((a, self._opened(a)) for a in self.kb.actions),
            key=lambda pair: (_PRIORITY_ORDER.index(pair[0].priority), (pair[1] or dt.date.max).toordinal()),
        )
        commits = sorted(self.kb.commits, key=lambda c: (str(c.date or ""), c.ref), reverse=True)
        return {
            "index.md": self.home(),
            "audits/index.md": self._index("audits/index.md", audits=self._audits_newest()),
            "findings/index.md": self._index("findings/index.md", findings=findings),
            "lessons/index.md": self._index("lessons/index.md", lessons=sorted(self.kb.lessons, key=lambda x: x.id)),
            "actions/index.md": self._index(
                "actions/index.md",
                open=[p for p in actions if p[0].status == ActionStatus.open],
                closed=[p for p in actions if p[0].status != ActionStatus.open],
            ),
            "commits.md": self._index("commits.md", commits=[(c, self.rel.citers(c)) for c in commits]),
            "tags.md": self._index("tags.md"),
            "documents.md": self._index("documents.md", documents=documents),
        }


def _report_paths(kb: KnowledgeBase, rendered: dict[str, str]) -> dict[str, str]:
    """Audit ID to the path of its rendered report, for the audits that have one."""
    templates = [o.path for o in kb.config.outputs if "{audit}" in o.path]
    return {a.id: path for a in kb.audits for path in (t.format(audit=a.id) for t in templates) if path in rendered}


def _document_title(path: str, text: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return PurePosixPath(path).stem


@dataclass(frozen=True)
class Site:
    """Every page of the site by docs path, the record each record page shows, the rendered documents."""

    pages: dict[str, str]
    records: dict[str, Record]
    documents: dict[str, str]
    """The rendered documents published as pages, by docs path, as `kb render` wrote them."""


def generate(
    kb: KnowledgeBase, env: jinja2.Environment, rendered: dict[str, str], today: dt.date | None = None
) -> Site:
    """Every page of the site, the rendered documents included at their own paths; Stopped (E604)
    if any would carry HTML outside the allow-list (kb/rendering/htmlcheck.py), before any is written."""
    pages = Pages(kb, env, today)
    reports = _report_paths(kb, rendered)
    unindexed = front_matter(None)  # kb writes their search entries (`kb.publish.searchindex.document`)
    out = {path: unindexed + text for path, text in rendered.items()}
    records: dict[str, Record] = {}
    renderers: list[tuple[list[Any], Any]] = [
        (kb.audits, lambda a: pages.audit(a, reports.get(a.id))),
        (kb.findings, pages.finding),
        (kb.lessons, pages.lesson),
        (kb.actions, pages.action),
    ]
    for records_of_kind, render in renderers:
        for record in records_of_kind:
            path = page_path(record)
            out[path] = render(record)
            records[path] = record
    report_set = set(reports.values())
    documents = [(_document_title(p, t), p) for p, t in sorted(rendered.items()) if p not in report_set]
    out.update(pages.indexes(documents))
    check_pages(kb, out, "site", mkdocs_file(kb.config.root))
    return Site(out, records, dict(rendered))
