"""Benchmark: `kb render` and `kb render --check` on a generated 10,000-finding knowledge base.

Each figure is a whole `kb` process (start-up included), the best and median of several runs.
Targets: render < 3 s, check with nothing changed < 2 s. Run:

    .venv/bin/python bench/render_bench.py [--findings 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from gen_kb import generate

KB = [sys.executable, "-m", "kb"]


def timed(args: list[str], root: Path, expect: int = 0) -> float:
    started = time.perf_counter()
    result = subprocess.run([*KB, "--root", str(root), *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != expect:
        raise SystemExit(f"kb {' '.join(args)} exited {result.returncode}:\n{result.stderr[-2000:]}")
    return elapsed


def measure(label: str, args: list[str], root: Path, runs: int, before: list[str] | None = None) -> None:
    times = []
    for _ in range(runs):
        if before is not None:
            shutil.rmtree(root / before[0], ignore_errors=True)
        times.append(timed(args, root))
    print(f"{label:<34} best {min(times):6.2f} s   median {statistics.median(times):6.2f} s   ({runs} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-render-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        generate(root, options.findings)
        files = sum(1 for _ in (root / "records").rglob("*.yaml"))
        print(f"generated {options.findings} findings, {files} record files in {time.perf_counter() - started:.1f} s")
        measure("kb --help (start-up)", ["--help"], root, options.runs)
        measure("kb validate", ["validate"], root, options.runs)
        measure("kb render (fresh, writes all)", ["render"], root, options.runs, before=["docs"])
        measure("kb render --check (all current)", ["render", "--check"], root, options.runs)
        outputs = sum(1 for _ in (root / "docs").rglob("*.md"))
        print(f"{outputs} documents rendered; targets: render < 3 s, check < 2 s (machine shared, figures noisy)")


if __name__ == "__main__":
    main()
