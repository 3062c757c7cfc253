"""Benchmark: import 2,000-line reports, one alone and 50 as a folder (targets: 1 s and 20 s).

Run: .venv/bin/python bench/import_bench.py
Two generated reports of about 2,000 lines: one in the seed's style, one in the shapes real
reports use (a tracker table, heading findings with labelled lines, code and lists, checklists
naming the findings). Prints the best and median time of an import in this process (parse,
link, validate and write every record, into a fresh knowledge base each time), then the wall
and CPU time of `kb import report` as a process for one report and for a folder of 50
different ones, with the load average: the machine's two cores are shared with other jobs, so
the wall time includes waiting for a core and the CPU time is close to an idle machine's wall.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

from procs import FOREGROUND, compile_kb, kb_command, timed

from kb.author.skeleton import init
from kb.pipeline import import_report
from kb.store.config import discover

SEED = Path(__file__).parent.parent / "tests" / "fixtures" / "000_ca42ef2d6db47840.txt"
TARGET_LINES = 2000
RUNS = 5
FOLDER = 50


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


def shaped(lines: int, number: int = 0) -> str:
    """A report in the shapes of real ones, about `lines` long; `number` makes its names and date its own."""
    per_unit = _shaped(2, number).count("\n") - _shaped(1, number).count("\n")
    return _shaped(max(1, (lines - _shaped(0, number).count("\n")) // per_unit), number)


def _shaped(units: int, number: int) -> str:
    day = dt.date(2025, 1, 1) + dt.timedelta(days=number)
    head = f"# Platform Review {number}\n\n**Generated:** {day}\n**Audit Status:** ⚠️ NEEDS ATTENTION\n\n"
    names = [f"svc{number}-{n}" for n in range(units)]
    rows = "".join(
        f"| {n + 1} | {name} drops requests | `src/{name}/server.go` | {40 + n} | HIGH | Reliability | OPEN |\n"
        for n, name in enumerate(names)
    )
    tracker = (
        "## Tracker\n\n| # | Issue | File | Line | Severity | Category | Status |\n|---|---|---|---|---|---|---|\n"
        + rows
    )
    details = "".join(
        f"\n### {n + 1}. {name} drops requests\n\n**Symptom:** 5xx from {name} under load above\n"
        f"{100 + n} requests per second.\n\n**Root Cause**: the {name} pool is sized for one core.\n"
        f"```go\npool := NewPool(1) // {name}\n```\n**Impact:**\n- checkout retries\n- alerts for {name}\n"
        f"**Recommended Fix:** Size the {name} pool by GOMAXPROCS.\n**Verification**: load test at\n"
        f"{200 + n} rps without 5xx.\n**Status:** OPEN\n"
        for n, name in enumerate(names)
    )
    checklist = "".join(f"- [ ] Resize the {name} pool (#{n + 1})\n" for n, name in enumerate(names))
    return f"{head}{tracker}\n## Details\n{details}\n## Action Items\n\n{checklist}"


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed_imports(roots: list[Path], path: Path, dry_run: bool) -> tuple[list[float], int]:
    times, created = [], 0
    for root in roots:
        config = discover(root)
        start = time.perf_counter()
        batch = import_report(config, path, dry_run=dry_run)
        times.append(time.perf_counter() - start)
        created = len(batch.created)
    return times, created


def in_process(label: str, text: str, tmp: Path) -> None:
    path = tmp / f"{label}.md"
    path.write_text(text)
    roots = [tmp / f"{label}-kb{run}" for run in range(RUNS)]
    for root in roots:
        init(root)
    planned, _ = timed_imports(roots, path, dry_run=True)
    full, created = timed_imports(roots, path, dry_run=False)
    print(f"{label}: {text.count(chr(10)) + 1} lines, {created} records per import")
    for what, times in (("parse + link + validate (--dry-run)", planned), ("full import, files written", full)):
        print(
            f"  in process, {what}: best {min(times):.3f} s, median {statistics.median(times):.3f} s over {RUNS} runs"
        )


def as_process(label: str, source: Path, tmp: Path, runs: int) -> None:
    """`kb import report SOURCE` as a user runs it, each run into a fresh knowledge base."""
    figures = []
    for run in range(runs):
        root = tmp / f"{label}-process-kb{run}"
        init(root)
        load = _load()
        wall, cpu = timed([*kb_command(), "--root", str(root), "import", "report", str(source)], env=FOREGROUND)
        figures.append((wall, cpu, load))
    for wall, cpu, load in figures:
        print(f"  {label} as a process: wall {wall / 1000:.2f} s, CPU {cpu / 1000:.2f} s ({load} before)")


def main() -> None:
    compile_kb()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        in_process("seed-style", report(TARGET_LINES), tmp)
        in_process("real-shapes", shaped(TARGET_LINES), tmp)
        as_process("one 2,000-line report", tmp / "real-shapes.md", tmp, 3)
        folder = tmp / "audits"
        folder.mkdir()
        for n in range(FOLDER):
            (folder / f"review-{n:02}.md").write_text(shaped(TARGET_LINES, n + 1))
        lines = sum(p.read_text().count("\n") for p in folder.iterdir())
        print(f"folder: {FOLDER} reports, {lines} lines")
        as_process(f"a folder of {FOLDER} reports", folder, tmp, 2)
    print("targets: one report under 1 s, the folder under 20 s, as processes (shared 2-core box: figures are noisy)")


if __name__ == "__main__":
    main()
