"""Errors of the OAuth flow and the token stores; they join the one tree of ``nimble_tools._errors``.

::

    AuthenticationError                 (403 "Can't authenticate request")
    └── OAuthError                      Nimble refused an authorization or a token request
        ├── OAuthStateError             the callback's ``state`` is unknown, used or expired
        └── ReauthorizationRequiredError  the account has no usable tokens: the user must authorise
    TokenStoreError                     the token store could not be read, written or locked

None of them ever holds a token, a code or a client secret.
"""

from __future__ import annotations

from typing import Any

from .._errors import AuthenticationError, ConfigurationError

__all__ = ["OAuthError", "OAuthStateError", "ReauthorizationRequiredError", "TokenStoreError"]


class OAuthError(AuthenticationError):
    """Nimble refused an authorization or token request.

    Attributes:
        error: the OAuth error code (``invalid_grant``, ``access_denied``, ``invalid_client``, ...).
        description: the server's human-readable explanation, when it gave one.
    """

    default_explanation = "The Nimble authorisation failed; the user must connect the account again."

    def __init__(self, message: str, *, error: str = "", description: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.error = error
        self.description = description


class OAuthStateError(OAuthError):
    """The callback's ``state`` does not match a pending authorization: refused, nothing was sent."""

    default_explanation = (
        "Start the authorisation again from the app; a callback is accepted once, for the request that began it."
    )


class ReauthorizationRequiredError(OAuthError):
    """The account has no usable tokens (never connected, or its refresh was refused).

    Attributes:
        account: the connected account concerned.
        authorize_url: where to send the user to connect the account again. It is deliberately not
            part of the message or of :meth:`for_model`: the application shows it to its user
            (for example from an ``on_call_error`` hook), so a model can neither see nor alter it.
    """

    default_explanation = "Ask the user to reconnect their Nimble account in the app; do not retry before that."

    def __init__(self, message: str, *, account: str, authorize_url: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.account = account
        self.authorize_url = authorize_url

    def for_model(self) -> str:
        return f"{self.message} {self.explanation}"


class TokenStoreError(ConfigurationError):
    """The token store could not be read, written or locked; no request was sent to Nimble."""

    explanation = "The app's credential storage failed; this is not a problem with the request. Try again later."
