"""``OAuthProvider``: Nimble's OAuth 2.0 authorization-code flow as an :class:`AuthProvider`.

Connecting an account::

    request = provider.begin_authorization("alice")      # send the user to request.url
    provider.complete_authorization(callback_url)        # on the redirect: checks state, trades the code

Using it: ``NimbleToolkit(auth=provider)``, then ``toolkit.call(..., account="alice")``. Before each
request the provider hands out the account's access token, refreshing it ``refresh_margin``
seconds before it expires; after a 403 "Can't authenticate request" it refreshes once more.

Refreshing is single-flight: callers that find the same token expiring wait for one refresh and
share its result (threads, asyncio tasks and, through the store's lock, other processes). Each
refresh re-reads the store under the lock, because another process may have refreshed meanwhile
and Nimble may have replaced the refresh token.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .._errors import ConfigurationError, NimbleAPIError
from ._config import TOKEN_PATH, OAuthApp
from ._endpoint import TokenEndpoint
from ._errors import OAuthError, OAuthStateError, ReauthorizationRequiredError
from ._locks import AccountLocks, held_in_thread
from ._store import MemoryTokenStore, TokenStore
from ._tokens import AuthorizationRequest, Connection, PendingAuthorization, TokenSet

if TYPE_CHECKING:
    import httpx

    from ..sandbox import Sandbox

__all__ = ["DEFAULT_ACCOUNT", "OAuthProvider"]

logger = logging.getLogger("nimble_tools.auth")

DEFAULT_ACCOUNT = "default"
"""The account used when a call names none."""
CLIENT_ERRORS = frozenset({"invalid_client", "unauthorized_client"})
"""Refusals that blame the app's registration, not the user's grant: the tokens are kept."""
RETRY_AHEAD_AFTER = 5.0
"""Seconds before a failed refresh-ahead is tried again while the current token still works."""

# Which token each thread / task last sent, per (provider, account): after a 403, a caller whose
# token was already replaced by someone else's refresh just retries with the new one.
_LAST_SENT: ContextVar[dict[tuple[int, str], str] | None] = ContextVar("nimble_tools_oauth_last_sent", default=None)


class OAuthProvider:
    """Access tokens for connected Nimble accounts, refreshed before they expire.

    Args:
        app: the OAuth client registration (:class:`OAuthApp`).
        store: where tokens live; default a :class:`SQLiteTokenStore` at its default path.
        refresh_margin: refresh this many seconds before the access token expires.
        authorization_ttl: seconds a started authorization waits for its callback.
        clock: a ``time.time``-like function (tests move time with it).
        transport / async_transport / http_client / async_http_client / timeout: how to reach the
            token endpoint (the sandbox's transport, in tests).
    """

    def __init__(
        self,
        app: OAuthApp,
        store: TokenStore | None = None,
        *,
        refresh_margin: float = 60.0,
        authorization_ttl: float = 600.0,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
    ) -> None:
        if store is None:
            from ._sqlite_store import SQLiteTokenStore

            store = SQLiteTokenStore()
        self.app = app
        self.store = store
        self.refresh_margin = refresh_margin
        self.authorization_ttl = authorization_ttl
        self._clock = clock
        self._endpoint = TokenEndpoint(
            app,
            transport=transport,
            async_transport=async_transport,
            http_client=http_client,
            async_http_client=async_http_client,
            timeout=timeout,
            clock=clock,
        )
        self._locks = AccountLocks()
        self._cache: dict[str, TokenSet] = {}
        self._ahead_failed: dict[str, float] = {}  # account -> when a refresh-ahead last failed
        self._reconnect: dict[str, AuthorizationRequest] = {}  # account -> the authorization offered to reconnect it

    @classmethod
    def for_sandbox(cls, sandbox: Sandbox, store: TokenStore | None = None, **kwargs: Any) -> OAuthProvider:
        """A provider for a sandbox's built-in OAuth client, in-process, on the sandbox's clock.

        Args:
            sandbox: the sandbox whose ``/oauth/authorize`` and ``/api/oauth/token`` to use.
            store: default a fresh :class:`MemoryTokenStore`.
            **kwargs: other :class:`OAuthProvider` arguments.
        """
        transport = sandbox.transport()
        kwargs.setdefault("transport", transport)
        kwargs.setdefault("async_transport", transport)
        kwargs.setdefault("clock", sandbox.state.clock)
        return cls(OAuthApp.for_sandbox(), store if store is not None else MemoryTokenStore(), **kwargs)

    def __repr__(self) -> str:
        return f"OAuthProvider(client_id={self.app.client_id!r}, store={self.store!r})"

    # -- connecting accounts -----------------------------------------------------------------

    def begin_authorization(
        self, account: str | None = None, *, redirect_uri: str | None = None
    ) -> AuthorizationRequest:
        """Start connecting ``account``: a fresh random ``state`` is remembered, and the URL to send the user to is returned.

        Args:
            account: the application's name for the connection (a user id, a tenant...).
            redirect_uri: where Nimble sends the user back; default the app's registered one.
        """
        name = _account(account)
        now = self._clock()
        pending = PendingAuthorization(
            state=secrets.token_urlsafe(32),
            account=name,
            redirect_uri=redirect_uri or self.app.redirect_uri,
            created_at=now,
            expires_at=now + self.authorization_ttl,
        )
        self.store.put_pending(pending)
        logger.info("authorization started for account %r", name)
        return AuthorizationRequest(
            url=self.app.authorization_url(pending.state, pending.redirect_uri),
            state=pending.state,
            account=name,
            redirect_uri=pending.redirect_uri,
            expires_at=pending.expires_at,
        )

    def complete_authorization(self, callback: str | Mapping[str, Any], *, account: str | None = None) -> Connection:
        """Finish an authorization from the redirect Nimble sent the user to.

        The ``state`` must match a pending authorization (it is then spent); only then is the code
        traded for tokens, which are stored under the account the authorization was started for.

        Args:
            callback: the callback URL, its query string, or its query arguments as a mapping.
            account: when given, the authorization must have been started for this account (bind
                the callback to the user's session).

        Raises:
            OAuthStateError: the state is missing, unknown, spent, expired or for another account.
            OAuthError: Nimble sent an error (for example ``access_denied``) or refused the code.
        """
        pending, code = self._accept_callback(callback, account)
        tokens = self._endpoint.exchange_code(code, pending.redirect_uri)
        return self._connected(pending.account, tokens)

    async def acomplete_authorization(
        self, callback: str | Mapping[str, Any], *, account: str | None = None
    ) -> Connection:
        """Async twin of :meth:`complete_authorization`."""
        pending, code = await asyncio.to_thread(self._accept_callback, callback, account)
        tokens = await self._endpoint.aexchange_code(code, pending.redirect_uri)
        return await asyncio.to_thread(self._connected, pending.account, tokens)

    def connect(self, account: str | None, tokens: TokenSet) -> Connection:
        """Store tokens obtained elsewhere (a migration, another OAuth library) for ``account``."""
        return self._connected(_account(account), tokens)

    def disconnect(self, account: str | None) -> None:
        """Forget the account's tokens (Nimble's grant stays until the user revokes it)."""
        name = _account(account)
        self.store.delete(name)
        self._cache.pop(name, None)
        logger.info("account %r disconnected", name)

    def connection(self, account: str | None) -> Connection | None:
        """What is known about a connected account (never its tokens), or None."""
        name = _account(account)
        tokens = self.store.load(name)
        return _describe(name, tokens) if tokens is not None else None

    def accounts(self) -> list[str]:
        """The connected accounts."""
        return self.store.accounts()

    def _accept_callback(
        self, callback: str | Mapping[str, Any], expected: str | None
    ) -> tuple[PendingAuthorization, str]:
        params = _callback_params(callback)
        state = params.get("state", "")
        pending = self.store.take_pending(state) if state else None
        if pending is None:
            raise OAuthStateError(
                "The OAuth callback's state matches no pending authorization (missing, forged or already "
                "used); nothing was sent to Nimble.",
                error="invalid_state",
            )
        if pending.expires_at <= self._clock():
            raise OAuthStateError(
                f"The authorization of account {pending.account!r} expired before its callback arrived.",
                error="invalid_state",
            )
        if expected is not None and pending.account != _account(expected):
            raise OAuthStateError(
                f"The OAuth callback belongs to an authorization of another account, not {_account(expected)!r}.",
                error="invalid_state",
            )
        if params.get("error"):
            error, description = params["error"][:100], params.get("error_description", "")[:200]
            detail = f" ({description})" if description else ""
            raise OAuthError(
                f"Nimble did not authorise account {pending.account!r}: {error}{detail}.",
                error=error,
                description=description,
            )
        code = params.get("code", "")
        if not code:
            raise OAuthError("The OAuth callback carries neither a code nor an error.", error="invalid_request")
        return pending, code

    def _connected(self, name: str, tokens: TokenSet) -> Connection:
        self.store.save(name, tokens)
        self._cache[name] = tokens
        logger.info("account %r connected (scope: %s)", name, ",".join(tokens.scope) or "?")
        return _describe(name, tokens)

    # -- AuthProvider: headers ---------------------------------------------------------------

    def signing_material(self) -> bytes:
        """Secret bytes the toolkit derives its cursor seal from: the app's client secret."""
        return self.app.client_secret.reveal().encode()

    def headers(self, account: str | None) -> dict[str, str]:
        """The ``Authorization`` header for ``account``, refreshing the token first if it is about to expire."""
        name = _account(account)
        tokens = self._cache.get(name) or self._load(name)
        if tokens is None:
            raise self._reauthorization(name, f"The Nimble account {name!r} is not connected.", "not_connected")
        if self._refresh_due(name, tokens):
            tokens = self._refresh(name, tokens.fingerprint, ahead=True)
        return self._sent(name, tokens)

    async def aheaders(self, account: str | None) -> dict[str, str]:
        """Async twin of :meth:`headers`."""
        name = _account(account)
        tokens = self._cache.get(name) or await asyncio.to_thread(self._load, name)
        if tokens is None:
            message = f"The Nimble account {name!r} is not connected."
            raise await asyncio.to_thread(self._reauthorization, name, message, "not_connected")
        if self._refresh_due(name, tokens):
            tokens = await self._arefresh(name, tokens.fingerprint, ahead=True)
        return self._sent(name, tokens)

    def _refresh_due(self, name: str, tokens: TokenSet) -> bool:
        """Within the margin, unless a refresh-ahead just failed and the token still works."""
        now = self._clock()
        if not tokens.expires_within(self.refresh_margin, now):
            return False
        failed = self._ahead_failed.get(name)
        return failed is None or now - failed >= RETRY_AHEAD_AFTER or tokens.expires_within(0, now)

    def _load(self, name: str) -> TokenSet | None:
        tokens = self.store.load(name)
        if tokens is not None:
            self._cache[name] = tokens
        return tokens

    def _sent(self, name: str, tokens: TokenSet) -> dict[str, str]:
        sent = dict(_LAST_SENT.get() or {})
        sent[(id(self), name)] = tokens.fingerprint
        _LAST_SENT.set(sent)
        return {"Authorization": f"Bearer {tokens.access_token.reveal()}"}

    # -- AuthProvider: refresh after a 403 ---------------------------------------------------

    def refresh(self, account: str | None) -> bool:
        """Refresh after Nimble refused the token; True means "retry now".

        Raises:
            ReauthorizationRequiredError: Nimble refused the refresh token too.
        """
        name = _account(account)
        self._refresh(name, self._last_sent(name), ahead=False)
        return True

    async def arefresh(self, account: str | None) -> bool:
        """Async twin of :meth:`refresh`."""
        name = _account(account)
        await self._arefresh(name, self._last_sent(name), ahead=False)
        return True

    def _last_sent(self, name: str) -> str | None:
        sent = (_LAST_SENT.get() or {}).get((id(self), name))
        if sent is None and name in self._cache:
            sent = self._cache[name].fingerprint
        return sent

    # -- the single-flight refresh -----------------------------------------------------------

    def _refresh(self, name: str, stale: str | None, *, ahead: bool) -> TokenSet:
        with self._locks.thread_lock(name):
            fresh = self._fresh_cached(name, stale)
            if fresh is not None:
                return fresh
            with self.store.lock(name):
                current = self.store.load(name)
                reuse = self._settle(name, current, stale)
                if reuse is not None:
                    return reuse
                assert current is not None and current.refresh_token is not None  # else _settle raised
                try:
                    newer = self._endpoint.refresh(current.refresh_token)
                except OAuthError as refusal:
                    raise self._refused(name, refusal) from None
                except NimbleAPIError as failure:
                    if ahead and not current.expires_within(0, self._clock()):
                        return self._keep(name, current, failure)
                    raise
                return self._renewed(name, current, newer)

    async def _arefresh(self, name: str, stale: str | None, *, ahead: bool) -> TokenSet:
        async with self._locks.async_lock(name):
            fresh = self._fresh_cached(name, stale)
            if fresh is not None:
                return fresh
            async with held_in_thread(self._locks.thread_lock(name)):
                fresh = self._fresh_cached(name, stale)  # a thread may have refreshed meanwhile
                if fresh is not None:
                    return fresh
                async with held_in_thread(self.store.lock(name)):
                    current = await asyncio.to_thread(self.store.load, name)
                    reuse = await asyncio.to_thread(self._settle, name, current, stale)
                    if reuse is not None:
                        return reuse
                    assert current is not None and current.refresh_token is not None  # else _settle raised
                    try:
                        newer = await self._endpoint.arefresh(current.refresh_token)
                    except OAuthError as refusal:
                        raise await asyncio.to_thread(self._refused, name, refusal) from None
                    except NimbleAPIError as failure:
                        if ahead and not current.expires_within(0, self._clock()):
                            return self._keep(name, current, failure)
                        raise
                    return await asyncio.to_thread(self._renewed, name, current, newer)

    def _fresh_cached(self, name: str, stale: str | None) -> TokenSet | None:
        """The cached tokens, if someone replaced the stale ones while we waited for the lock."""
        cached = self._cache.get(name)
        if cached is None or cached.fingerprint == stale:
            return None
        return None if cached.expires_within(self.refresh_margin, self._clock()) else cached

    def _settle(self, name: str, current: TokenSet | None, stale: str | None) -> TokenSet | None:
        """Under the store's lock: the stored tokens if they are already newer, None if a refresh is due.

        Raises:
            ReauthorizationRequiredError: nothing is stored, or nothing can refresh it.
        """
        if current is None:
            self._cache.pop(name, None)
            raise self._reauthorization(name, f"The Nimble account {name!r} is not connected.", "not_connected")
        if current.fingerprint != stale and not current.expires_within(self.refresh_margin, self._clock()):
            self._cache[name] = current  # another process refreshed: take its tokens
            return current
        if current.refresh_token is None:
            raise self._reauthorization(
                name, f"The access token of Nimble account {name!r} expired and no refresh token is held.", "expired"
            )
        return None

    def _renewed(self, name: str, current: TokenSet, newer: TokenSet) -> TokenSet:
        tokens = current.renewed_by(newer)
        self.store.save(name, tokens)
        self._cache[name] = tokens
        self._ahead_failed.pop(name, None)
        remaining = (tokens.expires_at - self._clock()) if tokens.expires_at is not None else None
        logger.info(
            "refreshed the tokens of account %r%s",
            name,
            f"; they expire in {remaining:.0f}s" if remaining is not None else "",
        )
        return tokens

    def _keep(self, name: str, current: TokenSet, failure: NimbleAPIError) -> TokenSet:
        """A refresh ahead of expiry failed for a passing reason: the current token still works for now."""
        logger.warning(
            "could not refresh the tokens of account %r ahead of expiry (%s); using the current ones",
            name,
            type(failure).__name__,
        )
        self._ahead_failed[name] = self._clock()
        self._cache[name] = current
        return current

    def _refused(self, name: str, refusal: OAuthError) -> OAuthError:
        """The error to raise for a refused refresh.

        A refusal of the app itself (a wrong client secret) is raised as it is and the tokens are
        kept: every account would otherwise be disconnected by a configuration mistake. Any other
        refusal means the grant is dead: its tokens are forgotten and the user must authorise again.
        """
        if refusal.error in CLIENT_ERRORS:
            logger.error("Nimble refused the app's client credentials while refreshing account %r", name)
            return refusal
        self.store.delete(name)
        self._cache.pop(name, None)
        logger.warning("Nimble refused to refresh the tokens of account %r (%s)", name, refusal.error)
        return self._reauthorization(
            name,
            f"Nimble refused to refresh the tokens of account {name!r} ({refusal.error}); "
            "the user must authorise the app again.",
            refusal.error,
            status_code=refusal.status_code,
            description=refusal.description,
            method="POST",
            path=TOKEN_PATH,
        )

    def _reauthorization(self, name: str, message: str, error: str, **details: Any) -> ReauthorizationRequiredError:
        # Every call for an unconnected account ends here: offer the same authorization while it has
        # at least half its life left, rather than storing a new pending one on every call.
        request = self._reconnect.get(name)
        if request is None or request.expires_at - self._clock() < self.authorization_ttl / 2:
            request = self._reconnect[name] = self.begin_authorization(name)
        return ReauthorizationRequiredError(message, account=name, authorize_url=request.url, error=error, **details)

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool to the token endpoint."""
        self._endpoint.close()

    async def aclose(self) -> None:
        """Close both connection pools to the token endpoint."""
        await self._endpoint.aclose()

    def __enter__(self) -> OAuthProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> OAuthProvider:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _account(account: str | None) -> str:
    if account is None:
        return DEFAULT_ACCOUNT
    if not isinstance(account, str) or not account.strip():
        raise ConfigurationError(f"An account name must be a non-empty string, got {account!r}.")
    return account


def _describe(name: str, tokens: TokenSet) -> Connection:
    return Connection(name, tokens.scope, tokens.expires_at, tokens.refresh_token is not None)


def _callback_params(callback: str | Mapping[str, Any]) -> dict[str, str]:
    """The callback's query arguments, from a URL, a query string or a mapping (last value wins)."""
    if isinstance(callback, str):
        query = urlsplit(callback).query if "?" in callback or "://" in callback else callback.lstrip("?")
        return dict(parse_qsl(query, keep_blank_values=True))
    params: dict[str, str] = {}
    for key, value in callback.items():
        if isinstance(value, list | tuple):
            value = value[-1] if value else ""
        params[str(key)] = "" if value is None else str(value)
    return params
