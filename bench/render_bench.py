"""Benchmark: `kb render` and `kb render --check` on a generated 10,000-finding knowledge base.

Each figure is a whole `kb` process (start-up included): wall time and CPU time (user + system,
its worker processes included), best and median of several runs, with the load average at the
end, since other work on the machine slows a process down. kb's bytecode is written first, as
an install writes it (see procs.py). Last, the knowledge base becomes a git repository named in
kb.toml's `[[repositories]]`, as in a real adopter's infrastructure repository, and `--check` is
timed again. Targets: render < 3 s, check with nothing changed < 1 s (with repositories too). Run:

    .venv/bin/python bench/render_bench.py [--findings 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from gen_kb import generate
from procs import compile_kb, kb_command

FINDING = "records/findings/F-bench-finding-000007.yaml"


def timed(args: list[str], root: Path, expect: int) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one whole `kb` process, which must exit `expect`
    (a render that failed would be fast for the wrong reason)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([*kb_command(), "--root", str(root), *args], capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != expect:
        raise SystemExit(f"kb {' '.join(args)} exited {result.returncode}:\n{result.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def report(label: str, runs: list[tuple[float, float]]) -> None:
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    load = " ".join(f"{n:.2f}" for n in os.getloadavg())
    print(
        f"{label:<46} wall best {min(walls):5.2f} s median {statistics.median(walls):5.2f} s"
        f" | cpu best {min(cpus):5.2f} s median {statistics.median(cpus):5.2f} s"
        f" | load {load} ({len(runs)} runs)"
    )


def edit(root: Path, n: int) -> None:
    """Change one finding, as a user would between two renders."""
    path = root / FINDING
    path.write_text(re.sub(r"(?m)^fix: .*$", f"fix: Fixed by change {n}", path.read_text(), count=1))


def as_repository(root: Path) -> None:
    """Commit the knowledge base (records, docs, kb.toml) into a new git repository at `root` and
    name it in kb.toml, as an infrastructure repository that adopted kb is."""
    (root / ".gitignore").write_text(".kb-cache/\n")
    identity = ["-c", "user.name=Bench", "-c", "user.email=bench@example.org"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], [*identity, "commit", "-q", "-m", "records"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    with (root / "kb.toml").open("a") as config:
        config.write('\n[[repositories]]\nname = "infra"\npath = "."\n')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    runs = range(options.runs)
    compile_kb()
    with tempfile.TemporaryDirectory(prefix="kb-render-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        generate(root, options.findings)
        files = sum(1 for _ in (root / "records").rglob("*.yaml"))
        print(f"generated {options.findings} findings, {files} record files in {time.perf_counter() - started:.1f} s")
        time.sleep(2.5)  # past the racy window, as files in a real checkout are
        report("kb --help (start-up)", [timed(["--help"], root, 0) for _ in runs])
        report("kb validate", [timed(["validate"], root, 0) for _ in runs])
        report("kb render, first run (parse all, write all)", [timed(["render"], root, 0)])
        outputs = sum(1 for _ in (root / "docs").rglob("*.md"))
        fresh = []
        for _ in runs:
            shutil.rmtree(root / "docs")
            fresh.append(timed(["render"], root, 0))
        report("kb render, outputs deleted (write all)", fresh)
        edited = []
        for n in runs:
            edit(root, n)
            edited.append(timed(["render"], root, 0))
        report("kb render, one finding edited", edited)
        time.sleep(2.5)
        timed(["render", "--check"], root, 0)  # stamps the now-settled inputs
        report("kb render --check, nothing changed", [timed(["render", "--check"], root, 0) for _ in runs])
        stale = []
        for n in runs:
            edit(root, n + 100)
            stale.append(timed(["render", "--check"], root, 1))
        report("kb render --check, one finding edited (exit 1)", stale)
        timed(["render"], root, 0)
        as_repository(root)
        timed(["render"], root, 0)  # kb.toml changed: the render now reads the repository too
        time.sleep(2.5)
        timed(["render", "--check"], root, 0)
        checks = [timed(["render", "--check"], root, 0) for _ in runs]
        report("kb render --check, repositories, no change", checks)
        print(f"{outputs} documents; targets: render < 3 s, check < 1 s. The machine is shared: compare cpu too.")


if __name__ == "__main__":
    main()
