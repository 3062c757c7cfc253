"""Benchmark: what managed regions add to `kb render` on a generated 10,000-finding knowledge base.

The same knowledge base is rendered with the four default outputs ("plain") and with those four
plus three regions in two hand-written files ("regions": the agent context and the pickup list
in CLAUDE.md, the agent context again in AGENTS.md, each agent context held to 8 KiB). The two
take turns, run after run, so a change in the machine's load falls on both. Each figure is a
whole `kb` process (wall and CPU, see render_bench.py), with the load average. Target: regions
add at most 10 %. Run:

    .venv/bin/python bench/regions_bench.py [--findings 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from gen_kb import generate
from procs import compile_kb
from render_bench import edit, report, timed

DEFAULTS = "".join(
    f'[[outputs]]\ntemplate = "{template}"\npath = "{path}"\n\n'
    for template, path in (
        ("audit_report.md.j2", "docs/audits/{audit}.md"),
        ("infra_anatomy.md.j2", "docs/INFRA_ANATOMY.md"),
        ("gitops.md.j2", "docs/GITOPS.md"),
        ("pickup.md.j2", "docs/PICKUP.md"),
    )
)
REGIONS = "".join(
    f'[[outputs]]\ntemplate = "{template}"\npath = "{path}"\nregion = "{region}"\n\n'
    for template, path, region in (
        ("agents.md.j2", "CLAUDE.md", "context"),
        ("pickup.md.j2", "CLAUDE.md", "pickup"),
        ("agents.md.j2", "AGENTS.md", "context"),
    )
)
HAND_WRITTEN = {
    "CLAUDE.md": "# CLAUDE.md\n\nBy hand.\n\n<!-- kb:begin context -->\n<!-- kb:end context -->\n\n"
    "## Pickup\n\n<!-- kb:begin pickup -->\n<!-- kb:end pickup -->\n\nMore by hand.\n",
    "AGENTS.md": "# AGENTS.md\n\n<!-- kb:begin context -->\n<!-- kb:end context -->\n",
}


def configure(root: Path, regions: bool) -> None:
    (root / "kb.toml").write_text('records = "records"\n\n' + DEFAULTS + (REGIONS if regions else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    compile_kb()
    with tempfile.TemporaryDirectory(prefix="kb-regions-bench-") as tmp:
        roots = {"plain": Path(tmp) / "plain", "regions": Path(tmp) / "regions"}
        generate(roots["plain"], options.findings)
        shutil.copytree(roots["plain"], roots["regions"])
        for name, text in HAND_WRITTEN.items():
            (roots["regions"] / name).write_text(text)
        for label, root in roots.items():
            configure(root, label == "regions")
        time.sleep(2.5)  # past the racy window, as files in a real checkout are
        for root in roots.values():
            timed(["render"], root, 0)  # parse caches and compiled templates, as after any first run
        fresh: dict[str, list[tuple[float, float]]] = {label: [] for label in roots}
        edited: dict[str, list[tuple[float, float]]] = {label: [] for label in roots}
        for n in range(options.runs):
            for label, root in roots.items():
                shutil.rmtree(root / "docs")
                fresh[label].append(timed(["render"], root, 0))
            for label, root in roots.items():
                edit(root, n)
                edited[label].append(timed(["render"], root, 0))
        for title, figures in (("outputs deleted (write all)", fresh), ("one finding edited", edited)):
            for label in roots:
                report(f"kb render, {title}, {label}", figures[label])
            cpu = {label: statistics.median(c for _, c in figures[label]) for label in roots}
            wall = {label: statistics.median(w for w, _ in figures[label]) for label in roots}
            print(
                f"  regions add {100 * (cpu['regions'] / cpu['plain'] - 1):+.1f} % cpu,"
                f" {100 * (wall['regions'] / wall['plain'] - 1):+.1f} % wall (medians); target <= +10 %"
            )
        print(f"CLAUDE.md {len((roots['regions'] / 'CLAUDE.md').read_bytes())} bytes,", end=" ")
        print(f"AGENTS.md {len((roots['regions'] / 'AGENTS.md').read_bytes())} bytes")


if __name__ == "__main__":
    main()
