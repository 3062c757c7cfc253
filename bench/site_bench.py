"""Time `kb site` on generated knowledge bases and print the figures.

Generates knowledge bases of a given number of record pages (audits, findings, lessons and
actions, 25 per audit, plus commits), builds each site with `kb site` (strict, in process),
once with MkDocs' own serial build (the default) and once with each `--jobs N` asked for, and
prints the generate and build times (wall clock), the CPU time of the build and its worker
processes, the CPU time other processes took meanwhile and the load average (the machine may
be shared), the page count and the search index size.
Targets: 10,000 records under 120 s serial and under 75 s with --jobs 2 (2,000: 25 s and
15 s); the search index at most 3 MB.

    .venv/bin/python -m bench.site_bench                 # 2000 and 10000, serial and --jobs 2
    .venv/bin/python -m bench.site_bench 500 2000 -j 4   # other sizes and job counts
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

import yaml

from kb.pipeline import site
from kb.store.config import discover

ROOT = Path(__file__).parent.parent
PER_AUDIT = {"finding": 10, "lesson": 4, "action": 10}
COMPONENTS = [f"svc-{n}" for n in range(60)] + ["kyverno", "argocd", "cloudflared", "grafana", "traefik"]
WORDS = [
    "pod",
    "node",
    "volume",
    "ingress",
    "route",
    "deploy",
    "image",
    "tag",
    "helm",
    "chart",
    "sync",
    "drift",
    "probe",
    "timeout",
    "memory",
    "cpu",
    "disk",
    "tunnel",
    "secret",
    "rotation",
    "certificate",
    "webhook",
    "policy",
    "cronjob",
    "backoff",
    "restart",
    "upgrade",
    "rollback",
]
TARGETS = {(2000, 1): 25.0, (2000, 2): 15.0, (10000, 1): 120.0, (10000, 2): 75.0}
"""Seconds by (records, jobs)."""
SEARCH_LIMIT = 3 * 1024 * 1024


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _write(folder: Path, name: str, data: dict[str, object]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def generate(root: Path, records: int, seed: int = 7) -> None:
    """A valid knowledge base of about `records` record pages under `root/data`."""
    rng = random.Random(seed)
    data = root / "data"
    audits = max(records // (1 + sum(PER_AUDIT.values())), 1)
    day = dt.date(2024, 1, 1)
    for a in range(audits):
        audit_id = f"AUD-audit-{a}-b{a:05d}"
        started = day + dt.timedelta(days=a)
        hashes = [f"{rng.getrandbits(160):040x}" for _ in range(PER_AUDIT["finding"])]
        findings: list[str] = []
        for f in range(PER_AUDIT["finding"]):
            fid = f"F-finding-{a}-{f}-f{a:05d}"
            findings.append(fid)
            _write(
                data / "findings",
                fid,
                {
                    "id": fid,
                    "audit": audit_id,
                    "title": f"{rng.choice(COMPONENTS)} {_text(rng, 4)}",
                    "severity": rng.choice(["critical", "high", "medium", "low", "info"]),
                    "status": rng.choice(["open", "resolved", "resolved", "mitigated"]),
                    "components": rng.sample(COMPONENTS, 2),
                    "resolved": str(started + dt.timedelta(days=rng.randint(0, 20))),
                    "symptom": _text(rng, 30),
                    "root_cause": _text(rng, 25),
                    "fix": _text(rng, 25),
                    "investigation": _text(rng, 80),
                    "commits": [hashes[f][:7]],
                    "tags": rng.sample(WORDS, 3),
                },
            )
            _write(data / "commits", hashes[f][:7], {"hash": hashes[f][:7], "subject": _text(rng, 8)})
        for x in range(PER_AUDIT["action"]):
            aid = f"ACT-action-{a}-{x}-a{a:05d}"
            _write(
                data / "actions",
                aid,
                {
                    "id": aid,
                    "title": _text(rng, 5),
                    "todo": _text(rng, 25),
                    "priority": rng.choice(["P1", "P2", "P3", "P4"]),
                    "status": "open" if x % 3 else "done",
                    **({} if x % 3 else {"evidence": {"note": "done in the session"}}),
                    "source": {"audit": audit_id, "finding": findings[x % len(findings)]},
                    "tags": rng.sample(WORDS, 2),
                },
            )
        for n in range(PER_AUDIT["lesson"]):
            lid = f"L-lesson-{a}-{n}-l{a:05d}"
            _write(
                data / "lessons",
                lid,
                {
                    "id": lid,
                    "title": _text(rng, 4),
                    "rule": _text(rng, 20),
                    "detail": _text(rng, 40),
                    "audit": audit_id,
                    "findings": rng.sample(findings, 2),
                    "tags": rng.sample(WORDS, 3),
                },
            )
        _write(
            data / "audits",
            audit_id,
            {
                "id": audit_id,
                "title": f"Audit {a}: {_text(rng, 4)}",
                "started": str(started),
                "ended": str(started + dt.timedelta(days=1)),
                "trigger": _text(rng, 8),
                "scope": {"description": _text(rng, 6), "nodes": 3},
                "summary": _text(rng, 20),
                "commits": [h[:7] for h in hashes],
                "tags": rng.sample(WORDS, 2),
            },
        )
    (root / "kb.toml").write_text('records = "data"\n')
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")


def _cpu(times: os.times_result) -> float:
    """CPU seconds of this process and of its finished children (the build's worker processes)."""
    return times.user + times.system + times.children_user + times.children_system


def _machine_busy() -> float | None:
    """CPU seconds every process on the machine has used (Linux /proc/stat), to show how shared the cores were."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = (int(f) for f in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def measure(records: int, jobs: list[int], keep: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="kb-site-bench-") as temp:
        root = keep / str(records) if keep else Path(temp)
        start = time.perf_counter()
        generate(root, records)
        made = time.perf_counter() - start
        for count in jobs:
            _build(root, records, count, made)


def _build(root: Path, records: int, jobs: int, made: float) -> None:
    """Build the site of the knowledge base at `root` with `jobs` processes and print the figures."""
    before, busy = os.times(), _machine_busy()
    result = site(discover(root), jobs=jobs)
    cpu = _cpu(os.times()) - _cpu(before)
    busy_now = _machine_busy()
    others = f", other processes {busy_now - busy - cpu:.1f} s" if busy is not None and busy_now is not None else ""
    total = result.generate_seconds + result.build_seconds
    target = TARGETS.get((records, jobs))
    verdict = f" (target < {target:.0f} s: {'ok' if total < target else 'MISSED'})" if target else ""
    size = result.search_index_bytes
    print(
        f"{records} records ({result.pages} pages; data made in {made:.1f} s): kb site --jobs {jobs} {total:.1f} s = "
        f"generate {result.generate_seconds:.1f} s + mkdocs build {result.build_seconds:.1f} s{verdict}, "
        f"{cpu:.1f} s CPU (user+sys, workers included{others}); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
        f"search_index.json {size / 1e6:.2f} MB ({'ok' if size <= SEARCH_LIMIT else 'OVER'} 3 MB)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[2000, 10000], help="record counts to measure")
    parser.add_argument("-j", "--jobs", type=int, action="append", help="job counts besides 1 (default: 2)")
    parser.add_argument("--keep", type=Path, help="build under this folder (e.g. bench/out) and keep it")
    args = parser.parse_args()
    for size in args.sizes:
        measure(size, [1, *(args.jobs or [2])], args.keep)


if __name__ == "__main__":
    main()
