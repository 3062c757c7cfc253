"""What the process benchmarks share: the `kb` command as a user runs it, timed.

Installing a package writes its bytecode; an editable install writes it on first use, unless
PYTHONDONTWRITEBYTECODE is set (as on the development machines here), when every `kb` process
would compile each of kb's modules again: about 150 ms that no installed kb pays. So the
benchmarks write the bytecode first, as `pip install` would.
"""

from __future__ import annotations

import compileall
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def kb_command() -> list[str]:
    """The `kb` console script of this Python's environment, else `python -m kb`."""
    script = Path(sys.executable).with_name("kb")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "kb"]


FOREGROUND = {**os.environ, "KB_DAEMON": "off"}
"""The environment of a `kb` that runs every command itself."""
UNSET = {key: value for key, value in os.environ.items() if key != "KB_DAEMON"}
"""The environment of a `kb` whose user never set KB_DAEMON: it looks for a running daemon
first, and runs the command itself when there is none (kb's default)."""


def daemon_runs(env: dict[str, str]) -> bool:
    """Whether a daemon answers the `kb` commands of `env`."""
    return subprocess.run([*kb_command(), "daemon", "status"], env=env, capture_output=True).returncode == 0


@contextmanager
def own_daemon() -> Iterator[dict[str, str]]:
    """A kb daemon of the benchmark's own, started now and stopped after; yields the environment
    whose `kb` commands it answers."""
    env = {**os.environ, "KB_DAEMON": f"bench-{os.getpid()}"}
    subprocess.run([*kb_command(), "daemon", "start"], env=env, capture_output=True, check=True)
    try:
        yield env
    finally:
        subprocess.run([*kb_command(), "daemon", "stop"], env=env, capture_output=True, check=True)


def compile_kb() -> None:
    """Write the bytecode of kb's modules, as installing kb does."""
    compileall.compile_dir(ROOT / "kb", quiet=1)


def timed(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one process, in milliseconds; stdin is not a
    terminal, as when a script or an agent runs kb.

    On a shared machine the wall time includes waiting for a core; the CPU time does not, so it
    is close to what the wall time would be on an idle machine. A command the kb daemon runs
    spends its CPU time in the daemon's worker, which this does not count: use the wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    elapsed = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
