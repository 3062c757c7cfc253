"""The record kinds: one pydantic model each, the single source of the schema.

Validation, the JSON Schema editors use (`kb schema`) and the record-format
documentation are all derived from these classes and their field descriptions.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kb.records.refs import COMMIT_REF_PATTERN, ID_PATTERN
from kb.store.layout import FOLDERS

RecordId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
CommitRefText = Annotated[str, StringConstraints(pattern=COMMIT_REF_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1)]


class Severity(StrEnum):
    """How bad a finding is."""

    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"


class Discovery(StrEnum):
    """How a finding came to light."""

    planned = "planned"
    during_audit = "during-audit"
    incident = "incident"


class FindingStatus(StrEnum):
    open = "open"
    mitigated = "mitigated"
    resolved = "resolved"
    wontfix = "wontfix"


class ActionStatus(StrEnum):
    open = "open"
    done = "done"
    dropped = "dropped"


class Priority(StrEnum):
    p1 = "P1"
    p2 = "P2"
    p3 = "P3"
    p4 = "P4"


class Impact(StrEnum):
    """What leaving an item undone costs, in the seed report's own words."""

    outage = "outage"
    degraded = "degraded"
    non_functional = "non-functional"
    low = "low"
    cosmetic = "cosmetic"
    expected = "expected"
    intentional = "intentional"
    placeholder = "placeholder"


class Outcome(StrEnum):
    green = "GREEN"
    yellow = "YELLOW"
    red = "RED"


class SyncStatus(StrEnum):
    synced = "Synced"
    out_of_sync = "OutOfSync"
    unknown = "Unknown"


class HealthStatus(StrEnum):
    healthy = "Healthy"
    progressing = "Progressing"
    degraded = "Degraded"
    suspended = "Suspended"
    missing = "Missing"
    unknown = "Unknown"


class Strict(BaseModel):
    """Base for every model: unknown fields are errors, values are not coerced silently."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False, frozen=True, defer_build=True)


class Stored(Strict):
    """A model stored as one file of its own, in its kind's folder."""

    kind: ClassVar[str]
    folder: ClassVar[str]


class Record(Stored):
    """Fields every record kind with an ID shares."""

    prefix: ClassVar[str]

    id: RecordId = Field(description="Stable ID, also the file name: kind prefix, slug, random suffix.")
    tags: list[Text] = Field(default_factory=list, description="Free-form labels for search and the tag index.")
    imported_from: str | None = Field(
        default=None, description="Where this record was transcribed or imported from (file:line)."
    )
    allow_secrets: list[Text] = Field(
        default_factory=list,
        description="Exact strings the secret scan may let through in this record (known false positives).",
    )

    @property
    def title_text(self) -> str:
        """The one-line name shown in lists and search results."""
        return str(getattr(self, "title", self.id))


# --- audit -------------------------------------------------------------------------


class Scope(Strict):
    description: Text = Field(description="What was audited, in words.")
    cluster: str | None = Field(default=None, description="Cluster distribution, e.g. k3s.")
    gitops: str | None = Field(default=None, description="GitOps controller, e.g. ArgoCD.")
    nodes: int | None = Field(default=None, ge=0, description="Number of nodes in scope.")
    namespaces: int | None = Field(default=None, ge=0, description="Number of namespaces in scope.")
    domains: int | None = Field(default=None, ge=0, description="Number of public domains or routes in scope.")
    apps: int | None = Field(default=None, ge=0, description="Number of GitOps applications in scope.")


class Cleanup(Strict):
    action: Text = Field(description="What was cleaned up.")
    targets: list[Text] = Field(default_factory=list, description="The objects removed, if listed.")


class DocUpdate(Strict):
    path: Text = Field(description="The document's path in its repository.")
    changes: Text = Field(description="What changed in it.")


class Audit(Record):
    """One audit session or incident review, as one report."""

    kind = "audit"
    prefix = "AUD"
    folder = FOLDERS["audit"]

    title: Text = Field(description="Title of the audit report.")
    started: dt.date = Field(description="First day of the session.")
    ended: dt.date | None = Field(default=None, description="Last day of the session, if it ran past one day.")
    trigger: Text | None = Field(default=None, description="Why the audit was run, if the report says.")
    scope: Scope | None = Field(default=None, description="What was audited, with counts, if the report says.")
    outcome: Outcome | None = Field(default=None, description="Overall state at the end: GREEN, YELLOW or RED.")
    summary: str | None = Field(default=None, description="The result in a sentence or two.")
    readiness: int | None = Field(default=None, ge=0, le=100, description="Production readiness, percent.")
    cleanup: list[Cleanup] = Field(default_factory=list, description="Cleanup done during the session.")
    documentation: list[DocUpdate] = Field(default_factory=list, description="Documents updated by the session.")
    commits: list[CommitRefText] = Field(
        default_factory=list, description="The session's commits, newest first: HASH or REPO@HASH."
    )
    remaining: list[RecordId] = Field(
        default_factory=list, description="Action IDs left as non-blocking items, in report order."
    )
    pickup: list[RecordId] = Field(
        default_factory=list, description="Action IDs handed to the next session, in report order."
    )
    notes: list[Text] = Field(default_factory=list, description="Anything the report says that has no field.")

    @property
    def last_day(self) -> dt.date:
        return self.ended or self.started


# --- finding -----------------------------------------------------------------------


class Finding(Record):
    """One problem found during an audit."""

    kind = "finding"
    prefix = "F"
    folder = FOLDERS["finding"]

    audit: RecordId = Field(description="ID of the audit that found it.")
    title: Text = Field(description="Short name of the problem.")
    context: str | None = Field(default=None, description="Qualifier shown after the title in brackets.")
    severity: Severity | None = Field(
        default=None, description="critical, high, medium, low or info; unset if unrated."
    )
    discovery: Discovery = Field(
        default=Discovery.planned, description="planned check, during-audit discovery, or incident."
    )
    status: FindingStatus = Field(default=FindingStatus.open, description="open, mitigated, resolved or wontfix.")
    components: list[Text] = Field(default_factory=list, description="Affected services, apps or nodes.")
    paths: list[Text] = Field(default_factory=list, description="Files or paths involved, where known.")
    duration: str | None = Field(default=None, description="How long it had lasted when found ('2+ days').")
    started: dt.date | None = Field(default=None, description="When the problem began, if known.")
    found: dt.date | None = Field(default=None, description="When it was found; defaults to the audit's start.")
    resolved: dt.date | None = Field(default=None, description="When it was resolved; defaults to the audit's end.")
    symptom: str | None = Field(default=None, description="What was observed.")
    root_cause: str | None = Field(default=None, description="Why it happened.")
    fix: str | None = Field(default=None, description="What was changed to fix it.")
    investigation: str | None = Field(default=None, description="What was checked along the way.")
    verification: str | None = Field(default=None, description="How the fix was shown to work.")
    takeaway: str | None = Field(default=None, description="Advice noted with the finding itself.")
    commits: list[CommitRefText] = Field(default_factory=list, description="Fix commits: HASH or REPO@HASH.")
    recurrence_of: RecordId | None = Field(default=None, description="ID of an earlier finding this repeats.")
    notes: list[Text] = Field(
        default_factory=list, description="Dated remarks, e.g. how it was resolved (`kb resolve --note`)."
    )


# --- commit ------------------------------------------------------------------------


class Commit(Stored):
    """A real git commit, stored so the docs render without the repository at hand."""

    kind = "commit"
    folder = FOLDERS["commit"]

    repo: str | None = Field(default=None, description="Repository name from kb.toml; unset means the default.")
    hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{7,40}$")] = Field(
        description="Commit hash, full once `kb link` has resolved it."
    )
    subject: Text = Field(description="First line of the commit message.")
    author: str | None = Field(default=None, description="Author name, filled in from git.")
    date: dt.datetime | dt.date | None = Field(default=None, description="Authored date, filled in from git.")
    files: list[Text] = Field(default_factory=list, description="Files changed, filled in from git.")
    tags: list[Text] = Field(default_factory=list, description="Free-form labels.")
    records: list[RecordId] = Field(
        default_factory=list,
        description="IDs of records the commit message names in a trailer (`Finding: <id>`), filled in by `kb link`.",
    )
    reverted_by: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{7,40}$")] | None = Field(
        default=None, description="Hash of a later commit that reverts this one, filled in by `kb link`."
    )
    imported_from: str | None = Field(
        default=None, description="Where this commit was first listed, if imported from a report (file:line)."
    )

    @property
    def ref(self) -> str:
        return f"{self.repo}@{self.hash}" if self.repo else self.hash

    @property
    def title_text(self) -> str:
        return self.subject


# --- lesson ------------------------------------------------------------------------


class Confirmation(Strict):
    audit: RecordId = Field(description="ID of the later audit that saw the lesson hold again.")
    note: str | None = Field(default=None, description="What happened that time.")


class Lesson(Record):
    """A reusable rule learned the hard way."""

    kind = "lesson"
    prefix = "L"
    folder = FOLDERS["lesson"]

    title: Text = Field(description="The topic, in a few words.")
    rule: Text = Field(description="The rule itself, as an instruction.")
    detail: str | None = Field(default=None, description="Why, or the evidence that taught it.")
    audit: RecordId | None = Field(default=None, description="ID of the audit that taught it.")
    findings: list[RecordId] = Field(default_factory=list, description="IDs of the findings it came from.")
    actions: list[RecordId] = Field(default_factory=list, description="IDs of actions it concerns.")
    confirmed: list[Confirmation] = Field(default_factory=list, description="Later audits that confirmed it.")
    agent: bool | None = Field(
        default=None, description="false keeps it out of the agent context (agents.md.j2); unset lists it."
    )


# --- action ------------------------------------------------------------------------


class ActionSource(Strict):
    audit: RecordId = Field(description="ID of the audit that raised it.")
    finding: RecordId | None = Field(default=None, description="ID of the finding it follows from, if any.")


class Handover(Strict):
    title: Text = Field(description="Headline of the pickup point for the next session.")
    text: Text = Field(description="What the next session should do.")


class Evidence(Strict):
    commit: CommitRefText | None = Field(default=None, description="The commit that did it.")
    note: str | None = Field(default=None, description="Why it is closed, in words.")


class Action(Record):
    """A follow-up: a remaining item or a pickup point for the next session."""

    kind = "action"
    prefix = "ACT"
    folder = FOLDERS["action"]

    title: Text = Field(description="The item, as listed.")
    todo: Text = Field(description="What has to be done.")
    impact: Impact | None = Field(default=None, description="Cost of leaving it undone.")
    priority: Priority | None = Field(default=None, description="P1 (first) to P4; unset sorts last.")
    status: ActionStatus = Field(default=ActionStatus.open, description="open, done or dropped.")
    owner: str | None = Field(default=None, description="Who has it.")
    due: dt.date | None = Field(default=None, description="When it is due.")
    opened: dt.date | None = Field(default=None, description="When it was raised; defaults to its audit's end.")
    closed: dt.date | None = Field(default=None, description="When it was closed.")
    evidence: Evidence | None = Field(default=None, description="What shows it is done (a commit or a note).")
    handover: Handover | None = Field(default=None, description="Its wording in the next-session pickup list.")
    source: ActionSource = Field(description="Where it came from: an audit, maybe a finding.")
    notes: list[Text] = Field(
        default_factory=list, description="Dated remarks, e.g. why it was reopened and how it had been closed."
    )


# --- snapshot ----------------------------------------------------------------------


class Node(Strict):
    name: Text
    ip: str | None = None
    role: Text = Field(description="control-plane or worker.")
    purpose: str | None = Field(default=None, description="What the node is for, e.g. builder.")
    version: str | None = Field(default=None, description="Kubelet or distribution version.")
    cpu: str | None = Field(default=None, description="CPU use as measured, e.g. 5%.")
    memory: str | None = Field(default=None, description="Memory use as measured, e.g. 33% (21GB/64GB).")
    status: str | None = Field(default=None, description="Ready, NotReady, ...")
    cpu_capacity: str | None = Field(default=None, description="CPUs the node has, as kubectl reports them, e.g. 8.")
    memory_capacity: str | None = Field(default=None, description="Memory the node has, e.g. 62.8Gi.")


class Application(Strict):
    name: Text
    sync: SyncStatus
    health: HealthStatus
    note: str | None = None


class DomainGroup(Strict):
    count: int = Field(ge=0, description="How many routes answered this way.")
    status: Text = Field(description="HTTP status seen, e.g. '200 OK' or '302/307 redirect'.")
    note: str | None = Field(default=None, description="Why, and whether it is expected.")


class Domains(Strict):
    total: int = Field(ge=0, description="Routes checked.")
    summary: str | None = Field(default=None, description="The verdict in a line.")
    groups: list[DomainGroup] = Field(default_factory=list, description="Routes grouped by response.")


class Image(Strict):
    service: Text
    namespace: Text
    image: Text
    tag_strategy: Text = Field(description="How the tag is chosen: digest-pinned, :latest, commit SHA, fixed, ...")


class Volume(Strict):
    name: Text
    namespace: Text
    size: Text
    storage_class: Text
    status: Text
    note: str | None = None


class Namespace(Strict):
    name: Text
    note: str | None = None


class Service(Strict):
    name: Text
    namespace: Text
    type: str | None = None
    note: str | None = None


class Route(Strict):
    host: Text
    service: Text = Field(description="Where the route sends traffic, e.g. http://svc:80 or http_status:503.")
    note: str | None = None


class HostContainer(Strict):
    host: Text
    name: Text
    image: Text
    note: str | None = None


class Snapshot(Record):
    """The measured state of the infrastructure at one audit."""

    kind = "snapshot"
    prefix = "SNAP"
    folder = FOLDERS["snapshot"]

    audit: RecordId = Field(description="ID of the audit that measured it.")
    taken: dt.date = Field(description="When it was measured.")
    title: str | None = Field(default=None, description="Optional name; defaults to the audit's.")
    nodes: list[Node] = Field(default_factory=list)
    pods: dict[str, int] = Field(default_factory=dict, description="Pod counts by phase or waiting reason.")
    applications: list[Application] = Field(default_factory=list, description="GitOps applications.")
    domains: Domains | None = None
    images: list[Image] = Field(default_factory=list)
    volumes: list[Volume] = Field(default_factory=list)
    namespaces: list[Namespace] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list, description="Tunnel or ingress routes.")
    host_containers: list[HostContainer] = Field(default_factory=list, description="Containers run outside k8s.")


KINDS: dict[str, type[Stored]] = {
    "audit": Audit,
    "finding": Finding,
    "commit": Commit,
    "lesson": Lesson,
    "action": Action,
    "snapshot": Snapshot,
}
"""Every record kind by name, in the order documentation lists them."""

KIND_NAME = Literal["audit", "finding", "commit", "lesson", "action", "snapshot"]
