"""Closing records: actions closed and reopened, findings resolved.

Each writes only the keys it changes into the person's own file, deciding them from the record as
it is under the file's lock (see `kb.author.changing`): a status, a date, the evidence and a
dated note, so of two closes of one action at once one is confirmed and the other refused. A
commit named as evidence is looked up in its repository when that repository is at hand, so a
mistyped hash is refused before it is written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kb.author.changing import Changed, ChangeError, change, find_file
from kb.records.models import Action, ActionStatus, Finding, FindingStatus, Stored
from kb.records.refs import CommitRef
from kb.store.catalog import Catalog
from kb.store.config import Config


class NeedsEvidence(ChangeError):
    """Closing without a commit or a note: a usage error."""


def find_action(config: Config, ident: str) -> Path:
    """The file of the action `ident` names: its full ID, or a prefix only one action has."""
    return find_file(config, ident, ("action",))[1]


def check_commit(config: Config, text: str) -> None:
    """ChangeError unless `text` is a commit reference naming a known repository and, when that
    repository is at hand, a commit in it."""
    try:
        ref = CommitRef.parse(text)
    except ValueError as err:
        raise ChangeError(str(err)) from None
    if ref.repo is not None and config.repository(ref.repo) is None:
        raise ChangeError(f"no repository named {ref.repo!r} in kb.toml")
    if config.repository(ref.repo) is not None:
        from kb.gitlink.verify import commit_problem  # GitPython only when there is a repository to ask

        problem = commit_problem(config, ref)
        if problem:
            raise ChangeError(problem)


def close(
    config: Config,
    ident: str,
    day: dt.date,
    commit: str | None = None,
    note: str | None = None,
    status: ActionStatus = ActionStatus.done,
) -> Changed:
    """Mark an action done (or dropped) on `day`, with a commit or a note as evidence."""
    if not commit and not note:
        raise NeedsEvidence("closing needs evidence: --commit HASH (the commit that did it) or --note TEXT (why)")
    if commit:
        check_commit(config, commit)
    evidence = {key: value for key, value in (("commit", commit), ("note", note)) if value}

    def decide(action: Stored, text: str) -> dict[str, object]:
        assert isinstance(action, Action)
        if action.status is not ActionStatus.open:
            since = f" since {action.closed}" if action.closed else ""
            raise ChangeError(f"{action.id} is already {action.status.value}{since}; `kb reopen {action.id}` first")
        return {"status": status.value, "closed": day, "evidence": evidence}

    return change(config, "action", find_action(config, ident), decide)


def reopen(config: Config, ident: str, day: dt.date, note: str | None = None) -> Changed:
    """Mark an action open again; how it had been closed is kept in its notes."""

    def decide(action: Stored, text: str) -> dict[str, object]:
        assert isinstance(action, Action)
        if action.status is ActionStatus.open:
            raise ChangeError(f"{action.id} is already open")
        was = f"was {action.status.value}" + (f" on {action.closed}" if action.closed else "")
        if action.evidence and action.evidence.commit:
            was += f", commit {action.evidence.commit}"
        if action.evidence and action.evidence.note:
            was += f", note: {action.evidence.note}"
        remark = f"{day}: reopened" + (f": {note}" if note else "") + f" ({was})"
        return {"status": ActionStatus.open.value, "closed": None, "evidence": None, "notes": [*action.notes, remark]}

    return change(config, "action", find_action(config, ident), decide)


RESOLVED = (FindingStatus.resolved, FindingStatus.mitigated, FindingStatus.wontfix)
"""What `kb resolve` can make of a finding."""


def resolve(
    config: Config,
    ident: str,
    day: dt.date,
    commit: str | None = None,
    note: str | None = None,
    status: FindingStatus = FindingStatus.resolved,
) -> Changed:
    """Mark a finding resolved (or mitigated, or wontfix) on `day`: the status, the `resolved`
    date (resolved only), a fix commit added to its `commits`, a dated line in its `notes`."""
    if status not in RESOLVED:
        raise ChangeError(f"a finding is resolved as one of {', '.join(s.value for s in RESOLVED)}, not {status.value}")
    if commit:
        check_commit(config, commit)
    fix = CommitRef.parse(commit) if commit else None

    def decide(finding: Stored, text: str) -> dict[str, object]:
        assert isinstance(finding, Finding)
        if finding.status is status:
            raise ChangeError(f"{finding.id} is already {status.value}; `kb set {finding.id} status=open` to reopen it")
        changes: dict[str, object] = {"status": status.value}
        if status is FindingStatus.resolved:
            changes["resolved"] = day
        if fix and not any(CommitRef.parse(c).matches(fix) for c in finding.commits):
            changes["commits"] = [*finding.commits, commit]
        if note:
            changes["notes"] = [*finding.notes, f"{day}: {status.value}: {note}"]
        return changes

    return change(config, "finding", find_file(config, ident, ("finding",))[1], decide)


def open_actions_of(config: Config, finding: str, catalog: Catalog | None = None) -> list[str]:
    """The IDs of the open actions that follow from `finding`."""
    found = []
    for action in (catalog or Catalog(config)).read("action"):
        source = action.data.get("source")
        follows = isinstance(source, dict) and source.get("finding") == finding
        if follows and action.text("status") in ("", ActionStatus.open.value):
            found.append(action.id)
    return found


def finding_left_without_actions(config: Config, action: Action) -> str | None:
    """The finding `action` follows from, when it is still open or mitigated and none of its
    actions is open any more (so closing this one was the last): its ID, else None."""
    finding = action.source.finding
    if finding is None:
        return None
    catalog = Catalog(config)
    found = next((f for f in catalog.findings if f.id == finding), None)
    if found is None or found.text("status") in (FindingStatus.resolved.value, FindingStatus.wontfix.value):
        return None
    return None if open_actions_of(config, finding, catalog) else finding
