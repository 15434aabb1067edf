"""Two processes sharing a token store refresh once between them (the store's lock), not once each.

The sandbox runs as a real HTTP server in this process, on the real clock; its token endpoint is
slowed down so the first refresh is still in flight when the second process asks. Without the
store's lock both would trade the same refresh token, and the second would be refused (Nimble
replaces the refresh token on every refresh).
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import replace
from pathlib import Path

import pytest
from auth_workers import headers_after_barrier, make_store

from nimble_tools.auth import OAuthApp, OAuthProvider
from nimble_tools.sandbox import Sandbox, SandboxRequest, SandboxResponse, approve

TOKEN_DELAY = 0.4


@pytest.fixture(params=["sqlite", "redis"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    if request.param == "sqlite":
        return "sqlite", str(tmp_path / "tokens.sqlite3")
    return "redis", str(request.getfixturevalue("redis_url"))


def slow_token_endpoint(sandbox: Sandbox) -> None:
    answer = sandbox.handle

    def handle(request: SandboxRequest) -> SandboxResponse:
        if request.path == "/api/oauth/token":
            time.sleep(TOKEN_DELAY)
        return answer(request)

    sandbox.handle = handle  # type: ignore[method-assign]


def test_two_processes_refresh_once(store_location: tuple[str, str]) -> None:
    kind, where = store_location
    if kind == "redis":  # a fresh database for this test
        import redis

        redis.Redis.from_url(where).flushdb()
    sandbox = Sandbox(seed=False)
    with sandbox.server(port=0) as server:
        # Connect alice from this process, then make her access token look expired to everyone.
        store = make_store(kind, where)
        with OAuthProvider(OAuthApp.for_sandbox(base_url=server.base_url), store) as provider:
            request = provider.begin_authorization("alice")
            provider.complete_authorization(approve(sandbox, request.url))
        connected = store.load("alice")
        assert connected is not None
        store.save("alice", replace(connected, expires_at=time.time() - 1))
        slow_token_endpoint(sandbox)

        context = multiprocessing.get_context("spawn")  # no forked copies of this process's threads
        barrier = context.Barrier(2)
        results = context.Queue()
        children = [
            context.Process(target=headers_after_barrier, args=(kind, where, server.base_url, barrier, results))
            for _ in range(2)
        ]
        for child in children:
            child.start()
        outcomes = [results.get(timeout=60) for _ in children]
        for child in children:
            child.join(timeout=30)
            assert child.exitcode == 0

    assert [status for status, _ in outcomes] == ["ok", "ok"], outcomes
    assert outcomes[0][1] == outcomes[1][1]  # both use the one refreshed token
    grants = [g["grant_type"] for g in sandbox.state.oauth["grants"].values()]
    assert grants == ["authorization_code", "refresh_token"]
    stored = make_store(kind, where).load("alice")
    assert stored is not None and stored.refresh_token != connected.refresh_token
    assert stored.expires_at is not None and stored.expires_at > time.time()
