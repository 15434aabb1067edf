"""MCP target: an MCP server (``mcp`` 2.x SDK) whose tools are the toolkit's operations.

::

    server = toolkit.emit("mcp", account="acme")
    server.serve("stdio")                      # or: nimble-tools mcp --sandbox

    async with mcp.Client(server) as client:  # in-process, for tests
        await client.call_tool("list_all_nimble_me", {})

This module is the plugin; it imports ``mcp`` only when a server is built, so that the toolkit
works (and lists this target) without the ``mcp`` extra installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nimble_tools import NimbleToolkit, hookimpl
from nimble_tools.adapter_support import COMMON_OPTIONS, LazyImplementation, check_options, missing_framework
from nimble_tools.hookspecs import TargetRegister

if TYPE_CHECKING:
    from ._server import INSTRUCTIONS, NimbleMCPServer, mcp_server, tool_definition

__all__ = ["INSTRUCTIONS", "NimbleMCPServer", "emit", "mcp_server", "register_targets", "tool_definition"]

TARGET = "mcp"
_implementation = LazyImplementation(__name__, "_server", "The MCP target", "the mcp SDK", "mcp")
__getattr__ = _implementation.attributes({"INSTRUCTIONS", "NimbleMCPServer", "mcp_server", "tool_definition"})


@hookimpl
def register_targets(register: TargetRegister) -> None:
    """Announce the ``mcp`` target."""
    register(
        TARGET,
        "an MCP server (mcp 2.x SDK) with input/output schemas and annotations",
        missing=missing_framework("mcp", "mcp"),
    )


@hookimpl
def emit(toolkit: NimbleToolkit, target: str, options: dict[str, Any]) -> NimbleMCPServer | None:
    """Build the MCP server when the target is ``mcp``."""
    if target != TARGET:
        return None
    check_options(TARGET, options, (*COMMON_OPTIONS, "name"))
    server: NimbleMCPServer = _implementation().mcp_server(toolkit, **options)
    return server
