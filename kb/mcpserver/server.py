"""The MCP SDK's wiring of kb's tools and documents: a low-level `Server` and its stdio loop.

The low-level server is used, not the decorator-based MCPServer, because the tools' schemas are
kb's own (derived from the models in kb/mcpserver/tools.py) and kb validates the arguments
itself: a new record's problems come back as `kb new` words them, field by field, not as the
SDK's argument errors. Tools run in the event loop's thread, one at a time: a long render blocks
other requests, but forked render workers and the watched listing need no locks.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError
from pydantic_core import to_jsonable_python

from kb import __version__
from kb.check.diagnostics import Stopped
from kb.mcpserver import documents
from kb.mcpserver.tools import ToolFailure, Workspace, call, problem_data, tools
from kb.store.config import Config

log = logging.getLogger("kb.mcp")

INSTRUCTIONS = """\
kb is this repository's incident and audit knowledge base: findings, lessons, follow-up actions,
commits and infrastructure snapshots as YAML records in git. Search it before repeating a fix
(lessons rank first), record what you find with new_finding / new_lesson / new_action, and close
actions with close_action. What you write is a new file in the working tree for the engineer to
review and commit. The resources are the rendered audit reports and infrastructure documents."""


def _result(data: dict[str, Any], error: bool = False) -> types.CallToolResult:
    """Structured content and the same JSON as text, for clients that read only text."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structured_content=data, is_error=error
    )


def build(config: Config, read_only: bool = False) -> Server[Any]:
    """A server of the knowledge base `config` names; with `read_only`, without the tools that write."""
    ws = Workspace(config)
    served = {tool.name: tool for tool in tools(read_only)}
    listing = types.ListToolsResult(
        tools=[
            types.Tool(
                name=tool.name,
                description=tool.description,
                input_schema=tool.input_schema,
                annotations=types.ToolAnnotations(
                    read_only_hint=not tool.writes,
                    destructive_hint=False,  # a write is a new file, or an action's closing keys
                    idempotent_hint=not tool.writes,
                    open_world_hint=False,
                ),
            )
            for tool in served.values()
        ]
    )

    async def list_tools(ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None) -> Any:
        return listing

    async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> Any:
        tool = served.get(params.name)
        if tool is None:
            raise MCPError(types.INVALID_PARAMS, f"no tool {params.name!r}; tools/list names them")
        start = time.perf_counter()
        try:
            result = _result(to_jsonable_python(call(ws, tool, params.arguments or {})))
        except ToolFailure as failure:
            result = _result(failure.as_data(), error=True)
        took = (time.perf_counter() - start) * 1000
        log.info("%s: %s in %.1f ms", tool.name, "refused" if result.is_error else "answered", took)
        return result

    async def list_resources(ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None) -> Any:
        return types.ListResourcesResult(
            resources=[
                types.Resource(uri=doc.uri, name=doc.path, title=doc.title, mime_type=documents.MIME_TYPE)
                for doc in documents.listed(config)
            ]
        )

    async def read_resource(ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams) -> Any:
        try:
            text = documents.read(config, params.uri)
        except LookupError as err:
            raise MCPError(types.INVALID_PARAMS, str(err.args[0]), {"uri": params.uri}) from None
        except Stopped as err:
            log.warning("%s: %s", params.uri, err)
            message = "\n".join([f"{params.uri} is not served: {err}", *err.lines()])
            problems = [problem_data(p) for p in err.problems]
            raise MCPError(types.INTERNAL_ERROR, message, {"uri": params.uri, "problems": problems}) from None
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=params.uri, text=text, mime_type=documents.MIME_TYPE)]
        )

    @asynccontextmanager
    async def lifespan(_: Server[Any]) -> AsyncIterator[dict[str, Any]]:
        try:
            yield {}
        finally:
            ws.close()

    return Server(
        "kb",
        version=__version__,
        instructions=INSTRUCTIONS,
        lifespan=lifespan,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )


def serve(config: Config, read_only: bool = False) -> None:
    """Serve the knowledge base over stdin and stdout until the client closes them; logs go to stderr."""
    server = build(config, read_only)

    async def run() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    log.info("serving %s%s", config.root, " (read-only)" if read_only else "")
    anyio.run(run)
