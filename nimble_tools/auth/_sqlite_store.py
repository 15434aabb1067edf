"""``SQLiteTokenStore``: the default store, for an app with several connected accounts."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from pathlib import Path

from ._cipher import RecordCipher, open_record, seal_record
from ._errors import TokenStoreError
from ._filelock import FileLock, account_lock_path, private_dir
from ._tokens import PendingAuthorization, TokenSet

__all__ = ["TOKEN_DB_ENV", "SQLiteTokenStore", "default_token_path"]

TOKEN_DB_ENV = "NIMBLE_TOOLS_TOKEN_DB"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (account TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending (state TEXT PRIMARY KEY, record TEXT NOT NULL, expires_at REAL NOT NULL);
"""


def default_token_path() -> Path:
    """``$NIMBLE_TOOLS_TOKEN_DB``, else ``$XDG_DATA_HOME/nimble-tools/tokens.sqlite3`` (``~/.local/share/...``)."""
    explicit = os.environ.get(TOKEN_DB_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "nimble-tools" / "tokens.sqlite3"


class SQLiteTokenStore:
    """Tokens in a SQLite database file (mode 0600, in a 0700 directory), one row per account.

    Safe for many threads and for several processes of one host: SQLite serialises writes, and the
    refresh lock is a per-account ``flock`` beside the database.

    Args:
        path: the database file; default :func:`default_token_path`.
        timeout: seconds to wait for another writer before failing.
        cipher: seals every token record (:class:`FernetCipher`), so the file holds no readable token.
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, timeout: float = 30.0, cipher: RecordCipher | None = None
    ) -> None:
        self.path = Path(path).expanduser() if path is not None else default_token_path()
        self._timeout = timeout
        self._cipher = cipher
        self._ready = False

    def __repr__(self) -> str:
        return f"SQLiteTokenStore({str(self.path)!r})"

    # -- the TokenStore interface ------------------------------------------------------------

    def load(self, account: str) -> TokenSet | None:
        with self._db() as db:
            row = db.execute("SELECT record FROM tokens WHERE account = ?", (account,)).fetchone()
        if row is None:
            return None
        try:
            return TokenSet.from_record(open_record(row[0], self._cipher, f"The token database {self.path}"))
        except ValueError as exc:
            raise TokenStoreError(f"The token database {self.path} holds a damaged record: {exc}.") from None

    def save(self, account: str, tokens: TokenSet) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO tokens (account, record) VALUES (?, ?) "
                "ON CONFLICT (account) DO UPDATE SET record = excluded.record",
                (account, seal_record(tokens.to_record(), self._cipher)),
            )

    def delete(self, account: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM tokens WHERE account = ?", (account,))

    def accounts(self) -> list[str]:
        with self._db() as db:
            return [row[0] for row in db.execute("SELECT account FROM tokens ORDER BY account")]

    def put_pending(self, pending: PendingAuthorization) -> None:
        with self._db() as db:
            db.execute("DELETE FROM pending WHERE expires_at <= ?", (pending.created_at,))
            db.execute(
                "INSERT OR REPLACE INTO pending (state, record, expires_at) VALUES (?, ?, ?)",
                (pending.state, json.dumps(pending.to_record()), pending.expires_at),
            )

    def take_pending(self, state: str) -> PendingAuthorization | None:
        with self._db(immediate=True) as db:  # read and delete in one write transaction: used once
            row = db.execute("SELECT record FROM pending WHERE state = ?", (state,)).fetchone()
            db.execute("DELETE FROM pending WHERE state = ?", (state,))
        if row is None:
            return None
        try:
            return PendingAuthorization.from_record(json.loads(row[0]))
        except ValueError as exc:
            raise TokenStoreError(f"The token database {self.path} holds a damaged record: {exc}.") from None

    def lock(self, account: str) -> AbstractContextManager[object]:
        return FileLock(account_lock_path(self.path, account))

    # -- connections -------------------------------------------------------------------------

    @contextmanager
    def _db(self, *, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection inside one transaction (committed on success); errors become TokenStoreError."""
        try:
            self._prepare()
            with closing(sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)) as db:
                db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise TokenStoreError(f"The token database {self.path} failed: {type(exc).__name__}: {exc}.") from None
        except OSError as exc:
            raise TokenStoreError(f"Cannot open the token database {self.path}: {exc.strerror}.") from None

    def _prepare(self) -> None:
        if self._ready:
            return
        private_dir(self.path.parent)
        # Create the file with mode 0600 before SQLite does (it would use the umask), and make an
        # existing one private too (an older file may be 0644); SQLite gives its journal files the
        # database's permissions.
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        for path in (self.path, *(self.path.with_name(self.path.name + s) for s in ("-wal", "-shm", "-journal"))):
            if path.exists() and path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
        with closing(sqlite3.connect(self.path, timeout=self._timeout)) as db:
            db.executescript(_SCHEMA)
        self._ready = True
