"""How long `kb new finding` (flags route) and `kb --help` take as whole processes.

Copies the sample knowledge base to a temporary folder, runs each command N times as a user
would (a fresh Python process each time) and prints the median and spread in milliseconds.

    python bench/new_bench.py [N]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KB = [sys.executable, "-m", "kb"]


def timed(args: list[str], cwd: Path, runs: int) -> list[float]:
    times = []
    for i in range(runs):
        start = time.perf_counter()
        subprocess.run([*args[:-1], args[-1].format(i=i)] if args else args, cwd=cwd, check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    print(
        f"{name:<28} median {statistics.median(times):6.0f} ms   "
        f"min {min(times):6.0f}   max {max(times):6.0f}   (n={len(times)})"
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
        print(f"findings created: {created} of {runs}")


if __name__ == "__main__":
    main()
