"""Code run in child processes by tests/test_auth_processes.py (importable, so ``spawn`` can find it)."""

from __future__ import annotations

import hashlib
from typing import Any

from nimble_tools.auth import OAuthApp, OAuthProvider, RedisTokenStore, SQLiteTokenStore, TokenStore


def make_store(kind: str, where: str) -> TokenStore:
    return SQLiteTokenStore(where) if kind == "sqlite" else RedisTokenStore(where)


def headers_after_barrier(kind: str, where: str, base_url: str, barrier: Any, results: Any) -> None:
    """Wait for the sibling process, then ask for alice's headers; report a digest of them (or the error)."""
    try:
        with OAuthProvider(OAuthApp.for_sandbox(base_url=base_url), make_store(kind, where)) as provider:
            barrier.wait(timeout=30)
            header = provider.headers("alice")["Authorization"]
        results.put(("ok", hashlib.sha256(header.encode()).hexdigest()))
    except BaseException as exc:  # reported to the parent, which fails the test with it
        results.put(("error", f"{type(exc).__name__}: {exc}"))
