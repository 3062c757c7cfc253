"""Generate a large, valid knowledge base for the render benchmark (its own small generator).

`generate(root, findings=10000)` writes kb.toml and records under root/records: one audit per
20 findings, a snapshot per audit, a commit per two findings, a lesson per ten, an action per five.
Deterministic (seeded), so runs compare. With `sample`, the sample knowledge base's records
(data/) are among them, so questions about known records can be asked of a large one.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

SEVERITIES = ("critical", "high", "medium", "low", None)
APPS = ("ingress", "kyverno", "monitoring", "longhorn", "argocd-image-updater", "arc-runners")


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _audit(n: int, day: dt.date, commits: list[str], actions: list[str]) -> list[str]:
    lines = [
        f"id: AUD-bench-audit-{n:05d}",
        f"title: Benchmark audit {n}",
        f"started: {day}",
        f"ended: {day + dt.timedelta(days=1)}",
        "trigger: Scheduled benchmark audit",
        "scope:",
        "  description: Generated cluster",
        "  cluster: k3s",
        "  nodes: 3",
        "outcome: GREEN",
        f"summary: Audit {n} finished with everything resolved.",
        "commits:",
        *(f"- {c}" for c in commits),
        "remaining:",
        *(f"- {a}" for a in actions),
        "pickup:",
        *(f"- {a}" for a in actions[:3]),
    ]
    return lines


SAMPLE = Path(__file__).resolve().parent.parent / "data"
FOLDERS = ("audits", "findings", "commits", "lessons", "actions", "snapshots")


def records_for(total: int) -> int:
    """The `findings` argument that makes about `total` records (each finding brings 0.9 more)."""
    return round(total / 1.9)


def generate(root: Path, findings: int = 10000, seed: int = 7, sample: bool = False) -> Path:
    """Write a knowledge base with `findings` findings under `root` (and the sample's records
    with `sample`); returns root."""
    rng = random.Random(seed)
    records = root / "records"
    for folder in FOLDERS:
        (records / folder).mkdir(parents=True, exist_ok=True)
        if sample:
            for path in (SAMPLE / folder).glob("*.yaml"):
                shutil.copyfile(path, records / folder / path.name)
    (root / "kb.toml").write_text('records = "records"\n', encoding="utf-8")
    audits = max(findings // 20, 1)
    start = dt.date(2024, 1, 1)
    for a in range(audits):
        audit_id = f"AUD-bench-audit-{a:05d}"
        day = start + dt.timedelta(days=a)
        ids = range(a * 20, min((a + 1) * 20, findings))
        commit_hashes = [f"{rng.getrandbits(160):040x}" for _ in range(0, len(ids), 2)]
        for h in commit_hashes:
            _write(records / "commits" / f"{h[:12]}.yaml", [f"hash: {h}", f"subject: 'fix(bench): change {h[:7]}'"])
        action_ids = []
        for i in ids:
            severity = rng.choice(SEVERITIES)
            finding = [
                f"id: F-bench-finding-{i:06d}",
                f"audit: {audit_id}",
                f"title: Generated finding {i} in {rng.choice(APPS)}",
                *([f"severity: {severity}"] if severity else []),
                f"discovery: {rng.choice(('planned', 'planned', 'during-audit'))}",
                f"status: {rng.choice(('resolved', 'resolved', 'resolved', 'open'))}",
                "components:",
                f"- {rng.choice(APPS)}",
                f"root_cause: Root cause number {i}, with `code` and a | pipe",
                f"fix: Fixed by change {i}",
                "commits:",
                f"- {commit_hashes[(i - ids[0]) // 2][:7]}",
            ]
            _write(records / "findings" / f"F-bench-finding-{i:06d}.yaml", finding)
            if i % 10 == 0:
                lesson = [
                    f"id: L-bench-lesson-{i:06d}",
                    f"title: Lesson {i}",
                    f"rule: Always check thing {i} before deploying.",
                    f"audit: {audit_id}",
                    "findings:",
                    f"- F-bench-finding-{i:06d}",
                    "tags:",
                    f"- {rng.choice(('gitops', 'k3s', 'argocd', 'images'))}",
                ]
                _write(records / "lessons" / f"L-bench-lesson-{i:06d}.yaml", lesson)
            if i % 5 == 0:
                action_id = f"ACT-bench-action-{i:06d}"
                action_ids.append(action_id)
                action = [
                    f"id: {action_id}",
                    f"title: {rng.choice(APPS)} follow-up {i}",
                    f"todo: Follow up on finding {i}",
                    f"impact: {rng.choice(('cosmetic', 'low', 'degraded'))}",
                    *([f"priority: P{rng.randint(1, 4)}"] if rng.random() < 0.7 else []),
                    f"status: {rng.choice(('open', 'open', 'done'))}",
                    "evidence:",
                    "  note: generated",
                    "source:",
                    f"  audit: {audit_id}",
                    f"  finding: F-bench-finding-{i:06d}",
                ]
                _write(records / "actions" / f"{action_id}.yaml", action)
        _write(records / "audits" / f"{audit_id}.yaml", _audit(a, day, commit_hashes, action_ids))
        snapshot = [
            f"id: SNAP-bench-snapshot-{a:05d}",
            f"audit: {audit_id}",
            f"taken: {day + dt.timedelta(days=1)}",
            "nodes:",
            *(f"- name: node-{k}\n  role: worker\n  status: Ready" for k in range(3)),
            "applications:",
            *(f"- name: {app}\n  sync: Synced\n  health: Healthy" for app in APPS),
        ]
        _write(records / "snapshots" / f"SNAP-bench-snapshot-{a:05d}.yaml", snapshot)
    return root
