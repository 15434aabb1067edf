"""The sandbox's OAuth 2.0 authorization server: clients, codes, expiring tokens, rotated refresh tokens.

It follows Nimble's documented flow (``GET /oauth/authorize`` then a form-encoded
``POST /api/oauth/token``) and RFC 6749 where Nimble's documentation is silent: errors on the
redirect as ``?error=...``, token errors as ``400 {"error", "error_description"}``, one-use codes,
and refresh tokens that are replaced on every refresh (the old one is refused afterwards).

The records live in ``state.oauth`` by kind, so that a sandbox's OAuth data is inspectable in tests:

* ``clients``: client id -> {client_secret, redirect_uris, loopback}
* ``codes``: code -> {client_id, user_id, redirect_uri, scope, expires_at}
* ``refresh_tokens``: refresh token -> {client_id, user_id, scope}
* ``grants``: an audit log, one record per token issued ({grant_type, client_id, user_id, at})
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from ._state import SandboxState

if TYPE_CHECKING:
    from ._app import Sandbox

__all__ = [
    "ACCESS_TOKEN_TTL",
    "CODE_TTL",
    "DEFAULT_OAUTH_CLIENT_ID",
    "DEFAULT_OAUTH_CLIENT_SECRET",
    "SCOPES",
    "OAuthRefusal",
    "approve",
    "oauth_records",
    "register_oauth_client",
    "revoke_grants",
]

DEFAULT_OAUTH_CLIENT_ID = "sandbox-oauth-client"
DEFAULT_OAUTH_CLIENT_SECRET = "sandbox-oauth-secret"  # a published test credential, like the sandbox API key
ACCESS_TOKEN_TTL = 599
"""Seconds an access token lives, as Nimble's example answer says (``expires_in: 599``)."""
CODE_TTL = 60
"""Seconds an authorization code may wait before it is exchanged."""
SCOPES = ("basic", "contacts", "deals")

Record = dict[str, Any]


class OAuthRefusal(Exception):
    """An OAuth error answer: ``error`` is an RFC 6749 code, ``description`` the human text."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(error, description)
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        """The JSON body of a token-endpoint error."""
        return {"error": self.error, "error_description": self.description}


def oauth_records(state: SandboxState, kind: str) -> dict[str, Record]:
    """The OAuth records of one kind (``clients``, ``codes``, ``refresh_tokens``, ``grants``)."""
    return state.oauth.setdefault(kind, {})


def register_oauth_client(
    state: SandboxState,
    client_id: str,
    client_secret: str,
    redirect_uris: Iterable[str] = (),
    *,
    loopback: bool = False,
) -> None:
    """Register an OAuth client, as Nimble's support team does for a real app.

    Args:
        state: the sandbox's state (``sandbox.state``).
        client_id: the client id the app will send.
        client_secret: the client secret the app will send.
        redirect_uris: accepted redirect URIs; as at Nimble, a request may change only the path part.
        loopback: also accept ``http://127.0.0.1`` / ``http://localhost`` on any port and path
            (for command-line tools, RFC 8252).
    """
    oauth_records(state, "clients")[client_id] = {
        "client_secret": client_secret,
        "redirect_uris": [_origin(uri) for uri in redirect_uris],
        "loopback": loopback,
    }


def client_for(state: SandboxState, client_id: str | None) -> Record | None:
    """A registered client, or the built-in default client (any loopback redirect URI)."""
    clients = oauth_records(state, "clients")
    if DEFAULT_OAUTH_CLIENT_ID not in clients:
        register_oauth_client(state, DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET, loopback=True)
    return clients.get(client_id or "")


def redirect_allowed(client: Record, redirect_uri: str) -> bool:
    """Whether ``redirect_uri`` may receive this client's codes."""
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        return False
    if client["loopback"] and parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"):
        return True
    return _origin(redirect_uri) in client["redirect_uris"]


def parse_scope(raw: str | None) -> list[str]:
    """Scopes joined by ``,``, ``+`` or spaces (a ``+`` in a query string decodes to a space)."""
    parts = (raw or "").replace("+", ",").replace(" ", ",").split(",")
    scopes = [p.strip().lower() for p in parts if p.strip()]
    unknown = [s for s in scopes if s not in SCOPES]
    if not scopes or unknown:
        raise OAuthRefusal("invalid_scope", f"Scopes must be among {', '.join(SCOPES)}; got {raw!r}.")
    return sorted(set(scopes), key=SCOPES.index)


def issue_code(state: SandboxState, client_id: str, user_id: str, redirect_uri: str, scope: list[str]) -> str:
    """A one-use authorization code that expires after :data:`CODE_TTL` seconds."""
    code = secrets.token_urlsafe(24)
    oauth_records(state, "codes")[code] = {
        "client_id": client_id,
        "user_id": user_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "expires_at": state.clock() + CODE_TTL,
    }
    return code


def authenticate_client(state: SandboxState, form: dict[str, str]) -> str:
    """The client id of a token request, after checking its secret (401 ``invalid_client``)."""
    client_id = form.get("client_id", "")
    client = client_for(state, client_id)
    given = form.get("client_secret", "")
    if client is None or not secrets.compare_digest(given.encode(), str(client["client_secret"]).encode()):
        raise OAuthRefusal("invalid_client", "Unknown client or wrong client secret.", status=401)
    return client_id


def redeem_code(state: SandboxState, client_id: str, form: dict[str, str]) -> Record:
    """Exchange a code (``grant_type=authorization_code``) for tokens; a code works once."""
    code = form.get("code", "")
    grant = oauth_records(state, "codes").pop(code, None)
    if grant is None or grant["client_id"] != client_id:
        raise OAuthRefusal("invalid_grant", "The authorization code is unknown or was already used.")
    if grant["expires_at"] <= state.clock():
        raise OAuthRefusal("invalid_grant", "The authorization code has expired; authorise again.")
    if form.get("redirect_uri", "") != grant["redirect_uri"]:
        raise OAuthRefusal("invalid_grant", "redirect_uri differs from the one used to authorise.")
    return issue_tokens(state, "authorization_code", client_id, grant["user_id"], grant["scope"])


def rotate_refresh_token(state: SandboxState, client_id: str, form: dict[str, str]) -> Record:
    """Refresh (``grant_type=refresh_token``): the old refresh token is replaced by a new one."""
    refresh_tokens = oauth_records(state, "refresh_tokens")
    grant = refresh_tokens.get(form.get("refresh_token", ""))
    if grant is None or grant["client_id"] != client_id:
        raise OAuthRefusal("invalid_grant", "The refresh token is invalid, revoked or was already used.")
    del refresh_tokens[form["refresh_token"]]
    return issue_tokens(state, "refresh_token", client_id, grant["user_id"], grant["scope"])


def issue_tokens(state: SandboxState, grant_type: str, client_id: str, user_id: str, scope: list[str]) -> Record:
    """A new access token (valid :data:`ACCESS_TOKEN_TTL` seconds) and refresh token."""
    now = state.clock()
    access_token = secrets.token_urlsafe(32)
    refresh_token = secrets.token_urlsafe(32)
    state.tokens[access_token] = {"user_id": user_id, "expires_at": now + ACCESS_TOKEN_TTL, "scope": scope}
    oauth_records(state, "refresh_tokens")[refresh_token] = {
        "client_id": client_id,
        "user_id": user_id,
        "scope": scope,
    }
    grants = oauth_records(state, "grants")
    grants[str(len(grants) + 1)] = {"grant_type": grant_type, "client_id": client_id, "user_id": user_id, "at": now}
    return {
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": ACCESS_TOKEN_TTL,
        "refresh_token": refresh_token,
        "scope": ",".join(scope),
    }


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` added to its query string."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def revoke_grants(state: SandboxState, user_id: str | None = None) -> int:
    """Revoke every token (of one user, or of all): as if the user disconnected the app in Nimble.

    Returns:
        The number of refresh tokens revoked.
    """
    refresh_tokens = oauth_records(state, "refresh_tokens")
    with state.lock:
        doomed = [t for t, g in refresh_tokens.items() if user_id is None or g["user_id"] == user_id]
        for token in doomed:
            del refresh_tokens[token]
        for token in [t for t, g in state.tokens.items() if user_id is None or g["user_id"] == user_id]:
            del state.tokens[token]
    return len(doomed)


def approve(sandbox: Sandbox, authorize_url: str, *, user: str | None = None, deny: bool = False) -> str:
    """Play the user's browser: open ``authorize_url`` on the sandbox and return the redirect it answers.

    Args:
        sandbox: the sandbox the URL points at (served in-process, no socket).
        authorize_url: the URL an app sent its user to (``.../oauth/authorize?...``).
        user: the email or user id of the sandbox user who consents (default: the account's owner).
        deny: click "Deny" instead of "Allow".

    Returns:
        The callback URL the browser would be sent to, with ``code`` and ``state`` (or ``error``).
    """
    extra: dict[str, str] = {}
    if user is not None:
        extra["login_hint"] = user
    if deny:
        extra["sandbox_consent"] = "deny"
    url = with_query(authorize_url, **extra) if extra else authorize_url
    with httpx.Client(transport=sandbox.transport()) as browser:
        response = browser.get(url)
    if response.status_code != 302:
        raise ValueError(f"The sandbox refused the authorize URL: HTTP {response.status_code} {response.text}")
    return response.headers["location"]


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}".lower()
