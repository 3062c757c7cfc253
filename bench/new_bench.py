"""How long `kb new finding` (flags route) and `kb --help` take as whole processes.

Copies the sample knowledge base to a temporary folder, runs each command N times as a script
would (the `kb` command, a fresh process each time, stdin not a terminal, with kb's bytecode
written as an install writes it: see procs.py) and prints the median and spread in
milliseconds: wall-clock time, and the CPU time (user + system) the process used, which varies
less when other work shares the machine. `kb new` is measured three ways, taking turns (so a
change in the machine's load affects all three alike): in the foreground (KB_DAEMON=off); with
KB_DAEMON unset and no daemon running, as kb runs by default (it looks for a daemon first: the
difference is what looking costs); and answered by a kb daemon of the benchmark's own, whose
worker's CPU time the figure cannot include (so read its wall time).

    python bench/new_bench.py [N]
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from procs import FOREGROUND, ROOT, UNSET, compile_kb, daemon_runs, kb_command, own_daemon, timed


def runs_of(args: list[str], cwd: Path, runs: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each run; `{i}` in the last argument becomes the run number."""
    times = [timed([*args[:-1], args[-1].format(i=i)], cwd, env) for i in range(runs)]
    return [wall for wall, _ in times], [cpu for _, cpu in times]


def in_turn(ways: dict[str, tuple[list[str], dict[str, str]]], cwd: Path, runs: int) -> None:
    """Run each way's command (`{i}` as in `runs_of`) once in turn, `runs` times, and report each way."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    for i in range(runs):
        for name, (args, env) in ways.items():
            times[name].append(timed([*args[:-1], args[-1].format(i=i)], cwd, env))
    for name, measured in times.items():
        report(name, ([wall for wall, _ in measured], [cpu for _, cpu in measured]))


def report(name: str, times: tuple[list[float], list[float]]) -> None:
    wall, cpu = times
    print(
        f"{name:<34} wall median {statistics.median(wall):5.0f} ms (min {min(wall):4.0f}, max {max(wall):4.0f})"
        f"   cpu median {statistics.median(cpu):5.0f} ms   n={len(wall)}"
    )


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    compile_kb()
    kb_cmd = kb_command()
    with tempfile.TemporaryDirectory() as tmp:
        kb = Path(tmp)
        shutil.copytree(ROOT / "data", kb / "data")
        (kb / "kb.toml").write_text('records = "data"\n')
        new = [
            *kb_cmd,
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
        report("python -c pass", runs_of([sys.executable, "-c", "pass"], kb, runs, FOREGROUND))
        report("kb --help", runs_of([*kb_cmd, "--help"], kb, runs, FOREGROUND))
        findings = kb / "data" / "findings"
        before = len(list(findings.iterdir()))
        with own_daemon() as daemon:
            ways = {"kb new finding, KB_DAEMON=off": (new, FOREGROUND)}
            if daemon_runs(UNSET):
                print("kb new finding, KB_DAEMON unset: skipped, a daemon of yours runs (kb daemon stop)")
            else:
                ways["kb new finding, unset, none runs"] = ([*new[:-1], "Unset {i}"], UNSET)
            ways["kb new finding, daemon (wall only)"] = ([*new[:-1], "Served {i}"], daemon)
            in_turn(ways, kb, runs)
        print(
            f"findings created: {len(list(findings.iterdir())) - before} of {len(ways) * runs}; "
            f"load average now {' '.join(f'{n:.2f}' for n in os.getloadavg())} on {os.cpu_count()} cores"
        )


if __name__ == "__main__":
    main()
