"""Benchmark: `kb validate` on a generated knowledge base of 10,000 findings, as whole processes.

Prints wall and CPU time for a cold run (no parse cache: every file parsed) and warm runs
(unchanged files come from the parse cache). Target: under 2 s. Run:

    .venv/bin/python bench/validate_bench.py [--findings 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from gen_kb import generate
from render_bench import timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp) / "kb", findings=args.findings)
        files = sum(len(names) for _, _, names in os.walk(root))
        print(f"knowledge base: {args.findings} findings, {files} files; load average {os.getloadavg()[0]:.2f}")
        cold, warm = [], []
        for _ in range(args.runs):
            shutil.rmtree(root / ".kb-cache", ignore_errors=True)
            cold.append(timed(["validate"], root, expect=0))
            warm.append(timed(["validate"], root, expect=0))
        for name, runs in (("cold (no parse cache)", cold), ("warm (parse cache)", warm)):
            walls, cpus = [w for w, _ in runs], [c for _, c in runs]
            print(
                f"kb validate {name:22} wall best {min(walls):.2f} s median {statistics.median(walls):.2f} s"
                f" | cpu best {min(cpus):.2f} s median {statistics.median(cpus):.2f} s  (target < 2 s)"
            )


if __name__ == "__main__":
    main()
