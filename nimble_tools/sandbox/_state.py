"""The sandbox's in-memory state: tables of records, ids, the clock and the accepted credentials.

Handlers run one at a time under ``state.lock``, so a table is never seen half-updated, whether
requests come from threads of the HTTP server or from concurrent async tasks.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

__all__ = ["SandboxState"]

Record = dict[str, Any]


class SandboxState:
    """All the data of one sandbox account."""

    def __init__(self, *, api_key: str, clock: Callable[[], float] = time.time, id_seed: int = 0x5E) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.api_keys: set[str] = {api_key}
        self.tokens: dict[str, dict[str, Any]] = {}
        """OAuth access tokens: token -> {"user_id", "expires_at", "scope"}."""
        self.tables: dict[str, dict[str, Record]] = {}
        self.blobs: dict[str, bytes] = {}
        """File bytes by file id (deal files)."""
        self._counter = itertools.count(1)
        self._id_prefix = f"{id_seed & 0xFFFFFFFF:08x}"
        self.users: dict[str, Record] = {}
        self.me_id = ""

    def table(self, name: str) -> dict[str, Record]:
        """The records of one resource, by id (created empty on first use)."""
        return self.tables.setdefault(name, {})

    def new_id(self) -> str:
        """A fresh 24-hex-character id, unique in this sandbox and repeatable across runs."""
        return f"{self._id_prefix}{next(self._counter):016x}"

    def now(self) -> datetime:
        """The sandbox clock as an aware UTC datetime."""
        return datetime.fromtimestamp(self.clock(), UTC)

    def timestamp(self) -> str:
        """The sandbox clock in Nimble's ISO-8601 form."""
        return self.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    @property
    def me(self) -> Record:
        """The account's current user."""
        return self.users[self.me_id]

    def user_for_token(self, token: str) -> Record | None:
        """The user a bearer token authenticates, or None."""
        if token in self.api_keys:
            return self.me
        grant = self.tokens.get(token)
        if grant and grant["expires_at"] > self.clock():
            return self.users.get(grant["user_id"], self.me)
        return None
