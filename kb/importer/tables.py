"""Report tables mapped to record fields by their header names, in whatever column order.

A table's kind is told by its columns (a `Sync` or `Health` column makes it the applications
table wherever it sits), with the section heading breaking ties. Columns no field takes are
returned as notes, row by row, rather than dropped.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from kb.importer import values
from kb.importer.mdblocks import Table, unbold, words


class TableKind(StrEnum):
    findings = "findings"
    nodes = "nodes"
    applications = "applications"
    images = "images"
    volumes = "volumes"
    domains = "domains"
    remaining = "remaining"
    documentation = "documentation"
    commits = "commits"


COLUMNS: dict[TableKind, dict[str, tuple[str, ...]]] = {
    TableKind.findings: {
        "ref": ("#", "id", "no", "ref", "number", "issue #", "finding id", "issue id"),
        "title": ("issue", "finding", "title", "problem", "vulnerability", "bug", "description", "summary"),
        "paths": ("file", "files", "path", "location", "affected file", "affected files"),
        "lines": ("line", "lines"),
        "severity": ("severity", "sev", "risk", "criticality"),
        "tags": ("category", "type", "area"),
        "status": ("status", "state", "result"),
        "components": ("component", "components", "service", "affected service"),
        "root_cause": ("root cause", "cause"),
        "fix": ("fix", "resolution", "remediation"),
        "commits": ("commit", "commits", "fix commit"),
    },
    TableKind.nodes: {
        "name": ("node", "nodes", "hostname", "node name", "name"),
        "ip": ("ip", "ip address", "address", "internal ip"),
        "role": ("role", "roles"),
        "version": ("k3s", "k8s", "version", "kubelet", "kubelet version", "kubernetes", "k3s version"),
        "cpu": ("cpu", "cpu usage", "cpu use"),
        "memory": ("ram", "memory", "mem", "memory usage", "ram usage"),
        "status": ("status", "state", "ready"),
    },
    TableKind.applications: {
        "name": ("app", "application", "name", "argocd app", "apps"),
        "sync": ("sync", "sync status"),
        "health": ("health", "health status"),
        "note": ("notes", "note", "comment", "comments", "remarks"),
    },
    TableKind.images: {
        "service": ("service", "workload", "deployment", "name", "app"),
        "namespace": ("namespace", "ns"),
        "image": ("image", "image path", "repository"),
        "tag_strategy": ("tag strategy", "strategy", "tag", "tagging", "pinning", "tag policy"),
    },
    TableKind.volumes: {
        "name": ("pvc", "volume", "claim", "pvc name", "name"),
        "namespace": ("namespace", "ns"),
        "size": ("size", "capacity"),
        "storage_class": ("class", "storage class", "storageclass", "sc"),
        "status": ("status", "phase", "state"),
        "note": ("notes", "note", "comment"),
    },
    TableKind.domains: {
        "host": ("domain", "host", "route", "url", "hostname"),
        "status": ("status", "http status", "response", "code"),
        "note": ("notes", "note", "comment"),
    },
    TableKind.remaining: {
        "title": ("item", "issue", "follow-up", "followup", "title", "what", "open item"),
        "impact": ("impact",),
        "todo": ("action required", "action", "next step", "todo", "to do", "fix", "what to do", "task"),
        "priority": ("priority", "prio"),
        "owner": ("owner", "assignee", "who"),
        "due": ("due", "deadline", "due date"),
        "status": ("status", "state", "done"),
        "finding": ("finding", "issue #", "finding id", "related finding", "related issue", "ref", "refs"),
        "ref": ("#", "no", "id"),
    },
    TableKind.documentation: {
        "path": ("file", "path", "document", "doc", "files"),
        "changes": ("changes", "change", "what changed", "summary", "updates"),
    },
    TableKind.commits: {
        "hash": ("hash", "commit", "sha"),
        "subject": ("subject", "message", "description", "summary"),
    },
}
SIGNATURES: dict[TableKind, tuple[tuple[str, ...], ...]] = {
    # every inner tuple must have one field present
    TableKind.findings: (("title",), ("severity", "status", "paths", "tags", "root_cause")),
    TableKind.applications: (("sync", "health"),),
    TableKind.nodes: (("name",), ("role", "ip", "version", "cpu", "memory")),
    TableKind.volumes: (("size",), ("storage_class", "status")),
    TableKind.images: (("image",), ("tag_strategy", "service")),
    TableKind.domains: (("host",), ("status",)),
    TableKind.remaining: (("title", "todo"), ("impact", "todo")),
    TableKind.documentation: (("path",), ("changes",)),
    TableKind.commits: (("hash",), ("subject",)),
}
_SYNC = {"synced": "Synced", "outofsync": "OutOfSync", "unknown": "Unknown"}
_HEALTH = {h.lower(): h for h in ("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown")}


def columns(header: list[str], kind: TableKind) -> dict[int, str]:
    """Column index to field name: exact header names first, then the header's first words."""
    names = [words(cell) or cell.strip() for cell in header]
    found: dict[int, str] = {}
    for exact in (True, False):
        for field, aliases in COLUMNS[kind].items():
            if field in found.values():
                continue
            for index, name in enumerate(names):
                if index in found:
                    continue
                if name in aliases if exact else any(name.startswith(f"{a} ") for a in aliases):
                    found[index] = field
                    break
    return found


def classify(header: list[str], hint: str) -> TableKind | None:
    """The kind of a table from its header, preferring the kind its section suggests."""
    matches = []
    for kind, signature in SIGNATURES.items():
        fields = set(columns(header, kind).values())
        if all(fields & set(group) for group in signature):
            matches.append(kind)
    if hint in matches:
        return TableKind(hint)
    return matches[0] if matches else None


def _cell(field: str, text: str, kind: TableKind, data: dict[str, Any], extras: list[str]) -> None:
    text = unbold(text).strip()
    if field in ("name", "path", "hash", "namespace", "storage_class", "host"):
        text = text.replace("`", "")
    if kind is TableKind.nodes and field == "role":
        data["role"], purpose = values.bracketed(text)
        if purpose:
            data["purpose"] = purpose
    elif kind is TableKind.volumes and field == "status":
        data["status"], note = values.bracketed(text)
        if note:
            data["note"] = f"{data['note']}; {note}" if data.get("note") else note
    elif kind is TableKind.applications and field in ("sync", "health"):
        table = _SYNC if field == "sync" else _HEALTH
        data[field] = table.get(text.lower().replace(" ", "").replace("-", ""), text)
    elif kind is TableKind.remaining and field in ("impact", "priority", "status"):
        readers = {"impact": values.impact, "priority": values.priority, "status": values.action_status}
        mapped = readers[field](text)
        if mapped:
            data[field] = mapped
        else:
            extras.append(f"{field.capitalize()}={text}")
    elif kind is TableKind.findings and field != "title":
        _finding_cell(field, text, data, extras)
    else:
        data[field] = text


def _finding_cell(field: str, text: str, data: dict[str, Any], extras: list[str]) -> None:
    """A tracker row's cell: paths with their lines, severities and statuses on kb's scale, tags."""
    found: Any
    if field in ("ref", "lines", "root_cause", "fix"):
        found = text
    elif field == "paths":
        found = values.paths(text)
    elif field == "severity":
        found = values.severity(text) or values.severity_mark(text)
        data["severity_word"] = text
    elif field == "status":
        found = values.status(text)
    elif field == "tags":
        found = [values.slug(text)]
    elif field == "commits":
        found = values.hashes(text)
    else:
        found = [part.strip() for part in text.split(",") if part.strip()]
    if found:
        data[field] = found
    else:
        extras.append(f"{field.capitalize()}={text}")


def rows(table: Table, kind: TableKind) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, str]]]:
    """Each row as field data, plus notes for cells in columns no field takes."""
    mapping = columns(table.header, kind)
    mapped: list[tuple[int, dict[str, Any]]] = []
    notes: list[tuple[int, str]] = []
    for line, cells in table.rows:
        data: dict[str, Any] = {}
        extras: list[str] = []
        for index, text in enumerate(cells):
            if not text.strip():
                continue
            field = mapping.get(index)
            if field is None:
                header = table.header[index] if index < len(table.header) else f"column {index + 1}"
                extras.append(f"{unbold(header)}={text.strip()}")
            else:
                _cell(field, text, kind, data, extras)
        if data:
            mapped.append((line, data))
        if extras:
            first = cells[0].strip() if cells else ""
            notes.append((line, f"{unbold(first)}: {'; '.join(extras)}"))
    return mapped, notes
