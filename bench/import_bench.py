"""Benchmark: import a generated 2,000-line report in the seed's style (target: under 1 second).

Run: .venv/bin/python bench/import_bench.py
Prints the report size and the best and median wall time of several imports, each into a fresh,
empty knowledge base (parse, link, validate and write every record).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from kb.author.skeleton import init
from kb.pipeline import import_report
from kb.store.config import discover

SEED = Path(__file__).parent.parent / "tests" / "fixtures" / "000_ca42ef2d6db47840.txt"
TARGET_LINES = 2000
RUNS = 5


def unit(n: int) -> dict[str, str]:
    """One copy's worth of each section, in about the seed's proportions (17 lines, 4 records)."""
    return {
        "finding": (
            f"{n}. **service-{n} CrashLooping** (2+ days)\n"
            f"   - Root cause: probe on port {4000 + n} hit service-{n} before startup finished\n"
            f"   - Fix: Switched service-{n} to TCP probes\n"
            f"   - Investigation: rate limiter already exempts the health endpoint of service-{n}\n"
            f"   - Verification: service-{n} Ready for an hour, no restarts\n"
            f"   - Commit: `{n:07x}`\n\n"
        ),
        "app": f"| app-{n} | Synced | Healthy | |\n",
        "doc": f"| `docs/services/service-{n}.md` | Probe settings |\n",
        "cleanup": f"- Deleted stale service-{n} ReplicaSets\n",
        "image": f"| service-{n} | ns-{n % 19} | ghcr.io/org/service-{n} | commit SHA |\n",
        "volume": f"| data-{n} | ns-{n % 19} | 20Gi | longhorn | Bound |\n",
        "remaining": f"| service-{n} dashboards | Cosmetic | Rebuild panels for service-{n} |\n",
        "commit": f"{n:07x} fix(infra): probes for service-{n}\n",
        "lesson": f"{n}. **Service {n} probes**: TCP probes on port {4000 + n} survive slow startup of service-{n}.\n",
        "pickup": f"{n}. **service-{n} dashboards**: Rebuild the service-{n} panels after the probe change\n",
    }


ANCHORS = {
    "finding": "### Medium (2)\n",
    "app": "| arc-runners-blue |",
    "doc": "| `claudedocs/",
    "cleanup": "- Cleaned up nonexistent tunnel routes",
    "image": "| kyverno | kyverno |",
    "volume": "| alertmanager-data |",
    "remaining": "| sentinel namespace empty |",
    "commit": "9354dcb fix(infra)",
    "lesson": "8. **Golden tests**",
    "pickup": "7. **Load testing**",
}


def report(lines: int) -> str:
    """The seed with every section grown by copies of its own kind of entry, to `lines` lines."""
    seed = SEED.read_text()
    per_unit = sum(text.count("\n") for text in unit(1).values())
    copies = (lines - seed.count("\n")) // per_unit
    blocks = [unit(n) for n in range(100, 100 + copies)]
    for kind, anchor in ANCHORS.items():
        seed = seed.replace(anchor, "".join(b[kind] for b in blocks) + anchor, 1)
    return seed


def timed(config_for_run: list[Path], path: Path, dry_run: bool) -> tuple[list[float], int]:
    times, created = [], 0
    for root in config_for_run:
        config = discover(root)
        start = time.perf_counter()
        plan = import_report(config, path, dry_run=dry_run)
        times.append(time.perf_counter() - start)
        created = len(plan.created)
    return times, created


def main() -> None:
    text = report(TARGET_LINES)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big-report.md"
        path.write_text(text)
        roots = [Path(tmp) / f"kb{run}" for run in range(RUNS)]
        for root in roots:
            init(root)
        planned, _ = timed(roots, path, dry_run=True)
        full, created = timed(roots, path, dry_run=False)
    print(f"report: {text.count(chr(10)) + 1} lines, {created} records per import")
    for label, times in (("parse + link + validate (--dry-run)", planned), ("full import, files written", full)):
        print(f"{label}: best {min(times):.3f} s, median {statistics.median(times):.3f} s over {RUNS} runs")
    print("target: full import under 1 s; machine: shared 2-core box with other jobs, figures are noisy")


if __name__ == "__main__":
    main()
