"""Confirmation tokens of destructive calls, shared by every worker through the store.

For clients that cannot elicit, a destructive call answers with a preview and a token, and the
model repeats the call with it. The repeated call may reach another worker (or host): the book of
pending confirmations (``nimble_tools.confirmation``) therefore lives in the shared store here,
keyed by the token's hash, spent once, gone after its lifetime. Everything else about
confirmation (what is held, previews, binding to the call and its records) is the toolkit's.
"""

from __future__ import annotations

import time

from nimble_tools.confirmation import DEFAULT_TOKEN_TTL, Confirmations, PendingConfirmation

from ._keys import token_hash
from ._store import RecordStore

__all__ = ["SharedConfirmations"]


class SharedConfirmations(Confirmations):
    """:class:`~nimble_tools.confirmation.Confirmations` kept in a :class:`RecordStore`, on the wall clock.

    Args:
        records: the store every worker shares.
        ttl: seconds a token stays valid.
    """

    def __init__(self, records: RecordStore, *, ttl: float = DEFAULT_TOKEN_TTL) -> None:
        super().__init__(ttl=ttl, clock=time.time)  # monotonic clocks differ between processes
        self._records = records

    def __repr__(self) -> str:
        return f"SharedConfirmations(ttl={self.ttl}, store={self._records!r})"

    def _keep(self, token: str, pending: PendingConfirmation) -> None:
        record = {"call": pending.call, "matched": pending.matched, "expires": pending.expires}
        self._records.put(f"confirm:{token_hash(token)}", record, self.ttl)

    def _take(self, token: str) -> PendingConfirmation | None:
        record = self._records.take(f"confirm:{token_hash(token)}")
        if record is None:
            return None
        return PendingConfirmation(str(record["call"]), record.get("matched"), float(record["expires"]))
