"""A snapshot from what kubectl prints: `kubectl get nodes|pods|pvc|applications.argoproj.io -o json`.

Each input is one or more JSON documents (a `List` with items, or single objects); which
command printed it is told by the kind of its items, so files can come in any order or all on
standard input.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kb.check.diagnostics import Code, Diagnostic, Stopped
from kb.importer.planning import Planned
from kb.records.models import Audit, Snapshot
from kb.records.refs import new_id
from kb.store import inputs
from kb.store.loader import KnowledgeBase

KINDS = ("Node", "Pod", "PersistentVolumeClaim", "Application")
KUBECTL_BYTES = 512 * inputs.MiB
"""Largest kubectl output read from one source (a cluster of 10,000 pods prints about 200 MiB)."""
ALWAYS_COUNTED = ("CrashLoopBackOff", "ImagePullBackOff")
"""Waiting reasons reported even at zero, as audit reports do, so a diff sees them appear."""
_CONTROL_PLANE = {"control-plane", "master"}
_GENERIC_ROLES = _CONTROL_PLANE | {"etcd", "worker", "agent"}


@dataclass
class Objects:
    """Kubernetes objects by kind, each with the file and line of the document it came in."""

    by_kind: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {k: [] for k in KINDS})
    sources: list[str] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)


def _documents(name: str, text: str, objects: Objects) -> None:
    decoder = json.JSONDecoder()
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return
        line = text.count("\n", 0, position) + 1
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as err:
            objects.problems.append(Diagnostic(name, err.lineno, err.colno, Code.E703, "", f"not JSON: {err.msg}"))
            return
        _objects(name, line, document, objects)


def _objects(name: str, line: int, document: Any, objects: Objects) -> None:
    if not isinstance(document, dict):
        objects.problems.append(Diagnostic(name, line, 1, Code.E704, "", "expected a kubectl JSON object"))
        return
    items = document.get("items") if "items" in document else [document]
    if not isinstance(items, list):
        objects.problems.append(Diagnostic(name, line, 1, Code.E704, "items", "items is not a list"))
        return
    objects.sources.append(f"{name}:{line}")
    for index, item in enumerate(items):
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind not in objects.by_kind:
            message = f"item of kind {kind!r}; expected one of {', '.join(KINDS)} (kubectl get ... -o json)"
            objects.problems.append(Diagnostic(name, line, 1, Code.E704, f"items.{index}.kind", message))
            continue
        objects.by_kind[kind].append(item)


def _get(obj: Any, *path: str, default: Any = None) -> Any:
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return default
        obj = obj[key]
    return obj


def human_memory(quantity: str | None) -> str | None:
    """'65842732Ki' as '62.8Gi': capacities as people write them; other forms are kept as given."""
    match = re.fullmatch(r"(\d+)(Ki|Mi)?", quantity or "")
    if not match:
        return quantity
    number = int(match.group(1)) * {"Ki": 1024, "Mi": 1024**2, None: 1}[match.group(2)]
    for unit, size in (("Ti", 1024**4), ("Gi", 1024**3), ("Mi", 1024**2)):
        if number >= size:
            return f"{number / size:.1f}".rstrip("0").rstrip(".") + unit
    return quantity


def node(item: dict[str, Any]) -> dict[str, Any]:
    labels = _get(item, "metadata", "labels", default={}) or {}
    roles = {key.split("/", 1)[1] for key in labels if key.startswith("node-role.kubernetes.io/")} - {""}
    conditions = _get(item, "status", "conditions", default=[]) or []
    ready: dict[str, Any] = next((c for c in conditions if c.get("type") == "Ready"), {})
    status = "Ready" if ready.get("status") == "True" else "NotReady"
    if _get(item, "spec", "unschedulable"):
        status += ",SchedulingDisabled"
    addresses = _get(item, "status", "addresses", default=[])
    return {
        "name": _get(item, "metadata", "name"),
        "ip": next((a.get("address") for a in addresses if a.get("type") == "InternalIP"), None),
        "role": "control-plane" if roles & _CONTROL_PLANE else "worker",
        "purpose": ", ".join(sorted(roles - _GENERIC_ROLES)) or None,
        "version": _get(item, "status", "nodeInfo", "kubeletVersion"),
        "status": status,
        "cpu_capacity": _get(item, "status", "capacity", "cpu"),
        "memory_capacity": human_memory(_get(item, "status", "capacity", "memory")),
    }


def workload(item: dict[str, Any]) -> str:
    """The name of what runs a pod: its Deployment, StatefulSet, DaemonSet, CronJob, or itself."""
    owners = _get(item, "metadata", "ownerReferences", default=[]) or []
    name = str(_get(item, "metadata", "name", default=""))
    if not owners:
        return name
    owner = owners[0]
    owner_name = str(owner.get("name", name))
    if owner.get("kind") == "ReplicaSet":
        return re.sub(r"-[a-z0-9]{5,10}$", "", owner_name)
    if owner.get("kind") == "Job":
        return re.sub(r"-\d{6,}$", "", owner_name)
    return owner_name


def tag_strategy(image: str) -> str:
    """digest (`@sha256:`), latest (or no tag), commit (hex or `main-<hex>` tag), else fixed."""
    if "@sha256:" in image:
        return "digest"
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else "latest"
    if tag == "latest":
        return "latest"
    commit = re.fullmatch(r"(?:(?:main|master|sha|git)-)?([0-9a-f]{7,40})", tag)
    if commit and not commit.group(1).isdigit():
        return "commit"
    return "fixed"


def pods(items: list[dict[str, Any]]) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Pod counts by phase (Succeeded shown as Completed, as kubectl does) and by waiting reason.

    A pod in CrashLoopBackOff is also Running: reasons are counted beside phases, not instead.
    """
    counts: Counter[str] = Counter()
    images: dict[tuple[str, str, str], dict[str, Any]] = {}
    for item in items:
        phase = _get(item, "status", "phase", default="Unknown")
        counts["Completed" if phase == "Succeeded" else phase] += 1
        statuses = (_get(item, "status", "containerStatuses", default=[]) or []) + (
            _get(item, "status", "initContainerStatuses", default=[]) or []
        )
        reasons = {_get(s, "state", "waiting", "reason") for s in statuses} - {None}
        counts.update(reasons)
        namespace = _get(item, "metadata", "namespace", default="default")
        containers = _get(item, "spec", "containers", default=[]) or []
        owner = workload(item)
        for container in containers:
            service = owner if len(containers) == 1 else f"{owner}/{container.get('name')}"
            image = str(container.get("image", ""))
            images.setdefault(
                (namespace, service, image),
                {"service": service, "namespace": namespace, "image": image, "tag_strategy": tag_strategy(image)},
            )
    for reason in ALWAYS_COUNTED:
        counts.setdefault(reason, 0)
    return dict(counts), [images[k] for k in sorted(images)]


def volume(item: dict[str, Any]) -> dict[str, Any]:
    size = _get(item, "status", "capacity", "storage") or _get(item, "spec", "resources", "requests", "storage")
    return {
        "name": _get(item, "metadata", "name"),
        "namespace": _get(item, "metadata", "namespace", default="default"),
        "size": size or "unknown",
        "storage_class": _get(item, "spec", "storageClassName") or "(default)",
        "status": _get(item, "status", "phase", default="Unknown"),
    }


def application(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": _get(item, "metadata", "name"),
        "sync": _get(item, "status", "sync", "status") or "Unknown",
        "health": _get(item, "status", "health", "status") or "Unknown",
    }


def snapshot_data(objects: Objects) -> dict[str, Any]:
    """Snapshot fields from parsed kubectl objects, sorted so two snapshots compare line by line."""
    data: dict[str, Any] = {}
    by_kind = objects.by_kind
    if by_kind["Node"]:
        data["nodes"] = sorted(
            (node(i) for i in by_kind["Node"]), key=lambda n: (n["role"] != "control-plane", n["name"])
        )
    if by_kind["Pod"]:
        data["pods"], data["images"] = pods(by_kind["Pod"])
    if by_kind["PersistentVolumeClaim"]:
        data["volumes"] = sorted(
            (volume(i) for i in by_kind["PersistentVolumeClaim"]), key=lambda v: (v["namespace"], v["name"])
        )
    if by_kind["Application"]:
        data["applications"] = sorted((application(i) for i in by_kind["Application"]), key=lambda a: a["name"])
    return data


def read(sources: list[tuple[str, str | None]]) -> Objects:
    """Parse every source: (name, text), or (path, None) to read the file ("-": standard input)."""
    objects = Objects()
    for name, text in sources:
        if text is None:
            try:
                text = inputs.read_text(name, KUBECTL_BYTES)
            except OSError as err:
                where = "<stdin>" if name == inputs.STDIN else name
                objects.problems.append(Diagnostic(where, 0, 0, Code.E703, "", f"cannot read: {err.strerror or err}"))
                continue
        _documents(Path(name).name if name != "-" else "<stdin>", text, objects)
    return objects


def plan_snapshot(kb: KnowledgeBase, objects: Objects, audit: str, taken: dt.date) -> Planned:
    """One snapshot of `audit` from what kubectl printed, validated; Stopped with every problem otherwise."""
    target = kb.by_id().get(audit)
    where = objects.sources[0].rsplit(":", 1)[0] if objects.sources else "<stdin>"
    if not isinstance(target, Audit):
        objects.problems.append(
            Diagnostic(where, 0, 0, Code.E401, "audit", f"no audit with ID {audit} in the knowledge base")
        )
    data = snapshot_data(objects)
    if not data and not objects.problems:
        objects.problems.append(
            Diagnostic(where, 0, 0, Code.E704, "", "no nodes, pods, PVCs or applications in the input")
        )
    if objects.problems:
        raise Stopped("import", objects.problems)
    assert isinstance(target, Audit)
    data.update(id=new_id(Snapshot.prefix, target.title), audit=audit, taken=taken)
    data["imported_from"] = ", ".join(objects.sources)
    try:
        record = Snapshot.model_validate(data)
    except ValidationError as err:
        problems = [
            Diagnostic(where, 0, 0, Code.E702, ".".join(str(p) for p in e["loc"]), f"snapshot: {e['msg']}")
            for e in err.errors(include_url=False)
        ]
        raise Stopped("import", problems) from None
    return Planned(record, kb.config.records / Snapshot.folder / f"{record.id}.yaml", 1)
