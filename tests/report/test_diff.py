"""`kb diff` and `diff_snapshots`: what changed in the infrastructure between two snapshots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kb.records.models import Snapshot
from kb.report.snapshotdiff import diff_snapshots
from tests.conftest import run_kb

KUBECTL = Path(__file__).parent.parent / "fixtures" / "kubectl"
AUDIT = "AUD-production-ecosystem-audit-k3f9x"
HAND_SNAPSHOT = "SNAP-production-ecosystem-audit-5nw2q"


def snap(ident: str, **fields: Any) -> Snapshot:
    return Snapshot.model_validate({"id": ident, "audit": AUDIT, "taken": "2026-01-26", **fields})


NODE = {"name": "core", "role": "control-plane", "version": "v1.33.6+k3s1", "status": "Ready"}
APP = {"name": "ingress", "sync": "Synced", "health": "Healthy"}
VOL = {"name": "pg", "namespace": "data", "size": "20Gi", "storage_class": "longhorn", "status": "Bound"}

CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ("identical", {"nodes": [NODE], "applications": [APP]}, {"nodes": [NODE], "applications": [APP]}, {}),
    (
        "node added and removed",
        {"nodes": [NODE]},
        {"nodes": [{**NODE, "name": "worker", "role": "worker"}]},
        {
            "nodes_added": [{"name": "worker", "before": None, "after": "v1.33.6+k3s1"}],
            "nodes_removed": [{"name": "core", "before": "v1.33.6+k3s1", "after": None}],
        },
    ),
    (
        "version and readiness",
        {"nodes": [NODE]},
        {"nodes": [{**NODE, "version": "v1.34.3+k3s1", "status": "NotReady"}]},
        {
            "versions": [{"name": "core", "before": "v1.33.6+k3s1", "after": "v1.34.3+k3s1"}],
            "node_status": [{"name": "core", "before": "Ready", "after": "NotReady"}],
        },
    ),
    (
        "app health",
        {"applications": [APP]},
        {"applications": [{**APP, "sync": "OutOfSync", "health": "Degraded"}]},
        {
            "apps": [
                {
                    "name": "ingress",
                    "sync_before": "Synced",
                    "sync_after": "OutOfSync",
                    "health_before": "Healthy",
                    "health_after": "Degraded",
                }
            ]
        },
    ),
    (
        "apps added and removed",
        {"applications": [APP]},
        {"applications": [{**APP, "name": "web"}]},
        {
            "apps_added": [{"name": "web", "before": None, "after": "Synced/Healthy"}],
            "apps_removed": [{"name": "ingress", "before": "Synced/Healthy", "after": None}],
        },
    ),
    (
        "failing pods up, healthy counts ignored, failures going down ignored",
        {"pods": {"Running": 10, "CrashLoopBackOff": 0, "Error": 2}},
        {"pods": {"Running": 12, "CrashLoopBackOff": 1, "Error": 1, "ImagePullBackOff": 2, "Pending": 3}},
        {
            "failing_pods": [
                {"reason": "CrashLoopBackOff", "before": 0, "after": 1},
                {"reason": "ImagePullBackOff", "before": 0, "after": 2},
            ]
        },
    ),
    (
        "volumes",
        {"volumes": [VOL, {**VOL, "name": "old"}]},
        {"volumes": [{**VOL, "size": "40Gi"}, {**VOL, "namespace": "cache", "size": "5Gi"}]},
        {
            "volumes_added": [{"name": "cache/pg", "before": None, "after": "5Gi"}],
            "volumes_removed": [{"name": "data/old", "before": "20Gi", "after": None}],
            "volumes_resized": [{"name": "data/pg", "before": "20Gi", "after": "40Gi"}],
        },
    ),
]


@pytest.mark.parametrize(("case", "before", "after", "changes"), CASES, ids=[c[0] for c in CASES])
def test_diff_snapshots(case: str, before: dict[str, Any], after: dict[str, Any], changes: dict[str, Any]) -> None:
    diff = diff_snapshots(snap("SNAP-a-11111", **before), snap("SNAP-b-22222", **after))
    got = {k: v for k, v in diff.as_dict().items() if v and k not in ("before", "after")}
    assert got == changes
    assert diff.is_empty == (not changes)
    assert (diff.before, diff.after) == ("SNAP-a-11111", "SNAP-b-22222")


def _import(root: Path, folder: Path, taken: str) -> str:
    files = [str(folder / n) for n in ("nodes.json", "pods.json", "pvc.json", "applications.json")]
    result = run_kb(root, "import", "kubectl", *files, "--audit", AUDIT, "--taken", taken, "--json")
    assert result.exit_code == 0, result.output
    return str(json.loads(result.output)["created"][0]["id"])


def test_kb_diff_between_two_kubectl_snapshots(sample_kb: Path) -> None:
    first = _import(sample_kb, KUBECTL, "2026-01-26")
    second = _import(sample_kb, KUBECTL / "later", "2026-02-02")
    result = run_kb(sample_kb, "diff", first, second)
    assert result.exit_code == 0, result.output
    text = result.output
    assert f"Changes from {first} to {second}:" in text
    for line in (
        "foundry-worker-02 (v1.33.6+k3s1)",
        "foundry-builder-01 v1.33.6+k3s1 -> v1.34.3+k3s1",
        "foundry-builder-01 Ready -> NotReady",
        "external-secrets-config Synced/Degraded -> Synced/Healthy",
        "ingress Synced/Healthy -> Synced/Degraded",
        "monitoring (OutOfSync/Missing)",
        "CrashLoopBackOff 0 -> 1",
        "ImagePullBackOff 0 -> 1",
        "data/redis-data (5Gi)",
        "monitoring/grafana-data (5Gi)",
        "monitoring/prometheus-data 20Gi -> 40Gi",
    ):
        assert line in text
    as_json = json.loads(run_kb(sample_kb, "diff", first, second, "--json").output)
    assert as_json["versions"] == [{"name": "foundry-builder-01", "before": "v1.33.6+k3s1", "after": "v1.34.3+k3s1"}]


def test_an_audit_stands_for_its_latest_snapshot(sample_kb: Path) -> None:
    latest = _import(sample_kb, KUBECTL / "later", "2026-02-02")
    result = run_kb(sample_kb, "diff", HAND_SNAPSHOT, AUDIT, "--json")
    assert json.loads(result.output)["after"] == latest
    same = run_kb(sample_kb, "diff", AUDIT, latest)
    assert same.output.strip() == f"No infrastructure changes from {latest} to {latest}."


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("SNAP-nothing-00000", "no snapshot or audit with ID SNAP-nothing-00000"),
        (
            "F-grafana-crashloopbackoff-7hd3x",
            "F-grafana-crashloopbackoff-7hd3x is a finding, not a snapshot or an audit",
        ),
    ],
)
def test_unknown_ids_are_errors(sample_kb: Path, ref: str, message: str) -> None:
    result = run_kb(sample_kb, "diff", HAND_SNAPSHOT, ref)
    assert result.exit_code == 1
    assert message in result.output


def test_audit_without_snapshot(sample_kb: Path) -> None:
    (sample_kb / "data" / "snapshots" / f"{HAND_SNAPSHOT}.yaml").unlink()
    result = run_kb(sample_kb, "diff", AUDIT, AUDIT)
    assert result.exit_code == 1
    assert f"audit {AUDIT} has no snapshot; add one with `kb import kubectl --audit {AUDIT}`" in result.output


def test_previous_snapshot_for_the_audit_report(sample_kb: Path) -> None:
    from kb.report.snapshotdiff import previous
    from kb.store.config import discover
    from kb.store.loader import load

    later = _import(sample_kb, KUBECTL / "later", "2026-02-02")
    kb = load(discover(sample_kb))
    by_id = {s.id: s for s in kb.snapshots}
    assert previous(kb, by_id[later]) == by_id[HAND_SNAPSHOT]
    assert previous(kb, by_id[HAND_SNAPSHOT]) is None
