"""Every verb under every fault of issue 17 that used to end in a traceback: tests/cases/faults.yaml.

Each command is a real `kb` process on its own copy of the sample knowledge base with the fault
made real: a record nested 400 deep, a link loop, a 4 GiB sparse file, a corrupt pack, no git,
a full or read-only file system (a tmpfs, as root), a mode of 000 (with root's permission
override dropped), a port in use, a kb.toml that is not UTF-8, PYTHONIOENCODING=ascii. No
command may print a traceback or hang; each exits as its case expects and says why it failed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import unprivileged
from tests.conftest import SAMPLE

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="tmpfs, /proc and the capabilities of Linux")
CASES: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "cases" / "faults.yaml").read_text())
FIXTURES = Path(__file__).parent / "fixtures"
SECONDS = 90
"""What any one command may take, however it fails."""
WORKERS = 4

INJECTED = """
import builtins, os, sys

root, code = sys.argv[1], int(sys.argv[2])


def refuse(path):
    if isinstance(path, (str, bytes, os.PathLike)) and os.path.abspath(os.fsdecode(path)).startswith(root):
        raise OSError(code, os.strerror(code), os.fsdecode(path))


def writes(real, check):
    def wrapped(path, *args, **kwargs):
        if check(args, kwargs):
            refuse(path)
        return real(path, *args, **kwargs)
    return wrapped


always = lambda args, kwargs: True
flags = lambda args, kwargs: (args[0] if args else kwargs.get("flags", 0)) & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
mode = lambda args, kwargs: any(c in (args[0] if args else kwargs.get("mode", "r")) for c in "wax+")
os.open = writes(os.open, flags)
builtins.open = writes(builtins.open, mode)
for name in ("mkdir", "replace", "rename", "link"):
    setattr(os, name, writes(getattr(os, name), always))
sys.argv = ["kb", *sys.argv[3:]]
from kb.__main__ import main

main()
"""
"""A `kb` whose writes under the knowledge base fail with one errno: a full or read-only disk
where the tests may not mount one (not root)."""


@dataclass
class World:
    """Where a case's commands run: a copy of the sample per command, and how to start `kb` there."""

    base: Path
    env: dict[str, str] = field(default_factory=dict)
    preexec: Callable[[], None] | None = None
    inject: int | None = None
    """The errno every write fails with, where no real file system can be made to."""
    mount: Path | None = None
    busy: int = 0
    """A port something listens on already."""

    def copy(self, name: str, template: Path | None = None) -> Path:
        """A copy of the sample (or of `template`, a copy made earlier) for one command."""
        root = self.base / name
        if template is not None:
            shutil.copytree(template, root, symlinks=True)
            return root
        shutil.copytree(SAMPLE, root / "data")
        (root / "kb.toml").write_text('records = "data"\n')
        return root

    def argv(self, root: Path, args: list[str]) -> list[str]:
        if self.inject is not None:
            return [sys.executable, "-c", INJECTED, str(root), str(self.inject), "--root", str(root), *args]
        return [sys.executable, "-m", "kb", "--root", str(root), *args]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def nested(depth: int) -> str:
    return "[" * depth + "x" + "]" * depth


def apply(step: dict[str, Any], root: Path, world: World) -> None:
    """One setup or fault step on one copy (see tests/cases/faults.yaml)."""
    if "kb" in step:
        done = subprocess.run(world.argv(root, step["kb"]), capture_output=True, text=True, timeout=SECONDS)
        assert done.returncode == 0, done.stderr
    elif "write" in step:
        (root / step["write"]).write_bytes(step["text"].encode("latin-1" if step.get("latin1") else "utf-8"))
    elif "nested" in step:
        text = f"id: F-deeply-nested-aaaaa\naudit: AUD-production-ecosystem-audit-k3f9x\n{step['key']}: "
        (root / step["nested"]).write_text(text + nested(step["depth"]) + "\ntitle: Deep\n")
    elif "toml_nested" in step:
        (root / "kb.toml").write_text(f'records = "data"\nx = {nested(step["toml_nested"])}\n')
    elif "symlink" in step:
        (root / step["symlink"]).symlink_to(step["to"])
    elif "sparse" in step:
        with (root / step["sparse"]).open("wb") as handle:
            handle.truncate(step["size"])
    elif "mkdir" in step:
        (root / step["mkdir"]).mkdir(parents=True)
    elif "chmod" in step:
        (root / step["chmod"]).chmod(step["mode"])
        world.preexec = unprivileged.preexec()
    elif step.get("repository") == "corrupt":
        corrupt_repository(root)
    elif step.get("repository") == "named":
        with (root / "kb.toml").open("a") as config:
            config.write('[[repositories]]\nname = "infra"\npath = "."\n')
    elif "env" in step:
        world.env.update({k: "/nonexistent" if (k, v) == ("PATH", "none") else v for k, v in step["env"].items()})
    else:
        raise AssertionError(f"unknown step {step}")


def corrupt_repository(root: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)

    git("init", "-q")
    for n in range(3):
        (root / "change.txt").write_text(f"change {n}\n")
        git("add", "-A")
        git("-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "-qm", f"change {n}")
    git("repack", "-adq")
    (pack,) = (root / ".git" / "objects" / "pack").glob("*.pack")
    data = bytearray(pack.read_bytes())
    for i in range(64, len(data) - 64, 7):
        data[i] ^= 0xFF
    pack.chmod(0o644)
    pack.write_bytes(bytes(data))
    with (root / "kb.toml").open("a") as config:
        config.write('[[repositories]]\nname = "infra"\npath = "."\n')


@contextlib.contextmanager
def disk(world: World, kind: str) -> Iterator[None]:
    """The copies on a file system of their own, full or read-only (or, not root, writes refused)."""
    if world.mount is None:
        world.inject = errno.ENOSPC if kind == "full" else errno.EROFS
        yield
        return
    if kind == "full":
        filler = os.open(world.mount / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            with contextlib.suppress(OSError):
                while os.write(filler, b"\0" * 65536):
                    pass
        finally:
            os.close(filler)
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(world.mount)], check=True)
    yield


@contextlib.contextmanager
def own_file_system(tmp_path: Path, wanted: bool) -> Iterator[Path | None]:
    """A tmpfs to put the copies on, when a case needs one and the tests may mount (root)."""
    if not wanted or os.geteuid() != 0:
        yield None
        return
    mount = tmp_path / "fs"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", str(mount)]).returncode:
        yield None
        return
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@dataclass
class Outcome:
    name: str
    args: list[str]
    status: int | str
    output: str


def run(world: World, root: Path, name: str, args: list[str]) -> Outcome:
    """One command; `kb serve` counts as done (status 0) once it listens on its port."""
    serving = args[:1] == ["serve"] and str(world.busy) not in args
    process = subprocess.Popen(
        world.argv(root, args),
        cwd=root,
        env={**os.environ, **world.env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=world.preexec,
    )
    deadline = time.monotonic() + SECONDS
    while process.poll() is None and time.monotonic() < deadline:
        if serving and listens(int(args[args.index("--port") + 1])):
            process.terminate()
            process.wait(timeout=SECONDS)
            return Outcome(name, args, 0, process.communicate()[0])
        time.sleep(0.2)
    if process.poll() is None:
        process.kill()
        return Outcome(name, args, "hung", process.communicate()[0])
    return Outcome(name, args, process.returncode, process.communicate()[0])


def listens(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def commands(case: dict[str, Any], ports: Iterator[int], busy: int) -> dict[str, list[str]]:
    table: dict[str, list[str]] = CASES["all"] if case["commands"] == "all" else case["commands"]
    filled = {"port": "", "busy": str(busy), "fixtures": str(FIXTURES), "long": "Disk " * 60 + "full"}
    found = {}
    for name, args in table.items():
        filled["port"] = str(next(ports))
        found[name] = [arg.format(**filled) for arg in args]
    return found


def problems(case: dict[str, Any], outcome: Outcome) -> list[str]:
    expected = case["expect"].get(outcome.name) or case["expect"].get("*") or {"status": [0, 1, 2]}
    found = []
    if "Traceback" in outcome.output:
        found.append("printed a traceback")
    if outcome.status not in expected["status"]:
        found.append(f"exit status {outcome.status}, not one of {expected['status']}")
    if "says" in expected and expected["says"] not in outcome.output:
        found.append(f"did not say {expected['says']!r}")
    if outcome.status not in (0, "hung") and not outcome.output.strip():
        found.append("failed without a word")
    return [f"{outcome.name} ({' '.join(outcome.args)}): {p}\n{outcome.output[-1500:]}" for p in found]


FAULTS: list[dict[str, Any]] = CASES["faults"]


@pytest.mark.parametrize("case", FAULTS, ids=[case["id"] for case in FAULTS])
def test_no_verb_shows_a_traceback(case: dict[str, Any], tmp_path: Path) -> None:
    steps = [*CASES["setup"], *case.get("fault", [])]
    runs = [step for step in steps if "kb" in step]
    assert steps[: len(runs)] == runs, "`kb` steps come first: they run once, on the copy the others are made from"
    on_disk = next((step["disk"] for step in steps if "disk" in step), None)
    with own_file_system(tmp_path, on_disk is not None) as mount, socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        world = World(mount or tmp_path / "copies", mount=mount, busy=busy.getsockname()[1])
        table = commands(case, iter(free_port, None), world.busy)
        template = World(tmp_path / "template").copy("sample")
        for step in runs:
            apply(step, template, world)
        roots = {name: world.copy(name, template) for name in table}
        for step in steps[len(runs) :]:
            if "disk" not in step:
                for root in roots.values():
                    apply(step, root, world)
        with disk(world, on_disk) if on_disk else contextlib.nullcontext(), ThreadPoolExecutor(WORKERS) as pool:
            outcomes = list(pool.map(lambda item: run(world, roots[item[0]], *item), table.items()))
        for root in roots.values():  # modes of 000 back, so the folder can be removed
            for path in [root, *root.rglob("*")]:
                if not path.is_symlink():
                    with contextlib.suppress(OSError):
                        path.chmod(0o755 if path.is_dir() else 0o644)
    found = [problem for outcome in outcomes for problem in problems(case, outcome)]
    assert not found, "\n\n".join(found)
