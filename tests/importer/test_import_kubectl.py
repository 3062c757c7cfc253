"""`kb import kubectl`: snapshots from the JSON kubectl prints, committed as fixtures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from kb.importer.kubectl import human_memory, tag_strategy, workload
from kb.store.config import discover
from kb.store.loader import load
from tests.conftest import run_kb

KUBECTL = Path(__file__).parent.parent / "fixtures" / "kubectl"
FILES = [str(KUBECTL / name) for name in ("nodes.json", "pods.json", "pvc.json", "applications.json")]
AUDIT = "AUD-production-ecosystem-audit-k3f9x"


def _snapshots(root: Path) -> dict[str, Any]:
    return {s.id: s for s in load(discover(root)).snapshots}


def test_snapshot_from_the_four_kubectl_outputs(sample_kb: Path) -> None:
    before = set(_snapshots(sample_kb))
    result = run_kb(sample_kb, "import", "kubectl", *FILES, "--audit", AUDIT, "--taken", "2026-01-26")
    assert result.exit_code == 0, result.output
    [new] = [s for i, s in _snapshots(sample_kb).items() if i not in before]
    assert new.audit == AUDIT and new.taken == dt.date(2026, 1, 26)
    assert new.imported_from == "nodes.json:1, pods.json:1, pvc.json:1, applications.json:1"
    core, builder = new.nodes
    assert (core.name, core.role, core.purpose, core.version, core.ip) == (
        "foundry-core",
        "control-plane",
        None,
        "v1.33.6+k3s1",
        "95.217.198.239",
    )
    assert (core.status, core.cpu_capacity, core.memory_capacity) == ("Ready", "8", "62.8Gi")
    assert (builder.role, builder.purpose, builder.memory_capacity) == ("worker", "builder", "3.7Gi")
    assert new.pods == {"Running": 9, "Completed": 1, "CrashLoopBackOff": 0, "ImagePullBackOff": 0}
    strategies = {(i.namespace, i.service): i.tag_strategy for i in new.images}
    assert strategies == {
        ("cloudflare-tunnel", "cloudflared"): "fixed",
        ("dhanam", "dhanam-api"): "latest",
        ("enclii", "dispatch"): "latest",
        ("enclii", "landing-page"): "commit",
        ("enclii", "switchyard-api"): "digest",
        ("janua", "janua-api"): "commit",
        ("kube-system", "svclb-traefik-4f2a8c1d"): "fixed",
        ("kyverno", "kyverno-cleanup-admission-reports"): "latest",
        ("monitoring", "grafana"): "fixed",
        ("monitoring", "prometheus/prometheus"): "fixed",
        ("monitoring", "prometheus/config-reloader"): "fixed",
    }
    volumes = {(v.namespace, v.name): (v.size, v.storage_class, v.status) for v in new.volumes}
    assert volumes[("arc-runners", "arc-docker-cache-green")] == ("50Gi", "local-path", "Pending")
    assert volumes[("monitoring", "prometheus-data")] == ("20Gi", "longhorn", "Bound")
    apps = {a.name: (a.sync.value, a.health.value) for a in new.applications}
    assert apps["external-secrets-config"] == ("Synced", "Degraded")
    assert apps["kyverno-policies"] == ("OutOfSync", "Healthy")
    assert run_kb(sample_kb, "validate").exit_code == 0


def test_failing_pods_counted_by_phase_and_waiting_reason(sample_kb: Path) -> None:
    later = [str(KUBECTL / "later" / name) for name in ("pods.json", "nodes.json")]
    result = run_kb(sample_kb, "import", "kubectl", *later, "--audit", AUDIT, "--json")
    assert result.exit_code == 0, result.output
    snapshot = json.loads(result.output)["snapshot"]
    assert snapshot["pods"] == {
        "Running": 8,
        "Pending": 1,
        "CrashLoopBackOff": 1,
        "ImagePullBackOff": 1,
        "Completed": 1,
    }
    assert snapshot["taken"] == dt.date.today().isoformat()
    assert [n["status"] for n in snapshot["nodes"]] == ["Ready", "NotReady", "Ready"]


def test_standard_input_with_several_documents_and_dry_run(sample_kb: Path) -> None:
    stream = "".join(Path(f).read_text() for f in FILES)
    before = set(_snapshots(sample_kb))
    result = run_kb(sample_kb, "import", "kubectl", "-", "--audit", AUDIT, "--dry-run", input=stream)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("would create snapshot SNAP-")
    assert "2 nodes, 6 applications, 11 images, 5 volumes" in result.output
    assert set(_snapshots(sample_kb)) == before


BAD: list[tuple[str, str, str]] = [
    (
        '{"kind": "List", "items": [\n  {"kind": "Service"}]}',
        "AUD",
        "<stdin>:1:1: E704 items.0.kind: item of kind 'Service'",
    ),
    ('{"kind": "List",\n "items": [}', AUDIT, "<stdin>:2:12: E703 not JSON"),
    ('{"kind": "List", "items": []}', AUDIT, "E704 no nodes, pods, PVCs or applications in the input"),
    ('{"kind": "List", "items": []}', "AUD-missing-x1y2z", "E401 audit: no audit with ID AUD-missing-x1y2z"),
    ("[1, 2]", AUDIT, "<stdin>:1:1: E704 expected a kubectl JSON object"),
]


@pytest.mark.parametrize(("stream", "audit", "message"), BAD)
def test_bad_input_is_an_error_and_writes_nothing(sample_kb: Path, stream: str, audit: str, message: str) -> None:
    before = set(_snapshots(sample_kb))
    result = run_kb(sample_kb, "import", "kubectl", "--audit", audit, input=stream)
    assert result.exit_code == 1
    assert message in result.output
    assert set(_snapshots(sample_kb)) == before


@pytest.mark.parametrize(
    ("image", "strategy"),
    [
        ("ghcr.io/org/api@sha256:" + "ab" * 32, "digest"),
        ("ghcr.io/org/api:latest", "latest"),
        ("ghcr.io/org/api", "latest"),
        ("registry:5000/org/api", "latest"),
        ("registry:5000/org/api:9354dcb", "commit"),
        ("ghcr.io/org/api:main-a7c063b", "commit"),
        ("ghcr.io/org/api:" + "0123456789abcdef0123456789abcdef01234567", "commit"),
        ("ghcr.io/org/api:20260126", "fixed"),
        ("grafana/grafana:10.2.2", "fixed"),
        ("ghcr.io/org/api:v1.2.3-deadbeef", "fixed"),
    ],
)
def test_tag_strategy(image: str, strategy: str) -> None:
    assert tag_strategy(image) == strategy


@pytest.mark.parametrize(
    ("owner", "name", "expected"),
    [
        ({"kind": "ReplicaSet", "name": "dhanam-api-6f7d8c9b5"}, "dhanam-api-6f7d8c9b5-h5j8k", "dhanam-api"),
        ({"kind": "StatefulSet", "name": "prometheus"}, "prometheus-0", "prometheus"),
        ({"kind": "Job", "name": "backup-29488140"}, "backup-29488140-8vq4w", "backup"),
        (None, "debug-shell", "debug-shell"),
    ],
)
def test_workload_names(owner: dict[str, str] | None, name: str, expected: str) -> None:
    metadata: dict[str, Any] = {"name": name}
    if owner:
        metadata["ownerReferences"] = [owner]
    assert workload({"metadata": metadata}) == expected


@pytest.mark.parametrize(
    ("quantity", "human"), [("65842732Ki", "62.8Gi"), ("3931748Ki", "3.7Gi"), ("512Mi", "512Mi"), ("16G", "16G")]
)
def test_memory_capacity_as_people_write_it(quantity: str, human: str) -> None:
    assert human_memory(quantity) == human
