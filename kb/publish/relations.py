"""Who points at whom: the reverse links every site page needs, computed once in one pass.

Records name their targets (a finding its audit, a lesson its findings, an action its source);
the site also shows the other direction (an audit's findings, a finding's lessons and actions).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kb.records.models import Action, Audit, Commit, Finding, Lesson, Record
from kb.records.refs import CommitRef
from kb.store.loader import KnowledgeBase

PAGE_FOLDERS = {"audit": "audits", "finding": "findings", "lesson": "lessons", "action": "actions"}
"""Record kinds that get a page of their own, and the site folder holding their pages."""


def page_path(record: Record) -> str:
    """Where a record's page lives in the generated docs, e.g. `findings/F-x-1a2b3.md`."""
    return f"{PAGE_FOLDERS[record.kind]}/{record.id}.md"


@dataclass
class Relations:
    """Reverse links and lookups over one loaded knowledge base."""

    kb: KnowledgeBase
    by_id: dict[str, Record] = field(default_factory=dict)
    findings_of_audit: dict[str, list[Finding]] = field(default_factory=lambda: defaultdict(list))
    actions_of_audit: dict[str, list[Action]] = field(default_factory=lambda: defaultdict(list))
    lessons_of_audit: dict[str, list[Lesson]] = field(default_factory=lambda: defaultdict(list))
    lessons_of_finding: dict[str, list[Lesson]] = field(default_factory=lambda: defaultdict(list))
    actions_of_finding: dict[str, list[Action]] = field(default_factory=lambda: defaultdict(list))
    lessons_of_action: dict[str, list[Lesson]] = field(default_factory=lambda: defaultdict(list))
    citers_of_commit: dict[int, list[Record]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, kb: KnowledgeBase) -> Relations:
        rel = cls(kb, kb.by_id())
        for finding in kb.findings:
            rel.findings_of_audit[finding.audit].append(finding)
            rel._cite(finding, finding.commits)
        for lesson in kb.lessons:
            findings = [f for f in map(rel.finding, lesson.findings) if f is not None]
            audits = {lesson.audit} | {f.audit for f in findings}
            for audit_id in sorted(a for a in audits if a):
                rel.lessons_of_audit[audit_id].append(lesson)
            for finding_id in lesson.findings:
                rel.lessons_of_finding[finding_id].append(lesson)
            for action_id in lesson.actions:
                rel.lessons_of_action[action_id].append(lesson)
        for action in kb.actions:
            rel.actions_of_audit[action.source.audit].append(action)
            if action.source.finding:
                rel.actions_of_finding[action.source.finding].append(action)
            if action.evidence and action.evidence.commit:
                rel._cite(action, [action.evidence.commit])
        for audit in kb.audits:
            rel._cite(audit, audit.commits)
        return rel

    def _cite(self, record: Record, refs: list[str]) -> None:
        for text in refs:
            commit = self.kb.commit(CommitRef.parse(text))
            if commit is not None:
                self.citers_of_commit[id(commit)].append(record)

    def audit(self, record_id: str | None) -> Audit | None:
        found = self.by_id.get(record_id) if record_id else None
        return found if isinstance(found, Audit) else None

    def finding(self, record_id: str | None) -> Finding | None:
        found = self.by_id.get(record_id) if record_id else None
        return found if isinstance(found, Finding) else None

    def commits(self, refs: list[str]) -> list[tuple[str, Commit | None]]:
        """Each cited reference with its stored commit, when there is one."""
        return [(text, self.kb.commit(CommitRef.parse(text))) for text in refs]

    def citers(self, commit: Commit) -> list[Record]:
        return self.citers_of_commit.get(id(commit), [])
