"""Serving an MCP server: over stdio, or streamable HTTP with its Host, Origin and bearer checks.

Separate from the server itself (``_server.py``), which only turns operations into tools and calls
into results.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mcp import types

from nimble_tools import UsageError
from nimble_tools._net import is_loopback

if TYPE_CHECKING:
    from mcp.server import Server

__all__ = ["BearerGate", "http_app", "serve", "serve_http", "serve_stdio"]


async def serve_stdio(server: Server[Any]) -> None:
    """Serve one client over this process's stdin and stdout until it disconnects.

    The SDK drops a line that is not a JSON-RPC message; here it is answered with a JSON-RPC parse
    error (``-32700``) instead, so a client always hears back.
    """
    import anyio
    from mcp.server.stdio import stdio_server
    from mcp.shared.message import SessionMessage

    async with stdio_server() as (read_stream, write_stream):
        forward, messages = anyio.create_memory_object_stream[SessionMessage | Exception](16)

        async def relay() -> None:
            async with forward:
                async for item in read_stream:
                    if isinstance(item, Exception):
                        error = types.ErrorData(code=types.PARSE_ERROR, message="Parse error: not a JSON-RPC message")
                        await write_stream.send(SessionMessage(types.JSONRPCError(jsonrpc="2.0", id=None, error=error)))
                        continue
                    await forward.send(item)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(relay)
            await server.run(messages, write_stream, server.create_initialization_options())
            tasks.cancel_scope.cancel()


def http_app(
    server: Server[Any],
    host: str = "127.0.0.1",
    port: int = 8000,
    path: str = "/mcp",
    *,
    bearer_token: str | None = None,
    allowed_hosts: Iterable[str] = (),
) -> Any:
    """The streamable-HTTP ASGI app of ``server``: Host and Origin checked, a bearer token if given."""
    from mcp.server.transport_security import TransportSecuritySettings

    names = {host, *allowed_hosts}
    if is_loopback(host):
        names |= {"127.0.0.1", "localhost", "[::1]"}
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=sorted(f"{name}:{port}" for name in names) + sorted(names),
        allowed_origins=sorted(f"{scheme}://{name}:{port}" for name in names for scheme in ("http", "https")),
    )
    app = server.streamable_http_app(streamable_http_path=path, host=host, transport_security=security)
    return BearerGate(app, bearer_token) if bearer_token else app


async def serve_http(
    server: Server[Any],
    host: str = "127.0.0.1",
    port: int = 8000,
    path: str = "/mcp",
    *,
    bearer_token: str | None = None,
    allowed_hosts: Iterable[str] = (),
) -> None:
    """Serve over streamable HTTP at ``http://host:port/path`` until cancelled (see :func:`http_app`)."""
    import uvicorn

    app = http_app(server, host, port, path, bearer_token=bearer_token, allowed_hosts=allowed_hosts)
    await uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning")).serve()


def serve(
    server: Server[Any],
    transport: str = "stdio",
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    bearer_token: str | None = None,
    allowed_hosts: Iterable[str] = (),
) -> None:
    """Serve (blocking) over ``"stdio"`` or streamable ``"http"``."""
    import anyio

    if transport == "stdio":
        anyio.run(serve_stdio, server)
    elif transport == "http":
        anyio.run(lambda: serve_http(server, host, port, bearer_token=bearer_token, allowed_hosts=allowed_hosts))
    else:
        raise UsageError(f"transport must be 'stdio' or 'http', got {transport!r}.")


class BearerGate:
    """ASGI middleware: HTTP requests without ``Authorization: Bearer <token>`` get 401."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    def __repr__(self) -> str:
        return "BearerGate(token=<hidden>)"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self._expected):
                headers = [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]
                await send({"type": "http.response.start", "status": 401, "headers": headers})
                await send({"type": "http.response.body", "body": b'{"error": "a bearer token is required"}'})
                return
        await self.app(scope, receive, send)
