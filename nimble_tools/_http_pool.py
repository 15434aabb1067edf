"""The httpx clients a component sends through: one sync client, and one async client per event loop.

An ``httpx.AsyncClient``'s pooled connections belong to the event loop that opened them, so a client
reused from another loop (``asyncio.run`` twice, a notebook and a worker thread) fails on a real
network. Clients passed in by the caller are used as they are and never closed here.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

    import httpx

__all__ = ["HttpClients"]


class HttpClients:
    """Makes clients on first use, per event loop for async, and closes only the ones it made."""

    def __init__(
        self,
        *,
        timeout: float,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._timeout = timeout
        self._transport = transport
        self._async_transport = async_transport
        self._given_sync = http_client
        self._given_async = async_http_client
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
