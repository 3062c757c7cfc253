"""Benchmark `kb search` on a generated knowledge base of 10,000 records.

Prints: the first search as a whole process (it builds the index), later searches as whole
processes (run in the foreground, KB_DAEMON=off, and answered by a kb daemon of the benchmark's
own, which watches the records folder; then again with one record file a symbolic link, which
the watch cannot vouch for, so the daemon lists and stats every file as a foreground search
does: the difference is what the watch saves), one search right after editing a record (both
ways),
the in-process up-to-date check and query times, and the slowest imports of a `kb search`
process. Targets (issue 6): first < 5 s, later < 100 ms per process, < 20 ms in process. A
search the daemon answers spends its CPU time in the daemon's worker, which the CPU figures of
the process cannot count: read its wall time.

    python bench/search_bench.py [--records 10000] [--out bench/out/search]

Processes run the `kb` command inside the knowledge base, as a user does, with kb's bytecode
written first as an install writes it (see procs.py).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from procs import FOREGROUND, compile_kb, kb_command, own_daemon, timed

from kb.fulltext.index import index_path, open_index
from kb.fulltext.ranking import Filters, run, search
from kb.store.config import discover
from kb.store.layout import FOLDERS

_DOMAIN = """
pod node kubelet cni flannel calico coredns dns ingress traefik tunnel cloudflared route certificate
tls expiry secret rotation vault external-secrets argocd sync drift helm chart hook values kyverno
policy admission webhook image tag digest registry pull backoff crashloop probe readiness liveness
startup timeout memory oom eviction disk pressure volume longhorn pvc snapshot backup restore
postgres replica lag migration redis queue latency error rate alert grafana prometheus loki
dashboard runner builder agent server version upgrade downgrade mismatch cronjob job deadlock
namespace quota limit cpu throttling autoscaler replica rollout canary rollback deploy config
"""
_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "zen", "dra", "bel", "cor", "fin", "gar", "hul")
WORDS = _DOMAIN.split() + sorted({a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in ("", "x", "on", "ite")})
"""Domain words first, then about 900 rarer made-up names (services, hosts, error codes)."""
_WEIGHTS = [1 / (rank + 10) for rank in range(len(WORDS))]
"""Zipf-like frequencies: a few words are everywhere, most are rare, as in real prose."""
COMPONENTS = [f"{a}-{b}" for a in ("api", "web", "worker", "proxy", "gateway") for b in ("auth", "pay", "mail", "cdn")]
SEVERITIES = ("critical", "high", "medium", "low", "info")
QUERIES: list[tuple[str, str | None]] = [
    ("pods on the new node can't reach the API", None),
    ("helm hook deadlock", None),
    ("crashloop probe timeout", None),
    ('"disk pressure"', None),
    ("certificate expiry tunnel", None),
    ("kyverno", "lesson"),
    ("oom eviction memory", None),
    ("argocd sync drift", "finding"),
    ("kyvrno webhok timout", None),
    ("worker keeps restarting, apiserver unreachable", None),
]
"""(query, --kind or None); the last two lean on typo tolerance and synonyms."""
MIX = {"finding": 0.4, "action": 0.25, "lesson": 0.15, "commit": 0.12, "audit": 0.07, "snapshot": 0.01}


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(WORDS, _WEIGHTS, k=n)).capitalize()


def record(kind: str, i: int, rng: random.Random, audits: list[str]) -> tuple[str, str]:
    """(file name, YAML text) of one realistic-looking record."""
    audit = rng.choice(audits) if audits else f"AUD-audit-{i}-a{i:04d}"
    tags = "".join(f"- {t}\n" for t in rng.sample(WORDS, 3))
    day = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind == "audit":
        rid = f"AUD-audit-{i}-a{i:04d}"
        text = f"id: {rid}\ntitle: {sentence(rng, 4)}\nstarted: {day}\ntrigger: {sentence(rng, 8)}\n"
        text += f"scope:\n  description: {sentence(rng, 6)}\nsummary: {sentence(rng, 20)}\n"
    elif kind == "finding":
        rid = f"F-finding-{i}-f{i:04d}"
        text = (
            f"id: {rid}\naudit: {audit}\ntitle: {sentence(rng, 5)}\nseverity: {rng.choice(SEVERITIES)}\n"
            f"status: {rng.choice(('open', 'resolved'))}\ncomponents:\n- {rng.choice(COMPONENTS)}\n"
            f"symptom: {sentence(rng, 15)}\nroot_cause: {sentence(rng, 15)}\nfix: {sentence(rng, 12)}\n"
            f"commits:\n- {rng.getrandbits(28):07x}\n"
        )
    elif kind == "lesson":
        rid = f"L-lesson-{i}-l{i:04d}"
        confirmed = "".join(f"- audit: {rng.choice(audits)}\n" for _ in range(rng.randint(0, 2))) if audits else ""
        text = f"id: {rid}\ntitle: {sentence(rng, 4)}\nrule: {sentence(rng, 14)}\ndetail: {sentence(rng, 20)}\n"
        text += f"audit: {audit}\n" + (f"confirmed:\n{confirmed}" if confirmed else "")
    elif kind == "action":
        rid = f"ACT-action-{i}-c{i:04d}"
        text = (
            f"id: {rid}\ntitle: {sentence(rng, 5)}\ntodo: {sentence(rng, 15)}\npriority: P{rng.randint(1, 4)}\n"
            f"status: {rng.choice(('open', 'done'))}\nsource:\n  audit: {audit}\n"
        )
    elif kind == "commit":
        rid = f"{rng.getrandbits(160):040x}"
        return f"{rid[:7]}.yaml", f"hash: '{rid}'\nsubject: 'fix: {sentence(rng, 8).lower()}'\ndate: {day}\n"
    else:
        rid = f"SNAP-snap-{i}-s{i:04d}"
        nodes = "".join(f"- name: node-{n}\n  role: worker\n  status: Ready\n" for n in range(5))
        return f"{rid}.yaml", f"id: {rid}\naudit: {audit}\ntaken: {day}\nnodes:\n{nodes}"
    return f"{rid}.yaml", text + f"tags:\n{tags}"


def generate(root: Path, count: int) -> None:
    if root.exists():
        shutil.rmtree(root)
    (root / "records").mkdir(parents=True)
    (root / "kb.toml").write_text("")
    rng = random.Random(6)
    audits: list[str] = []
    kinds = [kind for kind, share in MIX.items() for _ in range(round(share * count))][:count]
    kinds.sort(key=lambda kind: kind != "audit")  # audits first so the others can cite them
    for i, kind in enumerate(kinds):
        name, text = record(kind, i, rng, audits)
        folder = root / "records" / f"{kind}s"
        folder.mkdir(exist_ok=True)
        (folder / name).write_text(text)
        if kind == "audit":
            audits.append(name.removesuffix(".yaml"))


def process(root: Path, query: str, kind: str | None = None, env: dict[str, str] = FOREGROUND) -> tuple[float, float]:
    """Wall and CPU time of one `kb search` process run inside the knowledge base, in milliseconds."""
    flags = ["--kind", kind] if kind else []
    return timed([*kb_command(), "search", query, *flags], cwd=root, env=env)


def processes(label: str, runs: list[tuple[float, float]], target: str = "") -> None:
    report(f"{label}, wall", [elapsed for elapsed, _ in runs], target)
    report(f"{label}, CPU", [cpu for _, cpu in runs])


def report(label: str, values: list[float], target: str = "") -> None:
    """One figure: min (least disturbed by the other load), median and max, in milliseconds."""
    low, mid, high = min(values), statistics.median(values), max(values)
    print(f"{label:<58} min {low:7.1f}  median {mid:7.1f}  max {high:7.1f} ms  {target}".rstrip())


def stat_floor(records: Path) -> float:
    """One os.scandir per folder and one stat per file, nothing else: the check's floor."""
    start = time.perf_counter()
    for folder in FOLDERS.values():
        with os.scandir(records / folder) as entries:
            for entry in entries:
                entry.stat()
    return (time.perf_counter() - start) * 1000


def import_profile(root: Path) -> None:
    """The slowest imports of a `kb search` process, and whether a heavy library crept in."""
    kb = "import sys; from kb.__main__ import main; sys.argv[0] = 'kb'; main()"
    stderr = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", kb, "search", "probe"],
        cwd=root,
        env=FOREGROUND,
        capture_output=True,
        text=True,
        check=False,
    ).stderr
    rows = [line.split("|") for line in stderr.splitlines() if line.startswith("import time:")]
    modules = [(int(cumulative), name.strip(), name) for _, cumulative, name in rows[1:]]  # [0] is the header
    top = sorted((m for m in modules if not m[2].startswith("  ")), reverse=True)[:6]
    print("slowest top-level imports of a `kb search` process (cumulative):")
    for micros, name, _ in top:
        print(f"  {micros / 1000:6.1f} ms  {name}")
    heavy = sorted({name for _, name, _ in modules if name.split(".")[0] in ("pydantic", "git", "jinja2", "click")})
    print(f"pydantic / GitPython / Jinja2 / click imported by kb search: {', '.join(heavy) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "search")
    parser.add_argument("--runs", type=int, default=5, help="Process runs per query.")
    options = parser.parse_args()
    root = options.out.resolve()
    compile_kb()
    generate(root, options.records)
    config = discover(root)
    files = sum(len(os.listdir(config.records / folder)) for folder in os.listdir(config.records))
    print(f"knowledge base: {files} record files in {config.records}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared: figures are noisy)")

    index_path(config.cache).unlink(missing_ok=True)
    processes("first search, building the index (process)", [process(root, *QUERIES[0])], "target < 5000")
    later = {(q, k): [process(root, q, k) for _ in range(options.runs)] for q, k in QUERIES}
    processes("later searches, no daemon (process)", [r for runs in later.values() for r in runs], "target < 100")
    for (query, kind), runs in later.items():
        report(f"  {query[:40]}{' --kind ' + kind if kind else ''}", [cpu for _, cpu in runs])
    processes("  floor: python -c pass (process)", [timed([sys.executable, "-c", "pass"]) for _ in range(5)])
    processes("  floor: kb --version (process)", [timed([*kb_command(), "--version"]) for _ in range(5)])
    report("  floor: scandir + stat of every record (in process)", [stat_floor(config.records) for _ in range(5)])

    checks, queries = [], []
    for _ in range(5):
        start = time.perf_counter()
        conn, stats = open_index(config.cache, config.records)
        checks.append((time.perf_counter() - start) * 1000)
        assert not stats.indexed, "nothing changed, nothing re-indexed"
        for query, kind in QUERIES:
            start = time.perf_counter()
            run(conn, query, Filters(kinds=(kind,) if kind else ()), 10)
            queries.append((time.perf_counter() - start) * 1000)
        conn.close()
    whole = []
    for query, kind in QUERIES:
        start = time.perf_counter()
        search(config.cache, config.records, query, Filters(kinds=(kind,) if kind else ()), 10)
        whole.append((time.perf_counter() - start) * 1000)
    report("up-to-date check, nothing changed (in process)", checks)
    report("query (in process)", queries, "target < 20")
    report("search: check and query (in process)", whole)
    with own_daemon() as daemon:
        process(root, "warm", env=daemon)  # the daemon starts watching the records folder
        served = [process(root, q, k, daemon) for _ in range(options.runs) for q, k in QUERIES]
        report("later searches, kb daemon (process), wall", [wall for wall, _ in served], "target < 100")
        edited = config.records / "lessons" / sorted(os.listdir(config.records / "lessons"))[1]
        edited.write_text(edited.read_text().replace("rule: ", "rule: quokka "))
        report("search right after editing one record, kb daemon, wall", [process(root, "quokka", env=daemon)[0]])
        outside = root / "outside.yaml"
        outside.write_text("id: L-bench-outside-zzzzz\ntitle: Outside\nrule: linked in\n")
        link = config.records / "lessons" / "L-bench-outside-zzzzz.yaml"
        link.symlink_to(outside)
        process(root, "warm", env=daemon)  # indexes the linked record
        unwatched = [process(root, q, k, daemon) for _ in range(options.runs) for q, k in QUERIES]
        report("later searches, kb daemon, one record a link: no watch, wall", [wall for wall, _ in unwatched])
        link.unlink()
    edited = config.records / "lessons" / sorted(os.listdir(config.records / "lessons"))[0]
    edited.write_text(edited.read_text().replace("rule: ", "rule: wombat "))
    processes("search right after editing one record, no daemon (process)", [process(root, "wombat")])
    import_profile(root)


if __name__ == "__main__":
    main()
