"""The token-store interface, and the in-memory store.

A store keeps, per connected account, the newest :class:`TokenSet`, and the pending
authorizations by ``state`` until their callback arrives. It also hands out a per-account
*refresh lock*: the provider holds it while it refreshes, so that of several processes sharing a
store only one trades the refresh token (Nimble may replace it on each refresh, so a second,
concurrent refresh would be refused and look like a revoked grant).

Stores are synchronous; the async provider calls them from a worker thread.
"""

from __future__ import annotations

import contextlib
import threading
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from ._tokens import PendingAuthorization, TokenSet

__all__ = ["MemoryTokenStore", "TokenStore"]


@runtime_checkable
class TokenStore(Protocol):
    """Where the tokens of connected accounts live. Implementations must be safe across threads."""

    def load(self, account: str) -> TokenSet | None:
        """The account's tokens, or None when it is not connected."""
        ...

    def save(self, account: str, tokens: TokenSet) -> None:
        """Store (replace) the account's tokens."""
        ...

    def delete(self, account: str) -> None:
        """Forget the account's tokens (no error if there are none)."""
        ...

    def accounts(self) -> list[str]:
        """The connected accounts, sorted."""
        ...

    def put_pending(self, pending: PendingAuthorization) -> None:
        """Remember an authorization in progress until its callback.

        The store may forget those already expired at ``pending.created_at`` (the provider's clock).
        """
        ...

    def take_pending(self, state: str) -> PendingAuthorization | None:
        """Remove and return the pending authorization for ``state``: a state can be used once."""
        ...

    def lock(self, account: str) -> AbstractContextManager[object]:
        """A lock held while the account's tokens are refreshed; exclusive across every user of the store."""
        ...


class MemoryTokenStore:
    """Tokens in this process's memory: for tests, notebooks and single-process apps that reconnect on start.

    The provider's own per-account locks already serialise refreshes within a process, so its
    refresh lock is a no-op.
    """

    def __init__(self) -> None:
        self._tokens: dict[str, TokenSet] = {}
        self._pending: dict[str, PendingAuthorization] = {}
        self._mutex = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryTokenStore(accounts={len(self._tokens)})"

    def load(self, account: str) -> TokenSet | None:
        return self._tokens.get(account)

    def save(self, account: str, tokens: TokenSet) -> None:
        self._tokens[account] = tokens

    def delete(self, account: str) -> None:
        self._tokens.pop(account, None)

    def accounts(self) -> list[str]:
        return sorted(self._tokens)

    def put_pending(self, pending: PendingAuthorization) -> None:
        with self._mutex:
            purge_expired(self._pending, pending.created_at)
            self._pending[pending.state] = pending

    def take_pending(self, state: str) -> PendingAuthorization | None:
        with self._mutex:
            return self._pending.pop(state, None)

    def lock(self, account: str) -> AbstractContextManager[object]:
        return contextlib.nullcontext()


def purge_expired(pending: dict[str, PendingAuthorization], now: float) -> None:
    """Drop the pending authorizations that can no longer complete (called when adding one)."""
    for state in [s for s, p in pending.items() if p.expires_at <= now]:
        del pending[state]
