"""Helpers for the tests/test_auth_*.py suites: a movable clock, OAuth-wired toolkits, a Redis server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from benchmarks._local_servers import redis_server as local_redis_server
from nimble_tools import NimbleToolkit, RetryPolicy
from nimble_tools.auth import MemoryTokenStore, OAuthProvider, TokenStore
from nimble_tools.sandbox import SANDBOX_BASE_URL, Sandbox, approve

START = 1_800_000_000.0
TOKEN_PATH = "/api/oauth/token"


class Clock:
    """A ``time.time`` stand-in that only moves when told to."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class CountingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Wraps a transport: counts token-endpoint calls and can slow them down or cut the line."""

    def __init__(self, inner: httpx.BaseTransport, *, token_delay: float = 0.0) -> None:
        self.inner = inner
        self.token_delay = token_delay
        self.token_calls = 0
        self.api_calls = 0
        self.offline = False
        self.token_endpoint_down = False
        self._lock = threading.Lock()

    def _count(self, request: httpx.Request) -> bool:
        is_token = request.url.path == TOKEN_PATH
        with self._lock:
            if is_token:
                self.token_calls += 1
            else:
                self.api_calls += 1
        if self.offline or (is_token and self.token_endpoint_down):
            raise httpx.ConnectError("the network is down", request=request)
        return is_token

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._count(request) and self.token_delay:
            time.sleep(self.token_delay)  # keep the first refresh in flight while the others arrive
        return self.inner.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._count(request) and self.token_delay:
            await asyncio.sleep(self.token_delay)
        assert isinstance(self.inner, httpx.AsyncBaseTransport)
        return await self.inner.handle_async_request(request)


@dataclass
class OAuthWorld:
    """A sandbox, a provider on its built-in OAuth client, and a toolkit using the provider."""

    clock: Clock
    sandbox: Sandbox
    transport: CountingTransport
    provider: OAuthProvider
    toolkit: NimbleToolkit
    store: TokenStore = field(default_factory=MemoryTokenStore)

    def connect(self, account: str, user: str | None = None) -> None:
        """Run the whole authorization-code flow for ``account`` (as sandbox user ``user``)."""
        request = self.provider.begin_authorization(account)
        self.provider.complete_authorization(approve(self.sandbox, request.url, user=user))

    def refresh_grants(self) -> int:
        """How many refresh-token grants the sandbox has served."""
        grants = self.sandbox.state.oauth.get("grants", {}).values()
        return sum(1 for g in grants if g["grant_type"] == "refresh_token")


def oauth_world(
    store: TokenStore | None = None, *, token_delay: float = 0.0, refresh_margin: float = 60.0
) -> OAuthWorld:
    clock = Clock()
    sandbox = Sandbox(clock=clock)
    transport = CountingTransport(sandbox.transport(), token_delay=token_delay)
    store = store if store is not None else MemoryTokenStore()
    provider = OAuthProvider.for_sandbox(
        sandbox, store, transport=transport, async_transport=transport, refresh_margin=refresh_margin
    )
    toolkit = NimbleToolkit(
        auth=provider,
        base_url=SANDBOX_BASE_URL,
        transport=transport,
        async_transport=transport,
        retry=RetryPolicy(backoff_base=0.0),  # retries without waiting: tests never sleep on backoff
    )
    return OAuthWorld(clock, sandbox, transport, provider, toolkit, store)


# --- a real redis-server on a free loopback port ------------------------------------------------

REDIS_HOWTO = (
    "redis-server is not installed, so the Redis token store tests are skipped. Install it "
    "(Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis) and run "
    "`make test`; .ci/run installs it automatically."
)


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server's URL (``benchmarks._local_servers``); skip, saying how to get one, without it."""
    if shutil.which("redis-server") is None:
        pytest.skip(REDIS_HOWTO)
    with local_redis_server() as url:
        yield url


def clean_env() -> dict[str, str]:
    """The environment for child processes, with this checkout importable."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, str(Path(__file__).parent), env.get("PYTHONPATH")) if p)
    return env
