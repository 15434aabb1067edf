"""The one exception hierarchy of nimble-tools.

Every error the toolkit raises derives from :class:`NimbleToolsError`. Three families are kept
apart, because they are handled by different people::

    NimbleToolsError
    ├── UsageError                  a programmer's mistake: fix the code or configuration
    │   ├── ConfigurationError      missing API key, bad base URL, ...
    │   │   └── TokenStoreError     the configured token store failed (nimble_tools.auth)
    │   ├── OperationConflictError  two plugins registered one operation name
    │   ├── UnknownTargetError      emit() for a target no adapter handles
    │   └── PluginError             a plugin failed to load or broke the contract
    ├── ToolInputError              the caller (often a model) sent bad input; no request was sent
    │   ├── UnknownOperationError   no operation by that name
    │   ├── InvalidArgumentsError   arguments failed validation (per-field messages)
    │   ├── UnsafePathValueError    a value would change the URL route
    │   └── PolicyViolationError    a before-call policy vetoed the call
    └── NimbleAPIError              Nimble (or the transport to it) failed
        ├── QuotaExceededError      402
        ├── AuthenticationError     403 "Can't authenticate request"
        │   └── OAuthError          an authorization or token request was refused (nimble_tools.auth)
        │       ├── OAuthStateError               the callback's state matches no pending authorization
        │       └── ReauthorizationRequiredError  no usable tokens: the user must connect the account again
        ├── PermissionDeniedError   403, any other reason
        ├── NotFoundError           404 {object_type, object_id}
        ├── NotAcceptableError      406 preflight failures or rule violations
        ├── ValidationFailedError   409 with per-field errors
        ├── RateLimitedError        429, with retry_after
        ├── ServerError             5xx
        └── TransportError          no usable answer: connect error, timeout, bad JSON
            └── ConnectError        the request provably never reached the server

Each error carries ``explanation``: one or two sentences a language model can act on. Adapters
return :meth:`NimbleToolsError.for_model` to the model as a tool result instead of crashing the
agent loop. No error message ever contains a credential.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "ConnectError",
    "InvalidArgumentsError",
    "NimbleAPIError",
    "NimbleToolsError",
    "NotAcceptableError",
    "NotFoundError",
    "OperationConflictError",
    "PermissionDeniedError",
    "PluginError",
    "PolicyViolationError",
    "QuotaExceededError",
    "RateLimitedError",
    "ServerError",
    "ToolInputError",
    "TransportError",
    "UnknownOperationError",
    "UnknownTargetError",
    "UnsafePathValueError",
    "UsageError",
    "ValidationFailedError",
]


class NimbleToolsError(Exception):
    """Root of every error raised by nimble-tools."""

    explanation: str = ""

    def __init__(self, message: str, *, explanation: str = "") -> None:
        super().__init__(message)
        self.message = message
        if explanation:
            self.explanation = explanation

    def for_model(self) -> str:
        """The text a language model sees when this error is returned as a tool result."""
        if self.explanation and self.explanation not in self.message:
            return f"{self.message} {self.explanation}"
        return self.message


# --- usage and registration mistakes ---------------------------------------------------------


class UsageError(NimbleToolsError):
    """The toolkit was used or configured wrongly; the fix is in the calling code."""


class ConfigurationError(UsageError):
    """Missing or invalid configuration, such as an absent API key."""


class OperationConflictError(UsageError):
    """Two plugins registered operations with the same name."""


class UnknownTargetError(UsageError):
    """``emit()`` was asked for a target that no adapter plugin handles."""


class PluginError(UsageError):
    """A plugin could not be loaded, or it broke the plugin contract."""

    def __init__(self, message: str, *, plugin: str | None = None) -> None:
        super().__init__(message)
        self.plugin = plugin


# --- bad input from the caller (often a model) ------------------------------------------------


class ToolInputError(NimbleToolsError):
    """The arguments of a call were rejected before any request was sent."""

    def __init__(self, message: str, *, tool: str | None = None, explanation: str = "") -> None:
        super().__init__(message, explanation=explanation)
        self.tool = tool


class UnknownOperationError(ToolInputError):
    """No operation is registered under the requested name."""

    def __init__(self, name: str, *, suggestions: Sequence[str] = ()) -> None:
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(
            f"Unknown tool {name!r}.{hint}",
            tool=name,
            explanation="Call one of the listed tools by its exact name.",
        )
        self.suggestions = list(suggestions)


class InvalidArgumentsError(ToolInputError):
    """Arguments failed validation. ``errors`` lists ``(field, problem)`` pairs."""

    def __init__(self, tool: str, errors: Sequence[tuple[str, str]]) -> None:
        self.errors = list(errors)
        lines = "; ".join(f"{field}: {problem}" for field, problem in self.errors)
        super().__init__(
            f"Invalid arguments for tool {tool!r}: {lines}.",
            tool=tool,
            explanation="Fix the named fields and call the tool again; nothing was sent to Nimble.",
        )


class UnsafePathValueError(ToolInputError):
    """A value meant for the URL path could change the route (``/``, ``..``, ``?``, ``#``...)."""

    def __init__(self, tool: str, field: str, problem: str) -> None:
        super().__init__(
            f"Invalid arguments for tool {tool!r}: {field}: {problem}.",
            tool=tool,
            explanation="Pass the exact id or name of one record; nothing was sent to Nimble.",
        )
        self.field = field


class PolicyViolationError(ToolInputError):
    """A safety policy (a ``before_call`` hook) refused the call."""


# --- failures of Nimble or of the way to it ---------------------------------------------------


class NimbleAPIError(NimbleToolsError):
    """Nimble answered with an error, or no usable answer came back.

    Attributes:
        status_code: the HTTP status, or None when no response arrived.
        body: Nimble's decoded error body (a dict), when there was one.
        method: the HTTP method of the failed request.
        path: the request path (never the query string, which may carry a token).
    """

    default_explanation = ""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        body: Any = None,
        method: str | None = None,
        path: str | None = None,
        explanation: str = "",
    ) -> None:
        super().__init__(message, explanation=explanation or self.default_explanation)
        self.status_code = status_code
        self.body = body
        self.method = method
        self.path = path

    def __str__(self) -> str:
        where = f" ({self.method} {self.path})" if self.method and self.path else ""
        status = f"HTTP {self.status_code}: " if self.status_code else ""
        return f"{status}{self.message}{where}"

    def for_model(self) -> str:
        status = f"Nimble answered HTTP {self.status_code}: " if self.status_code else ""
        text = f"{status}{self.message}"
        if self.explanation:
            text = f"{text} {self.explanation}"
        return text


class QuotaExceededError(NimbleAPIError):
    """402: the account's plan quota (for example its contact limit) is used up."""

    default_explanation = "The Nimble account's plan limit is reached; do not retry, tell the user."


class AuthenticationError(NimbleAPIError):
    """403 "Can't authenticate request": the API key or token is missing, wrong or expired."""

    default_explanation = "The credentials were refused; retrying will not help until they are fixed."


class PermissionDeniedError(NimbleAPIError):
    """403 for any other reason: privacy rules or a missing permission."""

    default_explanation = "The user lacks permission for this record or action; do not retry."


class NotFoundError(NimbleAPIError):
    """404 ``{object_type, object_id}``: the record does not exist (or is not visible)."""

    default_explanation = "Check the id (search or list first to find the right one)."

    @property
    def object_type(self) -> str | None:
        return self.body.get("object_type") if isinstance(self.body, Mapping) else None

    @property
    def object_id(self) -> str | None:
        return self.body.get("object_id") if isinstance(self.body, Mapping) else None


class NotAcceptableError(NimbleAPIError):
    """406: a preflight check found affected records, or a business rule refused the change."""

    default_explanation = "Nimble refused this change under its rules; read the message before retrying."


class ValidationFailedError(NimbleAPIError):
    """409: Nimble rejected the values. ``field_errors`` maps a field to its messages."""

    default_explanation = "Correct the named fields and try again."

    @property
    def field_errors(self) -> dict[str, list[str]]:
        errors = self.body.get("errors") if isinstance(self.body, Mapping) else None
        if not isinstance(errors, Mapping):
            return {}
        result: dict[str, list[str]] = {}
        for field, problems in errors.items():
            items = problems if isinstance(problems, list) else [problems]
            result[str(field)] = [str(p.get("message", p)) if isinstance(p, Mapping) else str(p) for p in items]
        return result


class RateLimitedError(NimbleAPIError):
    """429: too many requests. ``retry_after`` is in seconds when Nimble said."""

    default_explanation = "Too many requests; wait before calling again."

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(NimbleAPIError):
    """5xx: Nimble failed. Idempotent calls were already retried."""

    default_explanation = "Nimble had a server error; try again later."


class TransportError(NimbleAPIError):
    """No usable answer: timeout, dropped connection, or a body that is not JSON."""

    default_explanation = "The request may or may not have reached Nimble; check before repeating a write."


class ConnectError(TransportError):
    """The connection could not be opened, so the request never reached the server."""

    default_explanation = "Nimble could not be reached; nothing was sent."
