"""The MCP endpoint: one SDK server in front, each person's own ``toolkit.emit("mcp")`` server behind it.

The streamable-HTTP transport runs the SDK's stateless mode, so any worker answers any request.
For each request, :class:`HostedMCPServer` reads the caller's access token (checked by the SDK's
bearer middleware against the shared store), and hands the request to the MCP server that
``toolkit.emit("mcp", account=<the person's account>, approve="elicit", tools=<their scopes>)``
builds: the same adapter, tools, schemas, errors and confirmations as ``nimble-tools mcp``, bound to
that person's Nimble credential. Those servers are cached per account and scopes (a cache, not
state: any worker can rebuild one from the store).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from mcp.server import Server, ServerRequestContext
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_REQUEST

from nimble_tools import NimbleToolkit

from ._scopes import toolset_for

__all__ = ["DELEGATED_METHODS", "HostedMCPServer", "PersonalServers"]

DELEGATED_METHODS = (
    "tools/list",
    "tools/call",
    "prompts/list",
    "prompts/get",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "completion/complete",
)
"""Requests answered by the person's own server, when the adapter's server handles them."""
CACHE_SIZE = 256


class PersonalServers:
    """``toolkit.emit("mcp", ...)`` per (account, scopes), least recently used dropped first.

    Args:
        toolkit: the toolkit whose calls carry each person's credential.
        tool_search: offer the two search-and-call meta-tools instead of every tool.
        size: how many servers to keep (building one takes tens of milliseconds).
    """

    def __init__(self, toolkit: NimbleToolkit, *, tool_search: bool = False, size: int = CACHE_SIZE) -> None:
        self.toolkit = toolkit
        self.tool_search = tool_search
        self._size = size
        self._servers: OrderedDict[tuple[str, tuple[str, ...]], Server[Any]] = OrderedDict()
        self._lock = threading.Lock()

    def server_for(self, account: str, scopes: tuple[str, ...]) -> Server[Any]:
        """The MCP server of ``account`` limited to ``scopes``."""
        key = (account, tuple(sorted(scopes)))
        with self._lock:
            server = self._servers.get(key)
            if server is not None:
                self._servers.move_to_end(key)
                return server
        tools = toolset_for(scopes, tool_search=self.tool_search)
        built: Server[Any] = self.toolkit.emit("mcp", account=account, approve="elicit", tools=tools)
        with self._lock:
            self._servers[key] = built
            while len(self._servers) > self._size:
                self._servers.popitem(last=False)
        return built

    def template(self) -> Server[Any]:
        """A server with every tool and no account: its name, instructions, handlers and input schemas."""
        built: Server[Any] = self.toolkit.emit("mcp", approve="elicit")
        return built


class HostedMCPServer(Server[Any]):
    """The low-level SDK server of the hosted endpoint: each request goes to the caller's own server."""

    def __init__(self, servers: PersonalServers) -> None:
        template = servers.template()
        super().__init__(
            template.name,
            version=template.version,
            instructions=template.instructions,
            get_tool_input_schema=template.get_tool_input_schema,
        )
        self.servers = servers
        for method in DELEGATED_METHODS:
            entry = template.get_request_handler(method)
            if entry is not None:
                self.add_request_handler(method, entry.params_type, self._delegate(method))

    def _delegate(self, method: str) -> Callable[[ServerRequestContext[Any], Any], Awaitable[Any]]:
        async def handle(ctx: ServerRequestContext[Any], params: Any) -> Any:
            token = caller_token(ctx)
            account = (token.claims or {}).get("nimble_account") if token is not None else None
            if token is None or not isinstance(account, str):
                raise MCPError(code=INVALID_REQUEST, message="This request carries no valid access token.")
            server = self.servers.server_for(account, tuple(token.scopes))
            entry = server.get_request_handler(method)
            if entry is None:
                raise MCPError(code=INVALID_REQUEST, message=f"{method} is not offered to this token's scopes.")
            return await entry.handler(ctx, params)

        return handle


def caller_token(ctx: ServerRequestContext[Any]) -> AccessToken | None:
    """The verified access token of the HTTP request behind ``ctx``."""
    request = ctx.request
    scope: Mapping[str, Any] | None = getattr(request, "scope", None)
    user = scope.get("user") if scope is not None else None
    if isinstance(user, AuthenticatedUser):
        return user.access_token
    return get_access_token()
