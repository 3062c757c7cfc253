"""Benchmark `kb mcp` on a generated knowledge base of 10,000 records, through the MCP SDK's client.

Starts a real `kb mcp` over stdio inside the knowledge base, as an agent does, and times each tool
call twice: as the client sees it (request, the server's work, reply, over the pipes) and as the
server logs it (its handler alone). Target (issue 16): a search answers in <= 50 ms inside a
running server. Prints figures and asserts nothing: the machine is shared, so it prints the load
average before and after. The knowledge base is search_bench's (the one the search targets are
measured on); the other tools load every record, as `kb show`, `kb list` and `kb pickup` do.

    python bench/mcp_bench.py [--records 10000] [--out bench/out/mcp] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters, stdio_client
from procs import FOREGROUND, compile_kb, kb_command
from search_bench import QUERIES, generate

from kb.fulltext.index import index_path
from kb.store.config import discover


def report(label: str, values: list[float], target: str = "") -> None:
    """One figure: min (least disturbed by the other load), median and max, in milliseconds."""
    low, mid, high = min(values), statistics.median(values), max(values)
    print(f"{label:<52} min {low:8.1f}  median {mid:8.1f}  max {high:8.1f} ms  {target}".rstrip())


def load_average(when: str) -> None:
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} {when} (shared: figures are noisy)")


def logged(log: Path, tool: str) -> list[float]:
    """The handler times the server logged for `tool` (`kb mcp --verbose`), in order."""
    times = []
    for line in log.read_text().splitlines():
        _, _, rest = line.partition("kb.mcp: ")
        if rest.startswith(f"{tool}: "):
            times.append(float(rest.rsplit(" in ", 1)[1].removesuffix(" ms")))
    return times


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    result = await call()
    elapsed = (time.perf_counter() - start) * 1000
    assert not getattr(result, "is_error", False), result
    return elapsed


async def bench(root: Path, runs: int, log: Path) -> None:
    command = kb_command()
    params = StdioServerParameters(
        command=command[0], args=[*command[1:], "mcp", "--verbose"], env=FOREGROUND, cwd=root
    )
    records = discover(root).records
    finding = sorted(os.listdir(records / "findings"))[0].removesuffix(".yaml")
    action = next(p.stem for p in sorted((records / "actions").iterdir()) if "status: open" in p.read_text())
    with log.open("w") as errlog:
        start = time.perf_counter()
        async with Client(stdio_client(params, errlog=errlog), mode="legacy") as client:
            report("start `kb mcp` and the initialize handshake", [(time.perf_counter() - start) * 1000])
            first = await timed(partial(client.call_tool, "search", {"query": QUERIES[0][0]}))
            report("first search, building the index", [first], "target < 5000")
            calls = []
            for _ in range(runs):
                for query, kind in QUERIES:
                    arguments = {"query": query, "kind": [kind] if kind else []}
                    calls.append(await timed(partial(client.call_tool, "search", arguments)))
            report("later searches, round trip (client)", calls, "target <= 50")
            report("later searches, handler (server log)", logged(log, "search")[1:], "target <= 50")
            edited = records / "lessons" / sorted(os.listdir(records / "lessons"))[0]
            edited.write_text(edited.read_text().replace("rule: ", "rule: wombat "))
            after_edit = await timed(partial(client.call_tool, "search", {"query": "wombat"}))
            report("search right after editing a record", [after_edit])
            others: list[tuple[str, str, dict[str, Any]]] = [
                ("show", "show a finding", {"id": finding}),
                ("list", "list critical findings", {"kind": "finding", "severity": "critical"}),
                ("pickup", "pickup", {}),
                ("new_finding", "new_finding", {"title": "Benchmark finding", "severity": "low"}),
            ]
            for tool, label, arguments in others:
                times = [await timed(partial(client.call_tool, tool, arguments)) for _ in range(3)]
                report(f"{label}, round trip (client)", times)
            closing = {"id": action, "note": "benchmark"}
            report(
                "close_action, round trip (client)", [await timed(partial(client.call_tool, "close_action", closing))]
            )
            resources = (await client.list_resources()).resources
            print(f"resources: {len(resources)} documents")
            read = await timed(partial(client.read_resource, resources[0].uri))
            report("read one document (renders them all), round trip", [read])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "mcp")
    parser.add_argument("--runs", type=int, default=5, help="Runs of each search query.")
    options = parser.parse_args()
    root = options.out.resolve()
    compile_kb()
    generate(root, options.records)
    config = discover(root)
    index_path(config.cache).unlink(missing_ok=True)
    files = sum(len(os.listdir(config.records / folder)) for folder in os.listdir(config.records))
    print(f"knowledge base: {files} record files in {config.records}")
    load_average("before")
    start = time.perf_counter()
    anyio.run(bench, root, options.runs, root.parent / "mcp-stderr.txt")
    print(f"wall time: {time.perf_counter() - start:.1f} s")
    load_average("after")


if __name__ == "__main__":
    sys.exit(main())
