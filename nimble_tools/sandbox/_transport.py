"""The in-process face of the sandbox: an httpx transport for sync and async clients."""

from __future__ import annotations

import asyncio
import json
import time
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
        reply = self.sandbox.handle(from_httpx_request(request))
        if reply.delay and reply.fault != "timeout":
            time.sleep(reply.delay)
        return to_httpx_response(reply, request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # The sandbox's handlers are quick and in memory: running them inline keeps order and speed.
        body = await request.aread()
        reply = self.sandbox.handle(from_httpx_request(request, body))
        if reply.delay and reply.fault != "timeout":
            await asyncio.sleep(reply.delay)
        return to_httpx_response(reply, request)


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
    """Translate the sandbox's reply; an injected timeout or drop is raised as httpx raises it."""
    if reply.fault == "timeout":
        # In-process there is no clock to run out: the timeout is reported at once.
        raise httpx.ReadTimeout("The read operation timed out (injected fault).", request=request)
    if reply.fault == "disconnect":
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response (injected fault).", request=request
        )
    if reply.raw is not None:
        return httpx.Response(reply.status, headers=reply.headers, content=reply.raw, request=request)
    if reply.body is None:
        return httpx.Response(reply.status, headers=reply.headers, request=request)
    payload = json.dumps(reply.body, ensure_ascii=False).encode()
    headers = {"content-type": "application/json", **reply.headers}
    return httpx.Response(reply.status, headers=headers, content=payload, request=request)
