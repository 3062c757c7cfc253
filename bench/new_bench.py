"""How long `kb new finding` (flags route) and `kb --help` take as whole processes.

Copies the sample knowledge base to a temporary folder, runs each command N times as a user
would (a fresh Python process each time) and prints the median and spread in milliseconds:
wall-clock time, and the CPU time (user + system) the process used, which varies less when
other work shares the machine.

    python bench/new_bench.py [N]
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KB = [sys.executable, "-m", "kb"]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], cwd: Path, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each run; `{i}` in the last argument becomes the run number."""
    wall, cpu = [], []
    for i in range(runs):
        start, start_cpu = time.perf_counter(), _cpu()
        subprocess.run([*args[:-1], args[-1].format(i=i)], cwd=cwd, check=True, capture_output=True)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((_cpu() - start_cpu) * 1000)
    return wall, cpu


def report(name: str, times: tuple[list[float], list[float]]) -> None:
    wall, cpu = times
    print(
        f"{name:<24} wall median {statistics.median(wall):5.0f} ms (min {min(wall):4.0f}, max {max(wall):4.0f})"
        f"   cpu median {statistics.median(cpu):5.0f} ms   n={len(wall)}"
    )


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    with tempfile.TemporaryDirectory() as tmp:
        kb = Path(tmp)
        shutil.copytree(ROOT / "data", kb / "data")
        (kb / "kb.toml").write_text('records = "data"\n')
        new = [
            *KB,
            "new",
            "finding",
            "--no-input",
            "--severity",
            "high",
            "--component",
            "grafana",
            "--tag",
            "monitoring",
            "--root-cause",
            "init container OOM",
            "--title",
            "Bench finding {i}",
        ]
        report("python -c pass", timed([sys.executable, "-c", "pass"], kb, runs))
        report("kb --help", timed([*KB, "--help"], kb, runs))
        report("kb new finding (flags)", timed(new, kb, runs))
        created = len(list((kb / "data" / "findings").glob("F-bench-finding-*.yaml")))
        print(
            f"findings created: {created} of {runs}; "
            f"load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
        )


if __name__ == "__main__":
    main()
