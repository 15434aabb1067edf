"""The in-process face of the sandbox: an httpx transport for sync and async clients."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx

from ._http import SandboxRequest, SandboxResponse

if TYPE_CHECKING:
    from ._app import Sandbox

__all__ = ["SandboxTransport", "to_httpx_response"]


class SandboxTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Serves httpx requests from a :class:`Sandbox` without any socket."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return to_httpx_response(self.sandbox.handle(from_httpx_request(request)), request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # The sandbox's handlers are quick and in memory: running them inline keeps order and speed.
        body = await request.aread()
        return to_httpx_response(self.sandbox.handle(from_httpx_request(request, body)), request)


def from_httpx_request(request: httpx.Request, body: bytes | None = None) -> SandboxRequest:
    """Translate an httpx request (the raw, still-encoded path is kept for routing)."""
    query: dict[str, list[str]] = {}
    for key, value in request.url.params.multi_items():
        query.setdefault(key, []).append(value)
    content = request.read() if body is None else body
    return SandboxRequest(
        method=request.method,
        path=request.url.raw_path.split(b"?", 1)[0].decode("ascii"),
        query=query,
        headers=dict(request.headers),
        body=content,
    )


def to_httpx_response(reply: SandboxResponse, request: httpx.Request) -> httpx.Response:
    """Translate the sandbox's reply."""
    if reply.raw is not None:
        return httpx.Response(reply.status, headers=reply.headers, content=reply.raw, request=request)
    if reply.body is None:
        return httpx.Response(reply.status, headers=reply.headers, request=request)
    payload = json.dumps(reply.body, ensure_ascii=False).encode()
    headers = {"content-type": "application/json", **reply.headers}
    return httpx.Response(reply.status, headers=headers, content=payload, request=request)
