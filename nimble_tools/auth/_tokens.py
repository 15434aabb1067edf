"""The records the OAuth flow keeps: a token set per account, and pending authorizations by state."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .._auth import Secret

__all__ = ["AuthorizationRequest", "Connection", "PendingAuthorization", "TokenSet", "parse_scope"]


def parse_scope(raw: Any) -> tuple[str, ...]:
    """Scopes from a list or a string joined by ``,``, ``+`` or spaces, as Nimble writes them."""
    if isinstance(raw, str):
        raw = raw.replace("+", ",").replace(" ", ",").split(",")
    if not isinstance(raw, list | tuple):
        return ()
    return tuple(str(s).strip() for s in raw if str(s).strip())


@dataclass(frozen=True, slots=True)
class TokenSet:
    """An account's OAuth tokens. The tokens are :class:`Secret`, so a repr never shows them.

    Attributes:
        access_token: sent as ``Authorization: Bearer ...``; lives about 10 minutes at Nimble.
        refresh_token: trades for a new token set; Nimble may replace it on every refresh.
        expires_at: when the access token expires (seconds since the epoch), or None if unknown.
        scope: the scopes granted (``basic``, ``contacts``, ``deals``).
    """

    access_token: Secret
    refresh_token: Secret | None
    expires_at: float | None
    scope: tuple[str, ...] = ()
    token_type: str = field(default="bearer", repr=False)

    @classmethod
    def from_response(cls, body: Mapping[str, Any], now: float) -> TokenSet:
        """A token set from a token-endpoint answer; ValueError names the first missing piece."""
        access_token = body.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise ValueError("the answer has no access_token")
        token_type = str(body.get("token_type") or "bearer")
        if token_type.lower() != "bearer":
            raise ValueError(f"token_type is {token_type!r}, not bearer")
        refresh_token = body.get("refresh_token")
        expires_in = body.get("expires_in")
        expires_at = None
        if expires_in is not None:
            try:
                seconds = float(expires_in)
            except (TypeError, ValueError):
                raise ValueError("expires_in is not a number") from None
            if not math.isfinite(seconds):
                raise ValueError("expires_in is not a finite number")
            expires_at = now + seconds
        return cls(
            access_token=Secret(access_token),
            refresh_token=Secret(refresh_token) if isinstance(refresh_token, str) and refresh_token else None,
            expires_at=expires_at,
            scope=parse_scope(body.get("scope")),
            token_type="bearer",
        )

    def expires_within(self, seconds: float, now: float) -> bool:
        """True when the access token is expired or will be within ``seconds``."""
        return self.expires_at is not None and self.expires_at - seconds <= now

    @property
    def fingerprint(self) -> str:
        """A short one-way digest of the access token: tells two token sets apart without showing either."""
        return hashlib.sha256(self.access_token.reveal().encode()).hexdigest()[:16]

    def renewed_by(self, newer: TokenSet) -> TokenSet:
        """``newer``, keeping this refresh token and scope when the refresh answer left them out."""
        return replace(
            newer,
            refresh_token=newer.refresh_token or self.refresh_token,
            scope=newer.scope or self.scope,
        )

    def to_record(self) -> dict[str, Any]:
        """The plain form a token store persists (the only place the tokens are written out)."""
        return {
            "access_token": self.access_token.reveal(),
            "refresh_token": self.refresh_token.reveal() if self.refresh_token else None,
            "expires_at": self.expires_at,
            "scope": list(self.scope),
            "token_type": self.token_type,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> TokenSet:
        """Read back :meth:`to_record`; ValueError if the record is damaged."""
        try:
            access_token = record["access_token"]
            refresh_token = record.get("refresh_token")
            expires_at = record.get("expires_at")
            if not isinstance(access_token, str) or not access_token:
                raise ValueError("access_token")
            return cls(
                access_token=Secret(access_token),
                refresh_token=Secret(str(refresh_token)) if refresh_token else None,
                expires_at=float(expires_at) if expires_at is not None else None,
                scope=parse_scope(list(record.get("scope") or [])),
                token_type=str(record.get("token_type") or "bearer"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"damaged token record ({type(exc).__name__})") from None


@dataclass(frozen=True, slots=True)
class PendingAuthorization:
    """An authorization the app has started and not yet completed, found again by its ``state``."""

    state: str
    account: str
    redirect_uri: str
    created_at: float
    expires_at: float

    @property
    def lifetime(self) -> float:
        """Seconds from creation to expiry (a store may forget the record after that)."""
        return max(0.0, self.expires_at - self.created_at)

    def to_record(self) -> dict[str, Any]:
        """The plain form a token store persists."""
        return {
            "state": self.state,
            "account": self.account,
            "redirect_uri": self.redirect_uri,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> PendingAuthorization:
        """Read back :meth:`to_record`; ValueError if the record is damaged."""
        try:
            return cls(
                state=str(record["state"]),
                account=str(record["account"]),
                redirect_uri=str(record["redirect_uri"]),
                created_at=float(record["created_at"]),
                expires_at=float(record["expires_at"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"damaged pending authorization ({type(exc).__name__})") from None


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """Where to send the user to connect ``account``: open :attr:`url` in their browser.

    Attributes:
        url: Nimble's authorize URL, with a fresh random ``state``.
        state: the value the callback must bring back; checked and then spent.
        account: the connected account the tokens will be stored under.
        redirect_uri: where Nimble will send the user back (with ``code`` and ``state``).
        expires_at: after this (seconds since the epoch) the callback is refused.
    """

    url: str
    state: str
    account: str
    redirect_uri: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class Connection:
    """What is known about a connected account, without its tokens.

    Attributes:
        account: the account name the application chose.
        scope: the scopes granted.
        expires_at: when the current access token expires (it is refreshed before that).
        refreshable: whether a refresh token is held (without one, expiry means authorising again).
    """

    account: str
    scope: tuple[str, ...]
    expires_at: float | None
    refreshable: bool
