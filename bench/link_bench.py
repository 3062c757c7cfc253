"""Benchmark kb link on a long history: 100,000 commits, 1,000 cited hashes, one trailer scan.

Builds the repository with `git fast-import` (seconds, not minutes) under bench/out/, then
prints, best of several runs:

- resolving 1,000 abbreviated hashes in process (cat-file --batch-check), and reading their
  facts too (one `log --no-walk --stdin`, files changed included), next to the raw floor: one
  `git cat-file --batch` over the same hashes;
- the trailer and revert scan, one pass over all of history;
- the whole `kb link` as a process on a knowledge base citing those 1,000 commits: the first
  run (writes every record, scans all history), a second (nothing to change), one after new
  commits (history cache topped up), and one with the history cache removed.

Run: python bench/link_bench.py [--commits N] [--cited N]
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from procs import compile_kb, kb_command

from kb.gitlink.gitrepo import Repository

OUT = Path(__file__).parent / "out" / "link"
FINDINGS = 100
TRAILER_EVERY = 997


def fast_import_stream(commits: int) -> bytes:
    """A linear history touching files spread over 100 folders, with a trailer now and then."""
    parts = []
    for i in range(commits):
        message = f"change {i}: tune setting {i % 1000}\n"
        if i % TRAILER_EVERY == 0:
            message += f"\nFinding: F-bench-finding-{(i // TRAILER_EVERY) % FINDINGS:05d}\n"
        content = f"value {i}\n"
        data = message.encode()
        parts.append(
            f"commit refs/heads/main\nmark :{i + 1}\n"
            f"author Bench <bench@example.org> {1700000000 + i * 60} +0000\n"
            f"committer Bench <bench@example.org> {1700000000 + i * 60} +0000\n"
            f"data {len(data)}\n{message}"
            f"M 644 inline d{i % 100}/f{i % 1000}.txt\ndata {len(content)}\n{content}\n"
        )
    return "".join(parts).encode()


def build_repo(path: Path, commits: int) -> bool:
    """Build the repository unless the last run left one of the same size; True if built.

    `git gc` afterwards packs it the way a real repository is (and writes the commit-graph).
    """
    marker = path / ".git" / "bench-commits"
    if marker.is_file() and marker.read_text() == str(commits):
        return False
    if path.exists():
        shutil.rmtree(path)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=fast_import_stream(commits), check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=path, check=True)
    subprocess.run(["git", "gc", "-q"], cwd=path, check=True)
    marker.write_text(str(commits))
    return True


def add_commits(repo: Path, count: int) -> None:
    for i in range(count):
        subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", f"new work {i}"], cwd=repo, check=True)


def build_kb(root: Path, repo: Path, cited: list[str]) -> None:
    """A knowledge base whose findings cite the commits, ten per finding."""
    if root.exists():
        shutil.rmtree(root)
    (root / "data" / "audits").mkdir(parents=True)
    (root / "data" / "findings").mkdir()
    (root / "kb.toml").write_text(f'records = "data"\n\n[[repositories]]\nname = "app"\npath = "{repo}"\n')
    audit = "AUD-bench-audit-00000"
    (root / "data" / "audits" / f"{audit}.yaml").write_text(
        f"id: {audit}\ntitle: bench\nstarted: 2023-11-14\ntrigger: bench\nscope:\n  description: bench\n"
    )
    per = max(1, len(cited) // FINDINGS)
    for n in range(FINDINGS):
        fid = f"F-bench-finding-{n:05d}"
        commits = "".join(f"- {h}\n" for h in cited[n * per : (n + 1) * per])
        (root / "data" / "findings" / f"{fid}.yaml").write_text(
            f"id: {fid}\naudit: {audit}\ntitle: finding {n}\ncommits:\n{commits or '[]'}"
        )


def best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--cited", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    repo_path = OUT / "repo"
    start = time.perf_counter()
    if build_repo(repo_path, args.commits):
        print(f"built {args.commits:,} commits (git fast-import, then gc) in {time.perf_counter() - start:.1f} s")
    else:
        print(f"reusing the {args.commits:,}-commit repository in {repo_path}")

    every = subprocess.run(
        ["git", "rev-list", "--all"], cwd=repo_path, capture_output=True, text=True, check=True
    ).stdout.split()
    hashes = random.Random(4).sample(every, args.cited)
    prefixes = [h[:10] for h in hashes]

    def raw(command: list[str], lines: list[str]) -> Callable[[], object]:
        data = "".join(f"{line}\n" for line in lines).encode()
        return lambda: subprocess.run(command, cwd=repo_path, input=data, capture_output=True, check=True)

    log = ["git", "log", "--no-walk=unsorted", "--stdin", "--name-only", "--no-renames", "--diff-merges=first-parent"]
    with Repository(repo_path) as repo:
        resolved = repo.resolve(prefixes)
        assert sorted(v for v in resolved.values() if v) == sorted(hashes)
        floor = best(args.runs, raw(["git", "cat-file", "--batch"], prefixes))
        only = best(args.runs, lambda: repo.resolve(prefixes))
        log_floor = best(args.runs, raw(log, hashes))
        facts = best(args.runs, lambda: repo.commits(hashes))
        scan = best(args.runs, lambda: list(repo.mentions(["Finding", "Action", "Lesson", "Refs"])))
        found = len(list(repo.mentions(["Finding"])))

    n = f"{args.cited:,}"
    print(f"raw `git cat-file --batch`, {n} abbreviations:       {floor * 1000:7.1f} ms  (the floor)")
    print(f"kb resolve {n} abbreviations (in process):     {only * 1000:7.1f} ms  ({only / floor:.1f}x the floor)")
    print(f"raw `git log --no-walk --stdin --name-only`, {n}: {log_floor * 1000:7.1f} ms  (git's floor for file lists)")
    print(f"kb subject/author/date/files of {n} (in process): {facts * 1000:7.1f} ms  ({facts / log_floor:.1f}x that)")
    print(f"trailer + revert scan, one pass over {args.commits:,} commits: {scan * 1000:7.1f} ms ({found} trailers)")

    kb_root = OUT / "kb"
    build_kb(kb_root, repo_path, prefixes)
    compile_kb()
    command = [*kb_command(), "--root", str(kb_root), "link"]
    runs = [
        ("first run: no cache, writes every record", lambda: None),
        ("second run: nothing to change", lambda: None),
        ("after 10 new commits", lambda: add_commits(repo_path, 10)),
        ("cold history cache, nothing to change", lambda: shutil.rmtree(kb_root / ".kb-cache")),
    ]
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo_path, capture_output=True, text=True).stdout.strip()
    for label, prepare in runs:
        prepare()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        summary = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
        print(f"`kb link` process, {label}: {elapsed:.2f} s wall, {cpu:.2f} s CPU, exit {result.returncode}")
        print(f"    {summary}")
    subprocess.run(["git", "update-ref", "refs/heads/main", head], cwd=repo_path, check=True)  # as built
    print("(2 shared cores, other jobs running: figures are noisy; best of runs where repeated)")


if __name__ == "__main__":
    main()
