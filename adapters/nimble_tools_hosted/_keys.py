"""The server's keys, all derived from its secret, and the one-way form in which tokens are stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from nimble_tools import Secret
from nimble_tools.auth import FernetCipher
from nimble_tools.auth._cipher import derive_key

__all__ = ["ServerKeys", "new_token", "token_hash"]


def new_token(prefix: str) -> str:
    """A random token (256 bits) with a prefix that tells secret scanners what it is."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """How a token is stored and looked up: its SHA-256 (the token itself is never written anywhere)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ServerKeys:
    """Keys for each purpose, from the server's secret keys (newest first; older ones still verify).

    * ``cipher`` seals Nimble credentials and client secrets at rest.
    * ``form_token`` signs consent forms (CSRF), bound to one consent request and one browser.
    """

    def __init__(self, secret_keys: list[Secret]) -> None:
        if not secret_keys:
            raise ValueError("ServerKeys needs at least one secret key")
        self.cipher = FernetCipher(*secret_keys, purpose="nimble-credentials")
        self._form_keys = [derive_key(k, "consent-forms") for k in secret_keys]
        self.account_hash_key = derive_key(secret_keys[0], "metrics-account-hash")
        """Keys the account hashes of metrics, so that nobody can guess a person from a hash."""

    def __repr__(self) -> str:
        return "ServerKeys('**********')"

    def form_token(self, request_id: str, browser: str) -> str:
        """The CSRF token of a consent form, for this request in this browser."""
        return _sign(self._form_keys[0], request_id, browser)

    def check_form_token(self, token: str, request_id: str, browser: str) -> bool:
        """True when ``token`` was made by :meth:`form_token` for the same request and browser."""
        return any(hmac.compare_digest(token.encode(), _sign(k, request_id, browser).encode()) for k in self._form_keys)


def _sign(key: bytes, request_id: str, browser: str) -> str:
    return hmac.new(key, f"{request_id}\n{browser}".encode(), hashlib.sha256).hexdigest()
