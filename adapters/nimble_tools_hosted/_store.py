"""Where the hosted server keeps everything, so that no worker holds state of its own.

A :class:`RecordStore` keeps JSON records by key, each with an optional lifetime, and can *take* a
record (read and delete it in one step) so that a code or a refresh token is spent exactly once
however many workers race for it. Two backends:

* :class:`SQLiteRecordStore`: one file (mode 0600, in a 0700 directory) for the workers of one host;
  WAL mode lets them read while one writes.
* :class:`RedisRecordStore`: a Redis server for workers on several hosts.

Each also gives the Nimble-credential store that lives beside the records (the
:class:`~nimble_tools.auth.SQLiteTokenStore` or :class:`~nimble_tools.auth.RedisTokenStore` of
``nimble_tools.auth``, with its refresh lock), encrypted with the server's key.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from nimble_tools.auth import RecordCipher, RedisTokenStore, SQLiteTokenStore, TokenStore, TokenStoreError
from nimble_tools.auth._filelock import private_dir
from nimble_tools.auth._redis_store import _TAKE, _glob_escape, _redacted, _redis_module, _text

__all__ = ["RecordStore", "RedisRecordStore", "SQLiteRecordStore", "open_store"]

Record = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS hosted_records (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at REAL);
CREATE INDEX IF NOT EXISTS hosted_records_expiry ON hosted_records (expires_at);
"""
_PURGE_EVERY = 200
"""On average one write in this many also deletes expired rows (SQLite has no expiry of its own)."""


class RecordStore(Protocol):
    """JSON records by key, shared by every worker. Implementations are safe across threads."""

    def put(self, key: str, record: Record, ttl: float | None = None) -> None:
        """Store (replace) ``record``; it disappears after ``ttl`` seconds if given."""
        ...

    def get(self, key: str) -> Record | None:
        """The record, or None (missing or expired)."""
        ...

    def get_many(self, keys: Sequence[str]) -> list[Record | None]:
        """Several records in one round trip, in the order of ``keys``."""
        ...

    def take(self, key: str) -> Record | None:
        """Remove and return the record in one step: of several callers, exactly one gets it."""
        ...

    def delete(self, *keys: str) -> None:
        """Forget these records (no error for missing ones)."""
        ...

    def scan(self, prefix: str) -> list[tuple[str, Record]]:
        """Every live record whose key starts with ``prefix``, sorted by key."""
        ...

    def ping(self) -> None:
        """Raise TokenStoreError unless the store answers."""
        ...

    def token_store(self, cipher: RecordCipher) -> TokenStore:
        """The encrypted store of Nimble credentials that lives beside these records."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class SQLiteRecordStore:
    """Records in a SQLite file, for the workers of one host.

    Args:
        path: the database file (created with mode 0600, its directory with 0700).
        timeout: seconds to wait for another writer.
        clock: a ``time.time``-like function (tests move time with it).
    """

    def __init__(
        self, path: str | os.PathLike[str], *, timeout: float = 30.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = Path(path).expanduser()
        self._timeout = timeout
        self._clock = clock
        self._local = threading.local()
        self._guard = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._ready = False

    def __repr__(self) -> str:
        return f"SQLiteRecordStore({str(self.path)!r})"

    def put(self, key: str, record: Record, ttl: float | None = None) -> None:
        expires_at = self._clock() + ttl if ttl is not None else None
        with self._write() as db:
            db.execute(
                "INSERT INTO hosted_records (key, value, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
                (key, json.dumps(record), expires_at),
            )
            if random.randrange(_PURGE_EVERY) == 0:  # not security: how often to sweep
                db.execute("DELETE FROM hosted_records WHERE expires_at <= ?", (self._clock(),))

    def get(self, key: str) -> Record | None:
        return self.get_many([key])[0]

    def get_many(self, keys: Sequence[str]) -> list[Record | None]:
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        rows = self._read(
            f"SELECT key, value FROM hosted_records WHERE key IN ({marks}) AND (expires_at IS NULL OR expires_at > ?)",
            (*keys, self._clock()),
        )
        found = {key: json.loads(value) for key, value in rows}
        return [found.get(key) for key in keys]

    def take(self, key: str) -> Record | None:
        with self._write() as db:
            row = db.execute("DELETE FROM hosted_records WHERE key = ? RETURNING value, expires_at", (key,)).fetchone()
        if row is None or (row[1] is not None and row[1] <= self._clock()):
            return None
        value: Record = json.loads(row[0])
        return value

    def delete(self, *keys: str) -> None:
        if not keys:
            return
        with self._write() as db:
            db.executemany("DELETE FROM hosted_records WHERE key = ?", [(k,) for k in keys])

    def scan(self, prefix: str) -> list[tuple[str, Record]]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._read(
            "SELECT key, value FROM hosted_records WHERE key LIKE ? ESCAPE '\\' "
            "AND (expires_at IS NULL OR expires_at > ?) ORDER BY key",
            (escaped + "%", self._clock()),
        )
        return [(key, json.loads(value)) for key, value in rows]

    def ping(self) -> None:
        self._read("SELECT 1", ())

    def token_store(self, cipher: RecordCipher) -> TokenStore:
        return SQLiteTokenStore(self.path, timeout=self._timeout, cipher=cipher)

    def close(self) -> None:
        with self._guard:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()

    # -- connections -------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            self._prepare()
            connection = sqlite3.connect(
                self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
            connection.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            self._local.connection = connection
            with self._guard:
                self._connections.append(connection)
        return connection

    def _read(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        try:
            return self._connection().execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise TokenStoreError(f"The store {self.path} failed: {type(exc).__name__}: {exc}.") from None

    def _write(self) -> _Transaction:
        try:
            return _Transaction(self._connection(), self.path)
        except sqlite3.Error as exc:
            raise TokenStoreError(f"The store {self.path} failed: {type(exc).__name__}: {exc}.") from None

    def _prepare(self) -> None:
        if self._ready:
            return
        try:
            private_dir(self.path.parent)
            # Create the file with mode 0600 before SQLite does (it would use the umask); SQLite gives
            # its WAL and shared-memory files the database's permissions.
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            with sqlite3.connect(self.path, timeout=self._timeout) as db:
                db.execute("PRAGMA journal_mode = WAL")
                db.executescript(_SCHEMA)
            db.close()
        except OSError as exc:
            raise TokenStoreError(f"Cannot open the store {self.path}: {exc.strerror}.") from None
        except sqlite3.Error as exc:
            raise TokenStoreError(f"The store {self.path} failed: {type(exc).__name__}: {exc}.") from None
        self._ready = True


class _Transaction:
    """``with store._write() as db:`` one immediate write transaction, committed on success."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self._path = path

    def __enter__(self) -> sqlite3.Connection:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise TokenStoreError(f"The store {self._path} failed: {type(exc).__name__}: {exc}.") from None
        return self._db

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        try:
            self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
        except sqlite3.Error as error:
            if exc_type is None:
                raise TokenStoreError(f"The store {self._path} failed: {type(error).__name__}: {error}.") from None
        if isinstance(exc, sqlite3.Error):
            raise TokenStoreError(f"The store {self._path} failed: {type(exc).__name__}: {exc}.") from None


class RedisRecordStore:
    """Records in Redis, for workers on several hosts; Redis expires them itself.

    Args:
        url: a Redis URL (``redis://[:password@]host:port/db``, ``rediss://`` for TLS); or pass ``client``.
        client: a ready ``redis.Redis`` client (sync).
        prefix: prepended to every key.
    """

    def __init__(self, url: str | None = None, *, client: Any = None, prefix: str = "nimble-hosted:") -> None:
        if client is None:
            if not url:
                raise TokenStoreError("RedisRecordStore needs a url (redis://host:port/db) or a client.")
            client = _redis_module().Redis.from_url(url, health_check_interval=30)
        self._redis = client
        self._where = _redacted(url) if url else type(client).__name__
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"RedisRecordStore({self._where!r}, prefix={self.prefix!r})"

    def put(self, key: str, record: Record, ttl: float | None = None) -> None:
        milliseconds = max(1, int(ttl * 1000)) if ttl is not None else None
        self._call(self._redis.set, self.prefix + key, json.dumps(record), px=milliseconds)

    def get(self, key: str) -> Record | None:
        raw = self._call(self._redis.get, self.prefix + key)
        return json.loads(raw) if raw is not None else None

    def get_many(self, keys: Sequence[str]) -> list[Record | None]:
        if not keys:
            return []
        raws = self._call(self._redis.mget, [self.prefix + k for k in keys])
        return [json.loads(raw) if raw is not None else None for raw in raws]

    def take(self, key: str) -> Record | None:
        raw = self._call(self._redis.eval, _TAKE, 1, self.prefix + key)
        return json.loads(raw) if raw is not None else None

    def delete(self, *keys: str) -> None:
        if keys:
            self._call(self._redis.delete, *(self.prefix + k for k in keys))

    def scan(self, prefix: str) -> list[tuple[str, Record]]:
        pattern = _glob_escape(self.prefix + prefix) + "*"
        keys = sorted(_text(k) for k in self._call(lambda: list(self._redis.scan_iter(match=pattern, count=500))))
        values = self._call(self._redis.mget, keys) if keys else []
        start = len(self.prefix)
        return [(k[start:], json.loads(v)) for k, v in zip(keys, values, strict=True) if v is not None]

    def ping(self) -> None:
        self._call(self._redis.ping)

    def token_store(self, cipher: RecordCipher) -> TokenStore:
        return RedisTokenStore(client=self._redis, prefix=f"{self.prefix}nimble:", cipher=cipher)

    def close(self) -> None:
        self._call(self._redis.close)

    def _call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except _redis_module().RedisError as exc:
            # The type names the failure; redis's messages name hosts, never passwords, but stay safe.
            raise TokenStoreError(f"The Redis store {self._where!r} failed: {type(exc).__name__}.") from None


def open_store(location: str, *, clock: Callable[[], float] = time.time) -> RecordStore:
    """The store at ``location``: ``redis://...`` / ``rediss://...``, or a SQLite file path (``sqlite:///path`` too)."""
    if location.startswith(("redis://", "rediss://", "unix://")):
        return RedisRecordStore(location)
    path = location.removeprefix("sqlite://") if location.startswith("sqlite://") else location
    if not path:
        raise TokenStoreError("The store location is empty: give a SQLite file path or a redis:// URL.")
    return SQLiteRecordStore(path, clock=clock)
