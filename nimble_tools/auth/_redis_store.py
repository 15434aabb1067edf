"""``RedisTokenStore``: tokens shared by several processes or hosts, with a distributed refresh lock.

``redis`` is imported when a store is made, not with the package: install it with
``pip install 'nimble-tools[redis]'``.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ._cipher import RecordCipher, open_record, seal_record
from ._errors import TokenStoreError
from ._tokens import PendingAuthorization, TokenSet

__all__ = ["RedisTokenStore"]

# Delete the key only if it still holds our token: a lock that expired and was taken by another
# process must not be released by us.
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"
# GET and DEL in one step (GETDEL needs Redis 6.2): a state is taken once even if two callbacks race.
_TAKE = "local v = redis.call('GET', KEYS[1]); if v then redis.call('DEL', KEYS[1]) end; return v"


class RedisTokenStore:
    """Tokens in Redis, for deployments with several processes or hosts.

    The refresh lock is a Redis key set with ``NX`` and an expiry, so one refresh happens across
    every process that shares the store, and a crashed holder cannot block the others for longer
    than ``lock_ttl``.

    Args:
        url: a Redis URL (``redis://[:password@]host:port/db``); or pass ``client``.
        client: a ready ``redis.Redis`` client (sync).
        prefix: prepended to every key this store writes.
        lock_ttl: seconds after which an abandoned refresh lock frees itself (longer than a refresh takes).
        lock_wait: seconds to wait for another process's refresh before giving up.
        cipher: seals every token record (:class:`FernetCipher`), so Redis holds no readable token.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        prefix: str = "nimble-tools:",
        lock_ttl: float = 60.0,
        lock_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        cipher: RecordCipher | None = None,
    ) -> None:
        if client is None:
            if not url:
                raise TokenStoreError("RedisTokenStore needs a url (redis://host:port/db) or a client.")
            client = _redis_module().Redis.from_url(url)
        self._redis = client
        self._url = _redacted(url) if url else None
        self.prefix = prefix
        self.lock_ttl = lock_ttl
        self.lock_wait = lock_wait
        self._sleep = sleep
        self._cipher = cipher

    def __repr__(self) -> str:
        where = self._url or type(self._redis).__name__
        return f"RedisTokenStore({where!r}, prefix={self.prefix!r})"

    def _key(self, kind: str, name: str) -> str:
        return f"{self.prefix}{kind}:{name}"

    # -- the TokenStore interface ------------------------------------------------------------

    def load(self, account: str) -> TokenSet | None:
        raw = self._call(self._redis.get, self._key("token", account))
        if raw is None:
            return None
        try:
            return TokenSet.from_record(open_record(raw, self._cipher, f"Redis (account {account!r})"))
        except ValueError as exc:
            raise TokenStoreError(f"Redis holds a damaged token record for account {account!r}: {exc}.") from None

    def save(self, account: str, tokens: TokenSet) -> None:
        self._call(self._redis.set, self._key("token", account), seal_record(tokens.to_record(), self._cipher))

    def delete(self, account: str) -> None:
        self._call(self._redis.delete, self._key("token", account))

    def accounts(self) -> list[str]:
        start = len(self._key("token", ""))
        pattern = _glob_escape(self._key("token", "")) + "*"
        keys = self._call(lambda: list(self._redis.scan_iter(match=pattern, count=500)))
        return sorted(_text(k)[start:] for k in keys)

    def put_pending(self, pending: PendingAuthorization) -> None:
        milliseconds = max(1, int(pending.lifetime * 1000))
        value = json.dumps(pending.to_record())
        self._call(self._redis.set, self._key("state", pending.state), value, px=milliseconds)

    def take_pending(self, state: str) -> PendingAuthorization | None:
        raw = self._call(self._redis.eval, _TAKE, 1, self._key("state", state))
        if raw is None:
            return None
        try:
            return PendingAuthorization.from_record(json.loads(raw))
        except ValueError as exc:
            raise TokenStoreError(f"Redis holds a damaged pending authorization: {exc}.") from None

    def lock(self, account: str) -> AbstractContextManager[object]:
        return _RedisLock(self, self._key("lock", account), account)

    # -- errors --------------------------------------------------------------------------------

    def _call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except _redis_module().RedisError as exc:
            # The type names the failure; redis's messages name hosts, never passwords, but stay safe.
            raise TokenStoreError(f"The Redis token store {self!r} failed: {type(exc).__name__}.") from None


class _RedisLock:
    """One acquisition of an account's refresh lock; not thread-bound, so it may be released anywhere."""

    def __init__(self, store: RedisTokenStore, key: str, account: str) -> None:
        self._store = store
        self._key = key
        self._account = account
        self._token = secrets.token_hex(16)

    def __enter__(self) -> _RedisLock:
        store = self._store
        deadline = time.monotonic() + store.lock_wait
        ttl = max(1, int(store.lock_ttl * 1000))
        while not store._call(store._redis.set, self._key, self._token, nx=True, px=ttl):
            if time.monotonic() >= deadline:
                raise TokenStoreError(
                    f"Timed out after {store.lock_wait:g}s waiting for another process to refresh the "
                    f"tokens of account {self._account!r}."
                )
            store._sleep(0.02)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._store._call(self._store._redis.eval, _RELEASE, 1, self._key, self._token)


def _redis_module() -> Any:
    try:
        import redis
    except ImportError:
        raise TokenStoreError("RedisTokenStore needs the redis package: pip install 'nimble-tools[redis]'.") from None
    return redis


def _redacted(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
