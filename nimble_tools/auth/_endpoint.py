"""Nimble's token endpoint (``POST /api/oauth/token``): codes and refresh tokens become token sets.

This is the only place that sends the client secret or a refresh token, and the only place where
the endpoint's answers become errors. Requests are never retried: a refresh that reached Nimble
may already have replaced the refresh token, so sending it again would be refused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Unpack

from .._auth import Secret
from .._client import USER_AGENT, _retry_after, translate_transport_error
from .._errors import NimbleAPIError, RateLimitedError, ServerError, TransportError
from .._http_pool import HttpClients, HttpOptions
from .._operation import RequestSpec
from ._config import TOKEN_PATH, OAuthApp
from ._errors import OAuthError
from ._tokens import TokenSet

if TYPE_CHECKING:
    import httpx  # imported by the first token request, not by `import nimble_tools.auth`

__all__ = ["TokenEndpoint"]

logger = logging.getLogger("nimble_tools.auth")

_SPEC = RequestSpec("POST", TOKEN_PATH, {}, None)  # what errors name: never the form, which holds secrets
_FORM_HEADERS = {
    "Accept": "application/json",
    "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
    "User-Agent": USER_AGENT,
}


class TokenEndpoint:
    """Trades authorization codes and refresh tokens at Nimble's token endpoint, sync or async."""

    def __init__(
        self,
        app: OAuthApp,
        *,
        clock: Callable[[], float] = time.time,
        **http: Unpack[HttpOptions],
    ) -> None:
        self.app = app
        self._clock = clock
        self._clients = HttpClients(app.base_url, what="the client secret and tokens", **http)

    def __repr__(self) -> str:
        return f"TokenEndpoint(url={self.app.token_url!r}, client_id={self.app.client_id!r})"

    # -- the two grants ----------------------------------------------------------------------

    def exchange_code(self, code: str, redirect_uri: str) -> TokenSet:
        """Trade an authorization code (from the callback) for a token set."""
        return self._post("authorization_code", self._code_form(code, redirect_uri))

    async def aexchange_code(self, code: str, redirect_uri: str) -> TokenSet:
        """Async twin of :meth:`exchange_code`."""
        return await self._apost("authorization_code", self._code_form(code, redirect_uri))

    def refresh(self, refresh_token: Secret) -> TokenSet:
        """Trade a refresh token for a new token set; :class:`OAuthError` when Nimble refuses it."""
        return self._post("refresh_token", self._refresh_form(refresh_token))

    async def arefresh(self, refresh_token: Secret) -> TokenSet:
        """Async twin of :meth:`refresh`."""
        return await self._apost("refresh_token", self._refresh_form(refresh_token))

    def _code_form(self, code: str, redirect_uri: str) -> dict[str, str]:
        return {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, **self._client_form()}

    def _refresh_form(self, refresh_token: Secret) -> dict[str, str]:
        return {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token.reveal(),
            "redirect_uri": self.app.redirect_uri,  # Nimble's documented refresh request carries it
            **self._client_form(),
        }

    def _client_form(self) -> dict[str, str]:
        return {"client_id": self.app.client_id, "client_secret": self.app.client_secret.reveal()}

    # -- sending -----------------------------------------------------------------------------

    def _post(self, grant: str, form: dict[str, str]) -> TokenSet:
        import httpx

        logger.debug("token request: grant_type=%s", grant)
        try:
            response = self._clients.sync().post(self.app.token_url, data=form, headers=_FORM_HEADERS)
        except httpx.HTTPError as exc:
            raise translate_transport_error(_SPEC, exc) from None
        return self._read(grant, response)

    async def _apost(self, grant: str, form: dict[str, str]) -> TokenSet:
        import httpx

        logger.debug("token request: grant_type=%s", grant)
        try:
            response = await self._clients.for_running_loop().post(self.app.token_url, data=form, headers=_FORM_HEADERS)
        except httpx.HTTPError as exc:
            raise translate_transport_error(_SPEC, exc) from None
        return self._read(grant, response)

    def _read(self, grant: str, response: httpx.Response) -> TokenSet:
        """The token set of a success, or the matching error; never quotes the answer's tokens."""
        status = response.status_code
        if response.is_success:
            try:
                body: Any = response.json()
            except ValueError:
                body = None
            try:
                if not isinstance(body, dict):
                    raise ValueError("the answer is not a JSON object")
                return TokenSet.from_response(body, self._clock())
            except ValueError as exc:  # our own wording only: the body may hold a token
                raise TransportError(
                    f"Nimble's token endpoint sent an unusable answer to the {grant} grant: {exc}.",
                    status_code=status,
                    method="POST",
                    path=TOKEN_PATH,
                ) from None
        if 400 <= status < 500 and status != 429:
            raise _refusal(grant, response)
        raise _failure(grant, response)

    # -- connection objects ------------------------------------------------------------------

    def close(self) -> None:
        """Close the sync connection pool it created."""
        self._clients.close()

    async def aclose(self) -> None:
        """Close the connection pools it created (the async one of the running event loop)."""
        await self._clients.aclose()


def _refusal(grant: str, response: httpx.Response) -> OAuthError:
    """An :class:`OAuthError` from a 4xx answer: RFC 6749 ``{error, error_description}`` or Nimble's ``{message}``."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    code = description = ""
    if isinstance(body, dict):
        code = _short(body.get("error"))
        description = _short(body.get("error_description") or body.get("message"))
    code = code or ("invalid_client" if response.status_code == 401 else "invalid_request")
    detail = f" ({description})" if description else ""
    return OAuthError(
        f"Nimble refused the {grant} grant: {code}{detail}.",
        error=code,
        description=description,
        status_code=response.status_code,
        body={"error": code, "error_description": description},
        method="POST",
        path=TOKEN_PATH,
    )


def _failure(grant: str, response: httpx.Response) -> NimbleAPIError:
    """A rate limit or server failure, worded by us: an error page could quote the request."""
    status = response.status_code
    where: dict[str, Any] = {"status_code": status, "method": "POST", "path": TOKEN_PATH}
    if status == 429:
        return RateLimitedError(
            f"Nimble's token endpoint is rate limiting the {grant} grant.", retry_after=_retry_after(response), **where
        )
    if status >= 500:
        return ServerError(f"Nimble's token endpoint failed on the {grant} grant.", **where)
    return NimbleAPIError(f"Nimble's token endpoint answered the {grant} grant unexpectedly.", **where)


def _short(value: Any) -> str:
    return str(value)[:200] if isinstance(value, str | int) and value != "" else ""
