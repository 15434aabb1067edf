"""The httpx clients a component sends through: one sync client, and one async client per event loop.

An ``httpx.AsyncClient``'s pooled connections belong to the event loop that opened them, so a client
reused from another loop (``asyncio.run`` twice, a notebook and a worker thread) fails on a real
network. Clients passed in by the caller are used as they are and never closed here.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, TypedDict, Unpack

from ._net import check_secure_url

if TYPE_CHECKING:
    import asyncio

    import httpx

__all__ = ["HttpClients", "HttpOptions"]


class HttpOptions(TypedDict, total=False):
    """How a component reaches Nimble over HTTP; every constructor that talks to Nimble takes these.

    Attributes:
        transport: an httpx transport for the sync client (tests, the sandbox in-process).
        async_transport: the same for async clients.
        http_client: a ready sync client to send through (never closed here).
        async_http_client: a ready async client (never closed here).
        timeout: seconds per request (default 30).
    """

    transport: httpx.BaseTransport | None
    async_transport: httpx.AsyncBaseTransport | None
    http_client: httpx.Client | None
    async_http_client: httpx.AsyncClient | None
    timeout: float


class HttpClients:
    """Makes clients on first use, per event loop for async, and closes only the ones it made.

    Args:
        base_url: where requests go; a plain ``http://`` to a host other than loopback is refused
            unless allowed (see :func:`nimble_tools._net.check_secure_url`), or sent in-process.
        what: what travels there, for that refusal ("the credentials").
        allow_insecure_http: allow such a URL anyway.
        **options: see :class:`HttpOptions`.
    """

    def __init__(
        self, base_url: str, *, what: str, allow_insecure_http: bool | None = None, **options: Unpack[HttpOptions]
    ) -> None:
        self._transport = options.get("transport")
        self._async_transport = options.get("async_transport")
        in_process = self._transport is not None or self._async_transport is not None
        check_secure_url(base_url, what=what, in_process=in_process, allow_insecure=allow_insecure_http)
        self._timeout = options.get("timeout", 30.0)
        self._given_sync = options.get("http_client")
        self._given_async = options.get("async_http_client")
        self._sync: httpx.Client | None = None
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def sync(self) -> httpx.Client:
        """The sync client."""
        if self._given_sync is not None:
            return self._given_sync
        if self._sync is not None:  # made already: no lock on every request
            return self._sync
        with self._lock:
            if self._sync is None:
                import httpx

                self._sync = httpx.Client(transport=self._transport, timeout=self._timeout)
            return self._sync

    def for_running_loop(self) -> httpx.AsyncClient:
        """The async client of the running event loop."""
        if self._given_async is not None:
            return self._given_async
        import asyncio

        import httpx

        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._async.get(loop)
            if client is None:
                client = httpx.AsyncClient(transport=self._async_transport, timeout=self._timeout)
                self._async[loop] = client
            return client

    def close(self) -> None:
        """Close the sync client it made."""
        with self._lock:
            client, self._sync = self._sync, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close the sync client and the running loop's async client it made."""
        import asyncio

        self.close()
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._async.pop(loop, None)
        if client is not None:
            await client.aclose()
