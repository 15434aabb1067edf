"""``OAuthApp``: an application's OAuth registration at Nimble, and the URLs it leads to."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from .._auth import Secret
from .._errors import ConfigurationError

__all__ = ["NIMBLE_SCOPES", "OAuthApp"]

NIMBLE_SCOPES = ("basic", "contacts", "deals")
"""Nimble's scopes: ``basic`` (user and company), ``contacts``, ``deals``. There is no read/write split."""
DEFAULT_BASE_URL = "https://app.nimble.com"
AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/api/oauth/token"

CLIENT_ID_ENV = "NIMBLE_CLIENT_ID"
CLIENT_SECRET_ENV = "NIMBLE_CLIENT_SECRET"
REDIRECT_URI_ENV = "NIMBLE_REDIRECT_URI"
SCOPES_ENV = "NIMBLE_SCOPES"
BASE_URL_ENV = "NIMBLE_BASE_URL"


@dataclass(frozen=True)
class OAuthApp:
    """An OAuth client registered with Nimble (ask api-support@nimble.com for the id and secret).

    Args:
        client_id: the client id Nimble issued.
        client_secret: the client secret; kept as a :class:`Secret`, never shown in a repr.
        redirect_uri: the registered redirect URI (a request may change only its path).
        scopes: the scopes to ask for (default: all three).
        base_url: Nimble's host, or a sandbox's.
    """

    client_id: str
    client_secret: Secret = field(repr=False)
    redirect_uri: str
    scopes: tuple[str, ...] = NIMBLE_SCOPES
    base_url: str = DEFAULT_BASE_URL

    def __init__(
        self,
        client_id: str,
        client_secret: str | Secret,
        redirect_uri: str,
        scopes: Iterable[str] = NIMBLE_SCOPES,
        base_url: str = DEFAULT_BASE_URL,
    ) -> None:
        secret = client_secret if isinstance(client_secret, Secret) else Secret(client_secret)
        scope_list = tuple(dict.fromkeys(s.strip().lower() for s in scopes if s.strip()))
        problems = []
        if not client_id.strip():
            problems.append("client_id is empty")
        if not secret.reveal().strip():
            problems.append("client_secret is empty")
        if not _is_http_url(redirect_uri):
            problems.append(f"redirect_uri must be an absolute http(s) URL, got {redirect_uri!r}")
        if not _is_http_url(base_url):
            problems.append(f"base_url must be an absolute http(s) URL, got {base_url!r}")
        unknown = [s for s in scope_list if s not in NIMBLE_SCOPES]
        if unknown or not scope_list:
            problems.append(f"scopes must be among {', '.join(NIMBLE_SCOPES)}, got {list(scopes)!r}")
        if problems:
            raise ConfigurationError(f"Invalid OAuthApp: {'; '.join(problems)}.")
        object.__setattr__(self, "client_id", client_id.strip())
        object.__setattr__(self, "client_secret", secret)
        object.__setattr__(self, "redirect_uri", redirect_uri)
        object.__setattr__(self, "scopes", scope_list)
        object.__setattr__(self, "base_url", base_url.rstrip("/"))

    @classmethod
    def from_env(cls, **overrides: Any) -> OAuthApp:
        """The app configured by the environment; keyword arguments win over it.

        Reads ``NIMBLE_CLIENT_ID``, ``NIMBLE_CLIENT_SECRET``, ``NIMBLE_REDIRECT_URI`` and, if set,
        ``NIMBLE_SCOPES`` (comma-separated) and ``NIMBLE_BASE_URL``.
        """
        values: dict[str, Any] = {
            "client_id": os.environ.get(CLIENT_ID_ENV, ""),
            "client_secret": os.environ.get(CLIENT_SECRET_ENV, ""),
            "redirect_uri": os.environ.get(REDIRECT_URI_ENV, ""),
        }
        if os.environ.get(SCOPES_ENV):
            values["scopes"] = os.environ[SCOPES_ENV].replace("+", ",").split(",")
        if os.environ.get(BASE_URL_ENV):
            values["base_url"] = os.environ[BASE_URL_ENV]
        values.update({k: v for k, v in overrides.items() if v is not None})
        missing = [
            env
            for key, env in (
                ("client_id", CLIENT_ID_ENV),
                ("client_secret", CLIENT_SECRET_ENV),
                ("redirect_uri", REDIRECT_URI_ENV),
            )
            if not values.get(key)
        ]
        if missing:
            raise ConfigurationError(
                f"Nimble OAuth is not configured: set {', '.join(missing)} (Nimble issues the client id and "
                "secret on request to api-support@nimble.com), or use OAuthApp.for_sandbox() to work offline."
            )
        return cls(**values)

    @classmethod
    def for_sandbox(cls, redirect_uri: str = "http://127.0.0.1/callback", *, base_url: str | None = None) -> OAuthApp:
        """The sandbox's built-in client, which accepts any loopback redirect URI."""
        from ..sandbox import DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET, SANDBOX_BASE_URL

        return cls(
            DEFAULT_OAUTH_CLIENT_ID,
            DEFAULT_OAUTH_CLIENT_SECRET,
            redirect_uri,
            base_url=base_url or SANDBOX_BASE_URL,
        )

    @property
    def token_url(self) -> str:
        """Where codes and refresh tokens are traded (``POST``, form-encoded)."""
        return self.base_url + TOKEN_PATH

    def authorization_url(self, state: str, redirect_uri: str | None = None) -> str:
        """Nimble's authorize URL for ``state`` (and ``redirect_uri``, default the registered one)."""
        query = urlencode(
            {
                "client_id": self.client_id,
                "redirect_uri": redirect_uri or self.redirect_uri,
                "response_type": "code",
                "scope": ",".join(self.scopes),
                "state": state,
            }
        )
        return f"{self.base_url}{AUTHORIZE_PATH}?{query}"


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
