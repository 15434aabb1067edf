"""The Nimble side: each person's own credential on every request, and checking a new one.

:class:`PersonCredentials` is the toolkit's :class:`~nimble_tools.AuthProvider`: the account of a
call (``oauth/<person>`` or ``key/<person>``, bound by the MCP server, never chosen by a model)
picks the credential. OAuth accounts go through ``nimble_tools.auth``'s :class:`OAuthProvider`
(tokens refreshed ahead of expiry, one refresh at a time across workers through the store's lock);
API-key accounts read the key from the encrypted store.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from nimble_tools import NimbleToolkit, Secret
from nimble_tools.auth import OAuthApp, OAuthProvider, ReauthorizationRequiredError, TokenSet, TokenStore
from nimble_tools.confirmation import Confirmations

from ._people import split_account
from ._settings import HostedSettings

__all__ = ["NimbleSide", "PersonCredentials"]

IDENTITY_OPERATION = "list_all_nimble_me"


class PersonCredentials:
    """Request headers for a person's account, from their own credential.

    Args:
        credentials: the encrypted store of Nimble credentials.
        oauth: the Nimble OAuth provider, when people may sign in with Nimble.
        reconnect_url: where a person goes to connect again (shown to the app, never to a model).
    """

    def __init__(self, credentials: TokenStore, oauth: OAuthProvider | None, reconnect_url: str) -> None:
        self._credentials = credentials
        self._oauth = oauth
        self._reconnect_url = reconnect_url

    def __repr__(self) -> str:
        return f"PersonCredentials(store={self._credentials!r})"

    def headers(self, account: str | None) -> dict[str, str]:
        kind, _ = split_account(account or "")
        if kind == "key":
            return {"Authorization": f"Bearer {self._api_key(account or '').reveal()}"}
        return self._oauth_provider(account or "").headers(account)

    async def aheaders(self, account: str | None) -> dict[str, str]:
        kind, _ = split_account(account or "")
        if kind == "key":
            key = await asyncio.to_thread(self._api_key, account or "")
            return {"Authorization": f"Bearer {key.reveal()}"}
        return await self._oauth_provider(account or "").aheaders(account)

    def refresh(self, account: str | None) -> bool:
        kind, _ = split_account(account or "")
        return False if kind == "key" else self._oauth_provider(account or "").refresh(account)

    async def arefresh(self, account: str | None) -> bool:
        kind, _ = split_account(account or "")
        return False if kind == "key" else await self._oauth_provider(account or "").arefresh(account)

    def _api_key(self, account: str) -> Secret:
        tokens = self._credentials.load(account)
        if tokens is None:
            raise self._not_connected(account)
        return tokens.access_token

    def _oauth_provider(self, account: str) -> OAuthProvider:
        if self._oauth is None or split_account(account)[0] != "oauth":
            raise self._not_connected(account)
        return self._oauth

    def _not_connected(self, account: str) -> ReauthorizationRequiredError:
        return ReauthorizationRequiredError(
            "This person's Nimble account is not connected any more.",
            account=account,
            authorize_url=self._reconnect_url,
            error="not_connected",
        )


class NimbleSide:
    """The toolkit every tool call goes through, and what it takes to connect a person.

    Args:
        settings: the server's settings (Nimble's host, the OAuth app).
        credentials: the encrypted store of Nimble credentials.
        confirmations: the book of destructive-call confirmations, shared by every worker.
        transport / async_transport: how to reach Nimble (the sandbox's transport, in tests).
    """

    def __init__(
        self,
        settings: HostedSettings,
        credentials: TokenStore,
        confirmations: Confirmations,
        *,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.credentials = credentials
        self.oauth: OAuthProvider | None = None
        if settings.nimble_oauth_enabled:
            app = _oauth_app(settings)
            self.oauth = OAuthProvider(app, credentials, transport=transport, async_transport=async_transport)
        self.auth = PersonCredentials(credentials, self.oauth, settings.public_url)
        self.toolkit = NimbleToolkit(
            auth=self.auth,
            base_url=settings.nimble_url,
            transport=transport,
            async_transport=async_transport,
            # A confirmation token must be valid on whichever worker the confirmed call reaches.
            confirmations=confirmations,
        )

    async def identify(self, account: str) -> dict[str, Any]:
        """Who ``account``'s credential acts as in Nimble (``/api/v1/myself``); raises the toolkit's errors."""
        result = await self.toolkit.acall(IDENTITY_OPERATION, {}, account=account)
        me = result.result
        if not isinstance(me, dict) or not me.get("user_id"):
            raise ValueError("Nimble's answer to /api/v1/myself names no user")
        return me

    async def stage_api_key(self, account: str, key: str) -> dict[str, Any]:
        """Keep a pasted API key under a staging account and check it with Nimble; returns who it acts as.

        The key is removed again if Nimble refuses it (the error propagates).
        """
        await asyncio.to_thread(self.credentials.save, account, TokenSet(Secret(key), None, None))
        try:
            return await self.identify(account)
        except BaseException:
            await asyncio.to_thread(self.credentials.delete, account)
            raise

    async def aclose(self) -> None:
        """Close the connection pools."""
        await self.toolkit.aclose()
        if self.oauth is not None:
            await self.oauth.aclose()


def _oauth_app(settings: HostedSettings) -> OAuthApp:
    if settings.sandbox_url:
        from nimble_tools.sandbox import DEFAULT_OAUTH_CLIENT_ID

        secret = settings.nimble_client_secret.reveal() or "sandbox-oauth-secret"
        return OAuthApp(DEFAULT_OAUTH_CLIENT_ID, secret, settings.nimble_callback_url, base_url=settings.nimble_url)
    return OAuthApp(
        settings.nimble_client_id,
        settings.nimble_client_secret,
        settings.nimble_callback_url,
        base_url=settings.nimble_url,
    )
