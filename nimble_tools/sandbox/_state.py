"""The sandbox's in-memory state: tables of records, ids, the clock and the accepted credentials.

Handlers run one at a time under ``state.lock``, so a table is never seen half-updated, whether
requests come from threads of the HTTP server or from concurrent async tasks.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, ItemsView, ValuesView
from datetime import UTC, datetime
from typing import Any, overload

__all__ = ["SandboxState", "Table", "iso_millis", "iso_offset"]

Record = dict[str, Any]


def iso_millis(moment: datetime) -> str:
    """``2026-12-01T14:36:54.369Z``: the sandbox's times of notes, deals, tasks, pipelines, drafts."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def iso_offset(moment: datetime) -> str:
    """``2019-01-22T21:57:30+0000``: contact times (``created``, ``updated``, ``last_contacted.tstamp``).

    The form of the spec's contact example ("Contacts details"), which shows what live Nimble sends.
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class Table(dict[str, Record]):
    """The records of one resource by id, noting which may have changed since last asked.

    Search indexes (``_index``) re-read only the records that were reached through ``get``,
    ``[]``, assignment or ``pop`` since they last looked: a handler must reach a record that way
    before it can change it. Walking ``values()``/``items()`` marks the whole table, so nothing is
    ever missed; readers that only read use :meth:`quiet_values`.
    """

    __slots__ = ("all_touched", "touched")

    def __init__(self) -> None:
        super().__init__()
        self.touched: set[str] = set()
        self.all_touched = True

    def __getitem__(self, key: str) -> Record:
        self.touched.add(key)
        return super().__getitem__(key)

    @overload  # type: ignore[override]
    def get(self, key: str, default: None = None) -> Record | None: ...

    @overload
    def get(self, key: str, default: Record) -> Record: ...

    def get(self, key: str, default: Record | None = None) -> Record | None:
        self.touched.add(key)
        return super().get(key, default)

    def __setitem__(self, key: str, value: Record) -> None:
        self.touched.add(key)
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.touched.add(key)
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        self.touched.add(key)
        return super().pop(key, *default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.touched.add(key)
        return super().setdefault(key, default)

    def values(self) -> ValuesView[Record]:  # type: ignore[override]
        self.all_touched = True
        return super().values()

    def items(self) -> ItemsView[str, Record]:  # type: ignore[override]
        self.all_touched = True
        return super().items()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.all_touched = True
        super().update(*args, **kwargs)

    def clear(self) -> None:
        self.all_touched = True
        super().clear()

    def popitem(self) -> tuple[str, Record]:
        self.all_touched = True
        return super().popitem()

    def quiet_values(self) -> ValuesView[Record]:
        """The records, for a reader that promises not to change them (marks nothing)."""
        return super().values()

    def quiet_get(self, key: str) -> Record | None:
        """One record, for a reader that promises not to change it (marks nothing)."""
        return super().get(key)


class SandboxState:
    """All the data of one sandbox account."""

    def __init__(self, *, api_key: str, clock: Callable[[], float] = time.time, id_seed: int = 0x5E) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.api_keys: set[str] = {api_key}
        self.personal_keys: dict[str, str] = {}
        """Personal API keys: key -> user id (each user's own Settings > API Token; see ``Sandbox.personal_api_key``)."""
        self.tokens: dict[str, dict[str, Any]] = {}
        """OAuth access tokens: token -> {"user_id", "expires_at", "scope"}."""
        self.oauth: dict[str, dict[str, Record]] = {}
        """The OAuth server's other records by kind: clients, codes, refresh tokens, grants (see ``_oauth``)."""
        self.tables: dict[str, Table] = {}
        self.blobs: dict[str, bytes] = {}
        """File bytes by file id (deal files)."""
        self._counter = itertools.count(1)
        self._id_prefix = f"{id_seed & 0xFFFFFFFF:08x}"
        self.users: dict[str, Record] = {}
        self.me_id = ""
        self.indexes: dict[str, Any] = {}
        """Search indexes by table name, built on first search (see ``_index``)."""

    def table(self, name: str) -> Table:
        """The records of one resource, by id (created empty on first use)."""
        table = self.tables.get(name)
        if table is None:
            table = self.tables[name] = Table()
        return table

    def new_id(self) -> str:
        """A fresh 24-hex-character id, unique in this sandbox and repeatable across runs."""
        return f"{self._id_prefix}{next(self._counter):016x}"

    def now(self) -> datetime:
        """The sandbox clock as an aware UTC datetime."""
        return datetime.fromtimestamp(self.clock(), UTC)

    def timestamp(self) -> str:
        """The sandbox clock as :func:`iso_millis` writes it (notes, deals, tasks...)."""
        return iso_millis(self.now())

    def contact_timestamp(self) -> str:
        """The sandbox clock as :func:`iso_offset` writes it (a contact's created, updated, last contact)."""
        return iso_offset(self.now())

    @property
    def me(self) -> Record:
        """The account's current user."""
        return self.users[self.me_id]

    def is_api_key(self, token: str) -> bool:
        """True for the account's API key and every personal one (never accepted as ``?access_token=``)."""
        return token in self.api_keys or token in self.personal_keys

    def user_for_token(self, token: str) -> Record | None:
        """The user a bearer token authenticates, or None."""
        if token in self.api_keys:
            return self.me
        if token in self.personal_keys:
            return self.users.get(self.personal_keys[token])
        grant = self.tokens.get(token)
        if grant and grant["expires_at"] > self.clock():
            return self.users.get(grant["user_id"], self.me)
        return None
