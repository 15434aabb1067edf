"""The consent flow's routes: connect Nimble (OAuth or an API key), then allow or deny the app.

::

    GET  /consent/{id}            step 1 (connect Nimble) or step 2 (allow), by the request's state
    POST /consent/{id}/nimble     -> Nimble's authorize page (sign in with Nimble)
    GET  /nimble/callback         <- Nimble, with a code: tokens kept for this request only
    POST /consent/{id}/key        a pasted API key, checked with Nimble first
    POST /consent/{id}/reset      forget the Nimble account connected so far
    POST /consent/{id}/decision   allow (a code for the app) or deny (access_denied for the app)

A consent request is bound to the browser that opened it (a cookie, stored only as a digest), and
every form carries a token signed for that request and that browser (CSRF). The Nimble credential
stays under a staging account until the person allows; only then does it become theirs.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Mapping
from typing import Any

from mcp.server.auth.provider import construct_redirect_uri
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from nimble_tools import AuthenticationError, NimbleAPIError, NimbleToolsError
from nimble_tools.auth import OAuthError, OAuthStateError

from . import _pages as pages
from ._nimble import NimbleSide
from ._people import CredentialKind, People, account_name, split_account
from ._provider import ConsentRequest, HostedAuthProvider
from ._scopes import granted
from ._settings import HostedSettings

__all__ = ["ConsentRoutes"]

logger = logging.getLogger("nimble_tools.hosted")

MAX_KEY_LENGTH = 512


class ConsentRoutes:
    """The consent pages of one server.

    Args:
        settings: the server's settings.
        provider: the authorization server (consent requests, codes).
        people: person records.
        nimble: the Nimble side (OAuth provider, key check, identity).
    """

    def __init__(self, settings: HostedSettings, provider: HostedAuthProvider, people: People, nimble: NimbleSide):
        self.settings = settings
        self.provider = provider
        self.people = people
        self.nimble = nimble
        self.cookie = "__Host-nimble_consent" if settings.secure_cookies else "nimble_consent"

    def routes(self) -> list[Route]:
        """The Starlette routes."""
        return [
            Route("/consent/{request_id}", self.show, methods=["GET"]),
            Route("/consent/{request_id}/nimble", self.sign_in_with_nimble, methods=["POST"]),
            Route("/consent/{request_id}/key", self.use_api_key, methods=["POST"]),
            Route("/consent/{request_id}/reset", self.reset, methods=["POST"]),
            Route("/consent/{request_id}/decision", self.decide, methods=["POST"]),
            Route("/nimble/callback", self.nimble_callback, methods=["GET"]),
        ]

    # -- pages ---------------------------------------------------------------------------------

    async def show(self, request: Request) -> Response:
        consent = await self.provider.consent(request.path_params["request_id"])
        if consent is None:
            return pages.error_page(pages.EXPIRED)
        browser, fresh = self._browser(request)
        if consent.browser is None:
            consent.browser = _digest(browser)
            await self.provider.save_consent(consent)
        elif consent.browser != _digest(browser):
            return pages.error_page(pages.OTHER_BROWSER)
        response = self._page(consent, browser)
        if fresh:
            self._set_cookie(response, browser)
        return response

    def _page(self, consent: ConsentRequest, browser: str, problem: str | None = None) -> Response:
        csrf = self.provider.keys.form_token(consent.id, browser)
        if consent.staged is None:
            return pages.connect_page(
                request_id=consent.id,
                csrf=csrf,
                client_name=consent.client_name,
                redirect_uri=consent.redirect_uri,
                nimble_oauth=self.nimble.oauth is not None,
                problem=problem,
            )
        me = consent.staged["me"]
        return pages.allow_page(
            request_id=consent.id,
            csrf=csrf,
            client_name=consent.client_name,
            redirect_uri=consent.redirect_uri,
            person_name=str(me.get("name") or ""),
            person_email=str(me.get("email") or ""),
            scopes=consent.scopes,
        )

    # -- connecting Nimble ---------------------------------------------------------------------

    async def sign_in_with_nimble(self, request: Request) -> Response:
        checked = await self._checked_form(request)
        if isinstance(checked, Response):
            return checked
        consent, _, _ = checked
        if self.nimble.oauth is None:
            return pages.error_page(pages.NOT_FOUND)
        staging = account_name("oauth", f"consent-{consent.id}")
        started = await asyncio.to_thread(
            self.nimble.oauth.begin_authorization, staging, redirect_uri=self.settings.nimble_callback_url
        )
        return RedirectResponse(started.url, status_code=303, headers={"Cache-Control": "no-store"})

    async def nimble_callback(self, request: Request) -> Response:
        if self.nimble.oauth is None:
            return pages.error_page(pages.NOT_FOUND)
        params = dict(request.query_params)
        try:
            connection = await self.nimble.oauth.acomplete_authorization(params)
        except OAuthStateError:
            return pages.error_page(pages.EXPIRED)
        except OAuthError as refusal:
            return self._callback_refused(refusal)
        except NimbleAPIError as failure:
            logger.warning("Nimble's token endpoint failed: %s", type(failure).__name__)
            return pages.error_page(pages.NIMBLE_UNAVAILABLE)
        request_id = split_account(connection.account)[1].removeprefix("consent-")
        consent = await self.provider.consent(request_id)
        if consent is None:
            await asyncio.to_thread(self.nimble.credentials.delete, connection.account)
            return pages.error_page(pages.EXPIRED)
        browser = request.cookies.get(self.cookie, "")
        if consent.browser != _digest(browser):
            await asyncio.to_thread(self.nimble.credentials.delete, connection.account)
            return pages.error_page(pages.OTHER_BROWSER)
        return await self._stage(consent, browser, "oauth", connection.account, request_id)

    def _callback_refused(self, refusal: OAuthError) -> Response:
        # The pending authorization was spent; its account names the consent request to go back to.
        if refusal.error == "access_denied":
            return pages.error_page(pages.DENIED, detail="Nimble reports that the sign-in was declined.")
        return pages.error_page(pages.NIMBLE_REFUSED, detail=f"Nimble answered: {refusal.error or 'an error'}.")

    async def use_api_key(self, request: Request) -> Response:
        checked = await self._checked_form(request)
        if isinstance(checked, Response):
            return checked
        consent, browser, form = checked
        key = str(form.get("api_key") or "").strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return self._page(consent, browser, problem="Paste the API key from Nimble (Settings, then API Token).")
        staging = account_name("key", f"consent-{consent.id}")
        try:
            me = await self.nimble.stage_api_key(staging, key)
        except AuthenticationError:
            return self._page(consent, browser, problem="Nimble refused this API key. Check it and paste it again.")
        except (NimbleToolsError, ValueError) as failure:
            logger.warning("checking an API key with Nimble failed: %s", type(failure).__name__)
            return pages.error_page(pages.NIMBLE_UNAVAILABLE, links=[("Try again", f"/consent/{consent.id}")])
        return await self._staged(consent, browser, "key", staging, me)

    async def _stage(
        self, consent: ConsentRequest, browser: str, kind: CredentialKind, staging: str, request_id: str
    ) -> Response:
        try:
            me = await self.nimble.identify(staging)
        except NimbleToolsError as failure:
            await asyncio.to_thread(self.nimble.credentials.delete, staging)
            logger.warning("Nimble did not say who signed in: %s", type(failure).__name__)
            return pages.error_page(pages.NIMBLE_REFUSED, links=[("Try again", f"/consent/{request_id}")])
        return await self._staged(consent, browser, kind, staging, me)

    async def _staged(
        self, consent: ConsentRequest, browser: str, kind: CredentialKind, staging: str, me: Mapping[str, Any]
    ) -> Response:
        await self._drop_staged(consent)
        who = {k: me.get(k) for k in ("user_id", "name", "email")}
        consent.staged = {"kind": kind, "account": staging, "me": who}
        await self.provider.save_consent(consent)
        return RedirectResponse(f"/consent/{consent.id}", status_code=303, headers={"Cache-Control": "no-store"})

    async def reset(self, request: Request) -> Response:
        checked = await self._checked_form(request)
        if isinstance(checked, Response):
            return checked
        consent, _, _ = checked
        await self._drop_staged(consent)
        consent.staged = None
        await self.provider.save_consent(consent)
        return RedirectResponse(f"/consent/{consent.id}", status_code=303, headers={"Cache-Control": "no-store"})

    async def _drop_staged(self, consent: ConsentRequest) -> None:
        if consent.staged is not None:
            await asyncio.to_thread(self.nimble.credentials.delete, consent.staged["account"])

    # -- the answer ----------------------------------------------------------------------------

    async def decide(self, request: Request) -> Response:
        checked = await self._checked_form(request)
        if isinstance(checked, Response):
            return checked
        _, _, form = checked
        consent = await self.provider.finish_consent(request.path_params["request_id"])
        if consent is None:  # a second submission lost the race for it
            return pages.error_page(pages.EXPIRED)
        chosen = granted(form.getlist("scope"))
        if form.get("decision") != "allow" or consent.staged is None or not chosen:
            await self._drop_staged(consent)
            return self._back_to_app(consent, error="access_denied", description="The person denied access.")
        staged = consent.staged
        tokens = await asyncio.to_thread(self.nimble.credentials.load, staged["account"])
        if tokens is None:
            return pages.error_page(pages.EXPIRED)
        person = await asyncio.to_thread(self.people.connect, staged["me"], staged["kind"], tokens)
        await asyncio.to_thread(self.nimble.credentials.delete, staged["account"])
        code = await self.provider.issue_code(consent, person, [s for s in chosen if s in consent.scopes])
        logger.info("person %s allowed client %s", person.id, consent.client_id)
        return self._back_to_app(consent, code=code)

    def _back_to_app(self, consent: ConsentRequest, **params: str) -> Response:
        target = construct_redirect_uri(
            consent.redirect_uri, state=consent.state, iss=self.settings.public_url, **params
        )
        return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})

    # -- browser binding and CSRF --------------------------------------------------------------

    async def _checked_form(self, request: Request) -> tuple[ConsentRequest, str, Any] | Response:
        """The consent request of a form post, after checking its origin, browser and CSRF token."""
        origin = request.headers.get("origin")
        if origin is not None and origin != "null" and origin.rstrip("/") != _origin(self.settings.public_url):
            return pages.error_page(pages.FORGED)
        form = await request.form()
        consent = await self.provider.consent(request.path_params["request_id"])
        if consent is None:
            return pages.error_page(pages.EXPIRED)
        browser = request.cookies.get(self.cookie, "")
        csrf = str(form.get("csrf") or "")
        if (
            not browser
            or consent.browser != _digest(browser)
            or not self.provider.keys.check_form_token(csrf, consent.id, browser)
        ):
            return pages.error_page(pages.FORGED)
        return consent, browser, form

    def _browser(self, request: Request) -> tuple[str, bool]:
        existing = request.cookies.get(self.cookie, "")
        if len(existing) >= 32:
            return existing, False
        return secrets.token_urlsafe(32), True

    def _set_cookie(self, response: Response, browser: str) -> None:
        response.set_cookie(
            self.cookie,
            browser,
            max_age=24 * 3600,
            path="/",
            httponly=True,
            secure=self.settings.secure_cookies,
            samesite="lax",
        )


def _digest(browser: str) -> str:
    return hashlib.sha256(browser.encode()).hexdigest()


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
