"""`kb mcp`: the MCP SDK's own client drives the server, in memory and as a real `kb mcp` process."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, MCPError, StdioServerParameters, stdio_client
from mcp_types import CallToolResult

from kb.mcpserver.server import build
from kb.records.models import Action, Finding, Severity
from kb.store import ownership
from kb.store.config import discover
from tests.conftest import ROOT, run_kb

AUDIT = "AUD-production-ecosystem-audit-k3f9x"
CNI = "F-vps-builder-node-cni-broken-9tb5e"
K3S_LESSON = "L-k3s-version-matching-2hx7c"
TODAY = dt.date.today().isoformat()
FAKE_GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
READ_TOOLS = ["search", "show", "list", "pickup"]
WRITE_TOOLS = ["new_finding", "new_lesson", "new_action", "close_action"]

COMMENTED = f"""\
# yaml-language-server: $schema=../_schema/action.json
# Kept by hand.
id: ACT-rotate-token-abcde
title: Rotate the token   # before Friday
todo: Rotate it.
status: open   # waiting on the vendor

# where it came from
source:
  audit: {AUDIT}
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@asynccontextmanager
async def session(root: Path, read_only: bool = False) -> AsyncIterator[Client]:
    """The SDK's client on an in-memory connection to a server of the knowledge base at `root`."""
    async with Client(build(discover(root), read_only)) as client:
        yield client


def data(result: CallToolResult) -> Any:
    """A tool's structured result, which its text content repeats as JSON."""
    assert result.structured_content is not None
    assert json.loads(result.content[0].text) == result.structured_content  # type: ignore[union-attr]
    return result.structured_content


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "data").rglob("*.yaml"))}


@pytest.mark.anyio
async def test_the_tools_and_their_schemas_come_from_the_models(sample_kb: Path) -> None:
    async with session(sample_kb) as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert list(listed) == READ_TOOLS + WRITE_TOOLS
    finding = listed["new_finding"].input_schema
    assert set(finding["properties"]) == set(Finding.model_fields) - {"id"}
    assert finding["required"] == ["title"]  # audit and found default to the latest audit and today
    action = listed["new_action"].input_schema
    assert action["required"] == ["title", "todo"] and "required" not in action["$defs"]["ActionSource"]
    assert listed["search"].input_schema["$defs"]["Severity"]["enum"] == [s.value for s in Severity]
    assert all(listed[name].annotations.read_only_hint for name in READ_TOOLS)  # type: ignore[union-attr]
    assert not any(listed[name].annotations.read_only_hint for name in WRITE_TOOLS)  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_search_finds_the_k3s_version_lesson(sample_kb: Path) -> None:
    async with session(sample_kb) as client:
        found = data(await client.call_tool("search", {"query": "agent newer than the server breaks the CNI"}))
        lessons = data(await client.call_tool("search", {"query": "k3s versions", "kind": ["lesson"], "limit": 1}))
    first = found["results"][0]
    assert first["id"] == K3S_LESSON
    assert first["path"] == f"data/lessons/{K3S_LESSON}.yaml"
    assert "\x02" not in first["snippet"] and first["snippet"]
    assert [hit["id"] for hit in lessons["results"]] == [K3S_LESSON]


@pytest.mark.anyio
async def test_show_a_finding_with_its_links(sample_kb: Path) -> None:
    async with session(sample_kb) as client:
        shown = data(await client.call_tool("show", {"id": CNI}))
        missing = await client.call_tool("show", {"id": "F-nope-12345"})
    assert shown["record"]["title"] == "VPS builder node CNI broken"
    assert shown["path"] == f"data/findings/{CNI}.yaml"
    assert K3S_LESSON in [link["id"] for link in shown["links"]["lessons"]]
    assert shown["links"]["audit"][0]["id"] == AUDIT
    assert missing.is_error and "no record 'F-nope-12345'" in data(missing)["error"]


@pytest.mark.anyio
async def test_list_filters_as_kb_list(sample_kb: Path) -> None:
    async with session(sample_kb) as client:
        critical = data(
            await client.call_tool("list", {"kind": "finding", "severity": "critical", "audit": "AUD-prod"})
        )
        wrong = await client.call_tool("list", {"kind": "findings", "colour": "red"})
    cli = json.loads(run_kb(sample_kb, "list", "finding", "--severity", "critical", "--json").stdout)
    assert critical["records"] == cli and cli
    assert wrong.is_error
    assert {(p["field"], p["code"]) for p in data(wrong)["problems"]} == {("kind", "E201"), ("colour", "E203")}


@pytest.mark.anyio
async def test_the_pickup_list_as_data_and_as_the_hand_over_text(sample_kb: Path) -> None:
    async with session(sample_kb) as client:
        pickup = data(await client.call_tool("pickup", {}))
    expected = json.loads(run_kb(sample_kb, "pickup", "--format", "json").stdout)
    assert {key: pickup[key] for key in ("last_session", "items")} == expected
    assert pickup["markdown"] == run_kb(sample_kb, "pickup", "--format", "md").stdout
    assert len(pickup["items"]) == 12


@pytest.mark.anyio
async def test_a_new_finding_is_written_and_then_found(sample_kb: Path) -> None:
    given = {"title": "Quokka exporter leaks memory", "severity": "high", "components": ["quokka-exporter"]}
    async with session(sample_kb) as client:
        created = data(await client.call_tool("new_finding", given))
        found = data(await client.call_tool("search", {"query": "quokka"}))
    assert created["id"].startswith("F-quokka-exporter-leaks-memory-")
    assert created["record"]["audit"] == AUDIT and "found" not in created["record"]  # as `kb new` defaults
    assert created["warnings"] == []
    path = sample_kb / created["path"]
    assert path.read_text().startswith("# yaml-language-server: $schema=../_schema/finding.json\n")
    assert found["results"][0]["id"] == created["id"]
    assert run_kb(sample_kb, "validate").exit_code == 0


@pytest.mark.anyio
async def test_a_new_finding_like_an_old_one_comes_with_a_recurrence_warning(sample_kb: Path) -> None:
    async with session(sample_kb) as client:
        created = data(await client.call_tool("new_finding", {"title": "Grafana CrashLoopBackOff", "tags": ["pvc"]}))
        again = data(
            await client.call_tool("new_finding", {"title": "Grafana CrashLoopBackOff", "components": ["grafana"]})
        )
    assert created["recurrence_hints"] == []
    assert [hint["id"] for hint in again["recurrence_hints"]] == ["F-grafana-crashloopbackoff-7hd3x"]
    assert again["warnings"][0].startswith("Possible recurrence of F-grafana-crashloopbackoff-7hd3x")


@pytest.mark.anyio
async def test_an_invalid_finding_is_refused_field_by_field_and_nothing_is_written(sample_kb: Path) -> None:
    before = files(sample_kb)
    async with session(sample_kb) as client:
        refused = await client.call_tool("new_finding", {"severity": "hgih", "found": "someday", "colour": "red"})
        unknown = await client.call_tool("new_finding", {"title": "x", "audit": "AUD-nope-12345"})
    assert refused.is_error
    problems = data(refused)["problems"]
    assert [(p["field"], p["code"]) for p in problems] == [
        ("title", "E202"),
        ("severity", "E201"),
        ("found", "E201"),
        ("colour", "E203"),
    ]
    assert "write dates as YYYY-MM-DD" in problems[2]["message"]
    assert data(unknown)["problems"] == [
        {"field": "audit", "code": "E401", "message": "no audit with ID AUD-nope-12345"}
    ]
    assert files(sample_kb) == before


@pytest.mark.anyio
async def test_a_new_lesson_and_a_new_action(sample_kb: Path) -> None:
    async with session(sample_kb) as client:
        lesson = data(
            await client.call_tool("new_lesson", {"title": "Pin agents", "rule": "Pin k3s", "findings": [CNI]})
        )
        action = data(await client.call_tool("new_action", {"title": "Pin", "todo": "Pin the agent", "priority": "P2"}))
    assert lesson["record"]["findings"] == [CNI] and lesson["record"]["audit"] == AUDIT
    assert action["record"]["source"] == {"audit": AUDIT} and action["record"]["opened"] == TODAY
    assert Action.model_validate(json.loads(run_kb(sample_kb, "show", action["id"], "--json").stdout)["record"])


@pytest.mark.anyio
async def test_closing_an_action_keeps_the_file_s_comments(sample_kb: Path) -> None:
    path = sample_kb / "data" / "actions" / "ACT-rotate-token-abcde.yaml"
    path.write_text(COMMENTED)
    async with session(sample_kb) as client:
        refused = await client.call_tool("close_action", {"id": "ACT-rotate"})
        closed = data(
            await client.call_tool("close_action", {"id": "ACT-rotate", "commit": "9a96a77", "date": "2026-02-01"})
        )
    assert refused.is_error and "closing needs evidence" in data(refused)["error"]
    assert closed["changed"]["status"] == {"from": "open", "to": "done"}
    assert path.read_text() == COMMENTED.replace(
        "status: open   # waiting on the vendor\n",
        "status: done   # waiting on the vendor\nclosed: 2026-02-01\nevidence:\n  commit: 9a96a77\n",
    )


@pytest.mark.anyio
async def test_read_only_serves_no_tool_that_writes(sample_kb: Path) -> None:
    before = files(sample_kb)
    async with session(sample_kb, read_only=True) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        with pytest.raises(MCPError, match="no tool 'new_finding'"):
            await client.call_tool("new_finding", {"title": "Not written"})
    assert names == READ_TOOLS
    assert files(sample_kb) == before


@pytest.mark.anyio
async def test_the_documents_are_resources_rendered_as_kb_render_renders_them(sample_kb: Path) -> None:
    async with session(sample_kb) as client:
        listed = {resource.name: resource for resource in (await client.list_resources()).resources}
        report = f"docs/audits/{AUDIT}.md"
        text = (await client.read_resource(listed[report].uri)).contents[0].text  # type: ignore[union-attr]
        with pytest.raises(MCPError, match="no document"):
            await client.read_resource("kb://document/docs/nope.md")
    assert sorted(listed) == ["docs/GITOPS.md", "docs/INFRA_ANATOMY.md", "docs/PICKUP.md", report]
    assert listed[report].title == "Audit report: Production Ecosystem Audit Report"
    assert run_kb(sample_kb, "render").exit_code == 0
    assert ownership.marked(text) == (sample_kb / report).read_text()  # the file adds kb's marker line


@pytest.mark.anyio
async def test_a_record_holding_a_token_stops_the_read_and_never_shows_the_token(sample_kb: Path) -> None:
    action = sample_kb / "data" / "actions" / "ACT-load-testing-3xr7m.yaml"
    action.write_text(action.read_text() + f"notes:\n- 'rotated, new token {FAKE_GITHUB}'\n")
    async with session(sample_kb) as client:
        uri = (await client.list_resources()).resources[0].uri
        with pytest.raises(MCPError) as refused:
            await client.read_resource(uri)
        pickup = await client.call_tool("pickup", {})
    error = refused.value.error
    assert "E602" in error.message and "data/actions/ACT-load-testing-3xr7m.yaml:10:23: E602 notes.0" in error.message
    assert error.data["problems"][0]["code"] == "E602"
    assert pickup.is_error and data(pickup)["problems"][0]["code"] == "E602"
    assert FAKE_GITHUB not in json.dumps([error.message, error.data, pickup.structured_content])


def readme_client_configuration() -> dict[str, Any]:
    """The `.mcp.json` the README shows an agent's client."""
    text = (ROOT / "README.md").read_text().split("## Agents (MCP)", 1)[1]
    servers: dict[str, Any] = json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])["mcpServers"]
    return servers["kb"]


@pytest.mark.anyio
async def test_a_real_kb_mcp_process_over_stdio_as_the_readme_configures_it(sample_kb: Path) -> None:
    """The agent's way: it starts `kb mcp` in its folder and talks the initialize handshake on stdin and stdout."""
    configured = readme_client_configuration()
    command = Path(sys.executable).with_name(configured["command"])  # this environment's `kb`
    params = StdioServerParameters(
        command=str(command), args=[*configured["args"], "--verbose"], env=dict(os.environ), cwd=sample_kb
    )
    log = sample_kb.parent / "stderr.txt"
    with log.open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode="legacy") as client:
            names = [tool.name for tool in (await client.list_tools()).tools]
            found = data(await client.call_tool("search", {"query": "k3s version", "limit": 1}))
            created = data(await client.call_tool("new_finding", {"title": "Over stdio"}))
    assert names == READ_TOOLS + WRITE_TOOLS
    assert found["results"][0]["id"] == K3S_LESSON
    assert (sample_kb / created["path"]).is_file()
    logged = log.read_text().splitlines()
    assert logged[0] == f"kb mcp: INFO kb.mcp: serving {sample_kb}"
    assert [line.split(": ")[2] for line in logged[1:]] == ["search", "new_finding"]


def test_without_the_sdk_kb_mcp_says_what_to_install(sample_kb: Path) -> None:
    code = "import sys; sys.modules['mcp'] = None; from kb.__main__ import main; main()"
    args = [sys.executable, "-c", code, "--root", str(sample_kb), "mcp"]
    result = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert result.stderr == "kb mcp needs the MCP Python SDK, which is not installed: pip install 'kb[mcp]'\n"
    assert result.stdout == ""


@pytest.mark.parametrize("args", [["--help"], ["mcp", "--help"]])
def test_help_does_not_import_the_sdk(args: list[str]) -> None:
    code = (
        f"import sys; from kb.cli.group import main; main({args!r}, standalone_mode=False); print(sorted(sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "mcp" in result.stdout  # the verb is listed, or its help printed
    modules = result.stdout.rsplit("\n[", 1)[1]
    assert "'mcp'" not in modules and "'mcp_types'" not in modules
