"""Sealed cursors: a ``next_cursor`` the toolkit issued, and only that, is accepted back.

A cursor travels through a model, which may alter or invent one. Every cursor the toolkit hands
out carries an HMAC of the operation's name and its content; one that does not verify is refused
as :class:`~nimble_tools.InvalidArgumentsError` naming ``next_cursor`` before anything is sent.
The paging styles still check every value they read from a cursor.

The key is derived from the toolkit's credentials where the auth provider offers material for it
(an API key, an OAuth app's client secret), so a cursor printed by one process (the command line)
works in the next one for the same account; other providers get a random key per toolkit, or the
application passes ``cursor_key=`` to share one between processes or workers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets

from ._paging import cursor_error

__all__ = ["CursorSeal"]

_SEP = "."
_MAC_BYTES = 16


class CursorSeal:
    """Seals and opens cursors with one key."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def __repr__(self) -> str:
        return "CursorSeal(key=<hidden>)"

    @classmethod
    def from_material(cls, material: bytes | None) -> CursorSeal:
        """A seal whose key is derived from secret ``material`` (random when there is none)."""
        if not material:
            return cls()
        return cls(hashlib.sha256(b"nimble-tools cursor seal v1\0" + material).digest())

    def seal(self, operation: str, cursor: str) -> str:
        """``cursor`` with its MAC for ``operation`` appended."""
        return f"{cursor}{_SEP}{self._mac(operation, cursor)}"

    def open(self, operation: str, sealed: str) -> str:
        """The cursor inside ``sealed``; refused unless this toolkit sealed it for ``operation``."""
        inner, _, mac = sealed.rpartition(_SEP) if isinstance(sealed, str) else ("", "", "")
        if inner and self._verifies(operation, inner, mac):
            return inner
        owner = _owner(inner)
        if owner and owner != operation and self._verifies(owner, inner, mac):
            raise cursor_error(operation, f"this cursor belongs to tool {owner!r}; use it only with that tool")
        raise cursor_error(operation)

    def _verifies(self, operation: str, inner: str, mac: str) -> bool:
        return hmac.compare_digest(mac.encode("ascii", "replace"), self._mac(operation, inner).encode())

    def _mac(self, operation: str, cursor: str) -> str:
        digest = hmac.new(self._key, f"{operation}\0{cursor}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:_MAC_BYTES]).decode().rstrip("=")


def _owner(inner: str) -> str | None:
    """The operation named inside a cursor, if it reads as one (for a clearer refusal)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(inner + "=" * (-len(inner) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        return None
    owner = data.get("op") if isinstance(data, dict) else None
    return owner if isinstance(owner, str) and len(owner) <= 64 else None
