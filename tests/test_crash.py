"""Killed anywhere, kb loses nothing: `kb new`, `close`, `render`, `link` and `site`, each
SIGKILLed at 30 random points (10 with KB_NO_SPEED=1, which runs the suite a second time).

Each command runs in a process of its own, forked from a warm one (tests/crashkit.py) so that a
kill costs no Python start. Half the kills come after a random delay within the command's run,
half at a random one of the file changes it makes (created, moved in, removed), which is where a
kill can lose data. After each kill every file the command writes is as it was or as a complete
run leaves it (a new record complete and valid, or absent), never a mix or an empty file; then
the next command succeeds and no temporary file survives it; at the end a fresh `kb` process
does too. The figures (kills, and how many caught the command with a temporary file written, or
after it changed a file) are printed with -s.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from kb import speed
from kb.store import tempfiles
from tests import crashkit
from tests.conftest import SAMPLE
from tests.gitrepos import build_world

KILLS = 30 if speed.enabled() else 10
WORKERS = 2
"""Copies killed side by side, one per core here."""
SEED = int(os.environ.get("KB_CRASH_SEED", time.time_ns() % 1_000_000))
ACTION = "ACT-sentinel-namespace-empty-7bg2x"
TITLE = "Killed while writing"

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="inotify and /proc: Linux only")
Files = dict[str, str]


def kb(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", "--root", str(root), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def files(root: Path, *patterns: str) -> Files:
    """The text of every file under `root` matching one of `patterns`, by relative path."""
    found = {}
    for pattern in patterns:
        for path in root.glob(pattern):
            if path.is_file() and not tempfiles.is_temporary(path.name):
                found[str(path.relative_to(root))] = path.read_text(errors="replace")
    return found


def temporaries(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob(f"*{tempfiles.SUFFIX}"))


@dataclass
class Scenario:
    """A command to kill, the files it writes, and the command that must succeed after a kill."""

    args: list[str]
    watched: tuple[str, ...]
    after: list[str]
    prepare: Callable[[Path], Path]
    same_after: bool = True
    """Whether the watched files must be the complete run's once `after` has run."""
    writes_records: bool = True
    """False for `kb site`, which writes no record: the records must stay as they were."""


def sample(base: Path) -> Path:
    root = base / "kb"
    shutil.copytree(SAMPLE, root / "data")
    (root / "kb.toml").write_text('records = "data"\n')
    return root


def stale_docs(base: Path) -> Path:
    """The sample with its documents rendered, then a record changed, so a render rewrites them."""
    root = sample(base)
    assert kb(root, "render").returncode == 0
    record = root / "data" / "findings" / "F-grafana-crashloopbackoff-7hd3x.yaml"
    record.write_text(record.read_text().replace("title: ", "title: Recurring ", 1))
    return root


def many_commits(base: Path) -> Path:
    """A knowledge base citing 120 commits of a real repository, none of them with a record yet."""
    world = build_world(base)
    hashes = [world.app.commit(f"chore: step {n}") for n in range(120)]
    world.write(
        "audits",
        "AUD-many-commits-66666",
        "id: AUD-many-commits-66666\ntitle: Many commits\nstarted: 2026-01-10\ntrigger: test\n"
        "scope:\n  description: all\ncommits:\n" + "".join(f"- {h[:10]}\n" for h in hashes),
    )
    return world.root


SCENARIOS = {
    "new": Scenario(
        ["new", "finding", "--title", TITLE, "--severity", "high", "--no-input"],
        ("data/findings/*.yaml",),
        ["validate"],
        sample,
        same_after=False,
    ),
    "close": Scenario(
        ["close", ACTION, "--note", "closed as it was killed", "--date", "2026-02-01"],
        ("data/actions/*.yaml",),
        ["validate"],
        sample,
        same_after=False,
    ),
    "render": Scenario(["render"], ("docs/**/*.md", "data/**/*.yaml"), ["render"], stale_docs),
    "link": Scenario(["link"], ("data/**/*.yaml",), ["link"], many_commits),
    "site": Scenario(["site"], ("data/**/*.yaml",), ["site"], sample, writes_records=False),
}


def acceptable(verb: str, now: Files, old: Files, new: Files) -> list[str]:
    """What is wrong with the files `now`: each must be the old text or the complete run's."""
    if verb == "new":  # the new record has an ID of its own each time: at most one more, complete
        extra = [path for path in now if path not in old]
        wrong = [path for path in old if now.get(path) != old[path]]
        for path in extra:
            record = yaml.safe_load(now[path]) or {}
            if record.get("title") != TITLE or record.get("id") != Path(path).stem:
                wrong.append(f"{path} is not a complete new record: {now[path][:200]!r}")
        return wrong + ([f"{len(extra)} new records"] if len(extra) > 1 else [])
    return [path for path in {*now, *old, *new} if now.get(path) not in (old.get(path), new.get(path))]


def restore(root: Path, scenario: Scenario, old: Files) -> None:
    for path in files(root, *scenario.watched):
        if path not in old:
            (root / path).unlink()
    for path, text in old.items():
        if (root / path).read_text(errors="replace") != text:
            (root / path).write_text(text)


@dataclass
class Tally:
    kills: int = 0
    mid_write: int = 0
    """Kills that caught the command with a temporary file written."""
    mid_change: int = 0
    """Kills that came between the command's first and last change of a file."""
    changed: int = 0
    """Kills after which some watched file was the complete run's already."""
    finished: int = 0
    """Commands that ended before their kill came."""


def folders(root: Path, verb: str) -> list[Path]:
    """The folders the command writes in, to count its changes there."""
    named = {"new": ["data/findings"], "close": ["data/actions"], "render": ["docs", "docs/audits"]}
    named |= {"link": ["data/commits"], "site": [".kb-cache/site-docs", "site"]}
    found = [root / name for name in named[verb]]
    return found + [path for folder in found if folder.is_dir() for path in folder.iterdir() if path.is_dir()]


def changes(zygote: crashkit.Zygote, verb: str, root: Path, old: Files, log: Path) -> tuple[int, float]:
    """How many file changes a complete run makes in its folders, and how long it takes (the
    middle of three runs)."""
    counts, times = [], []
    for _ in range(3):
        restore(root, SCENARIOS[verb], old)
        watch = crashkit.Watch(folders(root, verb))
        started = time.monotonic()
        assert zygote.run(root, SCENARIOS[verb].args, log) == 0, log.read_text()
        times.append(time.monotonic() - started)
        counts.append(watch.drain())
        watch.close()
    return max(counts), sorted(times)[1]


def kill_at_random(verb: str, root: Path, old: Files, new: Files, rounds: int, seed: int) -> Tally:
    scenario, chance, tally = SCENARIOS[verb], random.Random(seed), Tally()
    zygote, log = crashkit.Zygote(), root.parent / "kb.log"
    try:
        count, took = changes(zygote, verb, root, old, log)
        for round in range(rounds):
            restore(root, scenario, old)
            watch = crashkit.Watch(folders(root, verb))
            pid = zygote.start(root, scenario.args, log)
            if round % 2:
                nth = chance.randint(1, max(count, 1))
                how = f"at change {nth} of {count}"
                crashkit.kill_at_event(pid, watch, nth, 10 * took + 5)
            else:
                delay = chance.uniform(0, 1.1 * took)
                how = f"after {delay:.3f} s of {took:.3f}"
                crashkit.kill_after(pid, delay)
            status, seen = zygote.wait(), watch.drain()
            watch.close()
            where = f"round {round}, seed {seed}, killed {how}"
            assert status in (-signal.SIGKILL, 0), f"{where}: {status}, {log.read_text()}"
            killed = status == -signal.SIGKILL  # else it had ended by the time the signal came
            tally.kills += killed
            tally.finished += not killed
            tally.mid_change += killed and 0 < seen < count
            tally.mid_write += bool(temporaries(root))
            now = files(root, *scenario.watched)
            tally.changed += now != old
            wrong = acceptable(verb, now, old, new)
            assert not wrong, f"{where}: {wrong}"
            after = zygote.run(root, scenario.after, log)
            assert after == 0, f"{where}: kb {' '.join(scenario.after)}: {log.read_text()}"
            assert temporaries(root) == [], f"{where}: left after the next run"
            if scenario.same_after:
                assert files(root, *scenario.watched) == new, where
    finally:
        zygote.close()
    cold = kb(root, *scenario.after)  # and a kb started afresh agrees
    assert cold.returncode == 0, cold.stderr
    return tally


@pytest.mark.parametrize("verb", list(SCENARIOS))
def test_a_killed_command_leaves_every_file_old_or_new(verb: str, tmp_path: Path) -> None:
    scenario = SCENARIOS[verb]
    first = scenario.prepare(tmp_path / "first")
    old = files(first, *scenario.watched)
    done = kb(first, *scenario.args)
    assert done.returncode == 0, done.stderr
    new = files(first, *scenario.watched)
    assert (new != old) == scenario.writes_records
    roots = []
    for n in range(WORKERS):
        root = tmp_path / f"copy{n}" / first.name
        shutil.copytree(first.parent, root.parent, symlinks=True)
        restore(root, scenario, old)
        roots.append(root)
    tallies: list[Tally] = []
    while sum(t.kills for t in tallies) < KILLS:  # a command that ended before its kill is no kill
        wanted = KILLS - sum(t.kills for t in tallies)
        with ThreadPoolExecutor(WORKERS) as pool:
            runs = [
                pool.submit(kill_at_random, verb, root, old, new, -(-wanted // WORKERS), SEED + len(tallies) + n)
                for n, root in enumerate(roots)
            ]
            tallies += [run.result() for run in runs]
    kills, finished = sum(t.kills for t in tallies), sum(t.finished for t in tallies)
    mid, changing = sum(t.mid_write for t in tallies), sum(t.mid_change for t in tallies)
    changed = sum(t.changed for t in tallies)
    print(
        f"\nkb {verb}: {kills} kills (seed {SEED}): {changing} between its first and last file change, {mid} with"
        f" a temporary file written, {changed} after a record or document changed; {finished} more runs ended"
        " before their kill"
    )
