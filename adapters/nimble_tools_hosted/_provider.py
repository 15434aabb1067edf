"""The OAuth 2.1 authorization server behind ``/authorize``, ``/token``, ``/register`` and ``/revoke``.

The MCP SDK's handlers parse and check each request (PKCE S256, redirect URI registered for the
client, code and refresh token belonging to the client, expiry); this provider keeps the records,
all in the shared store and none in a worker's memory:

* ``client:<id>``: registered clients (their secret sealed with the server's key);
* ``consent:<id>``: authorization requests waiting for the person's consent (15 minutes);
* ``code:<sha256>``: authorization codes (5 minutes, spent on first use);
* ``grant:<id>``: one per consent: person, client, scopes, resource and the person's epoch;
* ``access:<sha256>`` / ``refresh:<sha256>``: tokens, stored only as hashes.

Replays are treated as theft (OAuth 2.1, section 4.14): a spent code or a rotated refresh token
presented again revokes the grant it came from, so both the thief's and the client's tokens die.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    IdentityAssertionParams,
    RefreshToken,
    RegistrationError,
    TokenError,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyHttpUrl, AnyUrl, ValidationError

from ._keys import ServerKeys, new_token, token_hash
from ._people import People, Person
from ._scopes import SCOPES, granted
from ._settings import HostedSettings
from ._store import Record, RecordStore

__all__ = ["CODE_TTL", "CONSENT_TTL", "ConsentRequest", "HostedAuthProvider"]

logger = logging.getLogger("nimble_tools.hosted")

CONSENT_TTL = 15 * 60
"""Seconds a person has to connect Nimble and consent after their app sent them."""
CODE_TTL = 5 * 60
"""Seconds an authorization code may wait before the app trades it (RFC 6749 says at most 10 minutes)."""
SPENT_TTL = 60 * 60
"""Seconds a spent code is remembered, to catch a replay."""
_SEALED_SECRET = "client_secret_sealed"


@dataclass
class ConsentRequest:
    """An authorization request waiting for its person.

    Attributes:
        id: random, in the consent page's URL.
        client_id / client_name / redirect_uri: who asks and where the answer goes.
        state / code_challenge / redirect_uri_explicit / resource / scopes: the request's parameters.
        expires_at: after this the page answers "expired".
        browser: a digest of the browser cookie the request was first opened with (it stays there).
        staged: the Nimble credential connected so far: ``{"kind", "account", "me"}``, or None.
    """

    id: str
    client_id: str
    client_name: str
    redirect_uri: str
    redirect_uri_explicit: bool
    state: str | None
    code_challenge: str
    resource: str
    scopes: list[str]
    expires_at: float
    browser: str | None = None
    staged: dict[str, Any] | None = None

    def to_record(self) -> Record:
        """The stored form."""
        return dict(self.__dict__)

    @classmethod
    def from_record(cls, record: Record) -> ConsentRequest:
        """Read back :meth:`to_record`."""
        return cls(**record)


class HostedAuthProvider:
    """``OAuthAuthorizationServerProvider`` for the MCP SDK, on the shared store.

    Args:
        settings: the server's settings (public URL, token lifetimes).
        records: the shared record store.
        keys: the server's keys (client secrets are sealed with them).
        people: the person records (their epoch decides whether a grant still holds).
        clock: a ``time.time``-like function.
    """

    def __init__(
        self,
        settings: HostedSettings,
        records: RecordStore,
        keys: ServerKeys,
        people: People,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.records = records
        self.keys = keys
        self.people = people
        self._clock = clock

    def __repr__(self) -> str:
        return f"HostedAuthProvider(issuer={self.settings.public_url!r})"

    async def _run(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(function, *args)

    # -- clients (RFC 7591) --------------------------------------------------------------------

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        record = await self._run(self.records.get, f"client:{client_id}")
        if record is None:
            return None
        sealed = record.pop(_SEALED_SECRET, None)
        if sealed:
            record["client_secret"] = self.keys.cipher.open(sealed.encode()).decode()
        return OAuthClientInformationFull.model_validate(record)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        for uri in client_info.redirect_uris or []:
            problem = redirect_uri_problem(str(uri))
            if problem:
                raise RegistrationError("invalid_redirect_uri", f"{uri}: {problem}")
        record = client_info.model_dump(mode="json", exclude_none=True)
        secret = record.pop("client_secret", None)
        if secret:
            record[_SEALED_SECRET] = self.keys.cipher.seal(secret.encode()).decode()
        await self._run(self.records.put, f"client:{client_info.client_id}", record)
        logger.info("registered client %s (%s)", client_info.client_id, (client_info.client_name or "")[:80])

    # -- authorization ---------------------------------------------------------------------------

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        resource = self.settings.resource_url
        if params.resource is not None and not same_resource(params.resource, resource):
            raise AuthorizeError("invalid_target", f"This server issues tokens for {resource} only.")
        scopes = granted(params.scopes or (client.scope or "").split() or SCOPES)
        if not scopes:
            raise AuthorizeError("invalid_scope", f"Ask for some of: {' '.join(SCOPES)}.")
        request = ConsentRequest(
            id=secrets.token_urlsafe(24),
            client_id=client.client_id or "",
            client_name=(client.client_name or "An MCP client")[:100],
            redirect_uri=str(params.redirect_uri),
            redirect_uri_explicit=params.redirect_uri_provided_explicitly,
            state=params.state,
            code_challenge=params.code_challenge,
            resource=resource,
            scopes=scopes,
            expires_at=self._clock() + CONSENT_TTL,
        )
        await self._run(self.records.put, f"consent:{request.id}", request.to_record(), CONSENT_TTL)
        return f"{self.settings.public_url}/consent/{request.id}"

    async def consent(self, request_id: str) -> ConsentRequest | None:
        """A pending consent request, or None (unknown, used or expired)."""
        record = await self._run(self.records.get, f"consent:{request_id}")
        if record is None:
            return None
        request = ConsentRequest.from_record(record)
        return request if request.expires_at > self._clock() else None

    async def save_consent(self, request: ConsentRequest) -> None:
        """Store changes to a pending request (its lifetime is not extended)."""
        remaining = request.expires_at - self._clock()
        if remaining > 0:
            await self._run(self.records.put, f"consent:{request.id}", request.to_record(), remaining)

    async def finish_consent(self, request_id: str) -> ConsentRequest | None:
        """Take the request for its answer: of two racing submissions, one gets it."""
        record = await self._run(self.records.take, f"consent:{request_id}")
        if record is None:
            return None
        request = ConsentRequest.from_record(record)
        return request if request.expires_at > self._clock() else None

    async def issue_code(self, request: ConsentRequest, person: Person, scopes: Sequence[str]) -> str:
        """The authorization code for a consented request (one use, :data:`CODE_TTL` seconds)."""
        code = new_token("nmb_code_")
        record = {
            "client_id": request.client_id,
            "person": person.id,
            "scopes": list(scopes),
            "code_challenge": request.code_challenge,
            "redirect_uri": request.redirect_uri,
            "redirect_uri_explicit": request.redirect_uri_explicit,
            "resource": request.resource,
            "expires_at": self._clock() + CODE_TTL,
        }
        await self._run(self.records.put, f"code:{token_hash(code)}", record, CODE_TTL)
        return code

    # -- the token endpoint --------------------------------------------------------------------

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> AuthorizationCode | None:
        digest = token_hash(authorization_code)
        record = await self._run(self.records.get, f"code:{digest}")
        if record is None:
            await self._replayed(f"spent-code:{digest}", "authorization code")
            return None
        return AuthorizationCode(
            code=authorization_code,
            scopes=record["scopes"],
            expires_at=record["expires_at"],
            client_id=record["client_id"],
            code_challenge=record["code_challenge"],
            redirect_uri=AnyUrl(record["redirect_uri"]),
            redirect_uri_provided_explicitly=record["redirect_uri_explicit"],
            resource=record["resource"],
            subject=record["person"],
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        digest = token_hash(authorization_code.code)
        record = await self._run(self.records.take, f"code:{digest}")
        if record is None or record["client_id"] != client.client_id:
            raise TokenError("invalid_grant", "The authorization code was already used.")
        person = await self._run(self.people.get, record["person"])
        if person is None or not person.connected:
            raise TokenError("invalid_grant", "The person who consented is no longer connected.")
        grant_id = secrets.token_urlsafe(16)
        await self._run(self.records.put, f"spent-code:{digest}", {"grant": grant_id}, SPENT_TTL)
        grant = {
            "person": person.id,
            "epoch": person.epoch,
            "client_id": record["client_id"],
            "scopes": record["scopes"],
            "resource": record["resource"],
            "created_at": self._clock(),
        }
        logger.info("client %s connected for person %s", record["client_id"], person.id)
        return await self._issue(grant_id, grant, record["scopes"])

    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> RefreshToken | None:
        key = f"refresh:{token_hash(refresh_token)}"
        record = await self._run(self.records.get, key)
        if record is None:
            return None
        if record.get("spent"):
            await self._replayed(key, "refresh token")
            return None
        if await self._live_grant(record["grant"]) is None:
            return None
        return RefreshToken(
            token=refresh_token,
            client_id=record["client_id"],
            scopes=record["scopes"],
            expires_at=int(record["expires_at"]),
            resource=record["resource"],
            subject=record["person"],
        )

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
    ) -> OAuthToken:
        key = f"refresh:{token_hash(refresh_token.token)}"
        record = await self._run(self.records.take, key)
        if record is None or record.get("spent") or record["client_id"] != client.client_id:
            raise TokenError("invalid_grant", "The refresh token was already used.")
        # Remember it as spent: presented again, it revokes the grant (a stolen copy was used).
        spent = {"spent": True, "grant": record["grant"]}
        await self._run(self.records.put, key, spent, float(self.settings.refresh_token_ttl))
        grant = await self._live_grant(record["grant"])
        if grant is None:
            raise TokenError("invalid_grant", "The grant was revoked.")
        return await self._issue(record["grant"], grant, granted(scopes))

    async def _issue(self, grant_id: str, grant: Record, scopes: list[str]) -> OAuthToken:
        """A new access token and a new refresh token for the grant (which lives as long as the refresh token)."""
        now = self._clock()
        access, refresh = new_token("nmb_at_"), new_token("nmb_rt_")
        access_ttl, refresh_ttl = self.settings.access_token_ttl, self.settings.refresh_token_ttl
        common = {
            "grant": grant_id,
            "client_id": grant["client_id"],
            "person": grant["person"],
            "scopes": scopes,
            "resource": grant["resource"],
        }
        await self._run(self.records.put, f"grant:{grant_id}", grant, float(refresh_ttl))
        await self._run(
            self.records.put, f"access:{token_hash(access)}", {**common, "expires_at": now + access_ttl}, access_ttl
        )
        await self._run(
            self.records.put, f"refresh:{token_hash(refresh)}", {**common, "expires_at": now + refresh_ttl}, refresh_ttl
        )
        return OAuthToken(access_token=access, expires_in=access_ttl, scope=" ".join(scopes), refresh_token=refresh)

    async def exchange_identity_assertion(
        self, client: OAuthClientInformationFull, params: IdentityAssertionParams
    ) -> OAuthToken:
        raise TokenError("unsupported_grant_type", "Only authorization_code and refresh_token are supported.")

    # -- the resource server ---------------------------------------------------------------------

    async def load_access_token(self, token: str) -> AccessToken | None:
        record = await self._run(self.records.get, f"access:{token_hash(token)}")
        if record is None or record["expires_at"] <= self._clock():
            return None
        grant, person = await self._run(self._grant_and_person, record["grant"], record["person"])
        if grant is None or person is None or grant["epoch"] != person.epoch:
            return None
        return AccessToken(
            token=token,
            client_id=record["client_id"],
            scopes=record["scopes"],
            expires_at=int(record["expires_at"]),
            resource=record["resource"],
            subject=person.id,
            claims={"nimble_account": person.account},
        )

    def _grant_and_person(self, grant_id: str, person_id: str) -> tuple[Record | None, Person | None]:
        grant, person = self.records.get_many([f"grant:{grant_id}", f"person:{person_id}"])
        return grant, Person.from_record(person) if person is not None else None

    async def _live_grant(self, grant_id: str) -> Record | None:
        """The grant, if it was not revoked and its person's epoch still matches."""
        grant = await self._run(self.records.get, f"grant:{grant_id}")
        if grant is None:
            return None
        person = await self._run(self.people.get, grant["person"])
        return grant if person is not None and person.epoch == grant["epoch"] else None

    # -- revocation (RFC 7009) -------------------------------------------------------------------

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        kind = "access" if isinstance(token, AccessToken) else "refresh"
        record = await self._run(self.records.get, f"{kind}:{token_hash(token.token)}")
        if record is not None:
            await self.revoke_grant(record["grant"])

    async def revoke_grant(self, grant_id: str) -> None:
        """End a grant: its access and refresh tokens stop working at once."""
        await self._run(self.records.delete, f"grant:{grant_id}")
        logger.info("grant %s revoked", grant_id[:6])

    async def _replayed(self, key: str, what: str) -> None:
        record = await self._run(self.records.get, key)
        if record is not None and record.get("grant"):
            logger.warning("a used %s was presented again: its grant is revoked", what)
            await self.revoke_grant(record["grant"])


def same_resource(given: str, expected: str) -> bool:
    """RFC 8707 resource indicators compared as URLs (case of scheme and host, default port, trailing slash)."""
    try:
        return str(AnyHttpUrl(given)).rstrip("/") == str(AnyHttpUrl(expected)).rstrip("/")
    except ValidationError:
        return False


_FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "file", "vbscript", "about", "blob", "ftp", "ws", "wss"})


def redirect_uri_problem(uri: str) -> str | None:
    """Why a client may not register ``uri`` as a redirect URI, or None.

    https anywhere; http only on loopback (RFC 8252); an app's own scheme (``cursor://...``); never
    a fragment, and never a scheme that runs code or reads files.
    """
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if parts.fragment:
        return "a redirect URI has no fragment"
    if scheme == "https":
        return None if parts.hostname else "an https redirect URI needs a host"
    if scheme == "http":
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        return None if loopback else "http redirect URIs are only allowed on loopback (127.0.0.1, localhost)"
    if not scheme or scheme in _FORBIDDEN_SCHEMES:
        return f"the scheme {scheme or '(none)'!r} is not allowed"
    return None
