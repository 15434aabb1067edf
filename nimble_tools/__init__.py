"""nimble-tools: the whole Nimble CRM API as tools for AI agents.

Start from :class:`NimbleToolkit`::

    from nimble_tools import NimbleToolkit

    toolkit = NimbleToolkit.sandbox()          # offline, seeded demo account
    toolkit.call("list_all_nimble_contacts", {"limit": 5})
    tools = toolkit.emit("langchain")          # or "openai", "callables", "mcp"

Importing this package loads no plugin and no agent framework.
"""

from ._auth import ApiKeyAuth, AuthProvider, Secret
from ._autopaging import collect
from ._client import HttpAttempt, NimbleClient, RateLimiter, RetryPolicy
from ._errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    InvalidArgumentsError,
    NimbleAPIError,
    NimbleToolsError,
    NotAcceptableError,
    NotFoundError,
    OperationConflictError,
    PermissionDeniedError,
    PluginError,
    PolicyViolationError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    ToolInputError,
    TransportError,
    UnknownOperationError,
    UnknownTargetError,
    UnsafePathValueError,
    UsageError,
    ValidationFailedError,
)
from ._operation import BODY, CONTROL, QUERY, HttpMethod, Location, NimbleId, Operation, Params, RequestSpec
from ._paging import (
    LimitPaging,
    NextPageArgsPaging,
    NextPageUrlPaging,
    PagePaging,
    Paging,
    decode_cursor,
    encode_cursor,
)
from ._registry import OperationRegistry
from ._result import Result
from ._toolkit import DEFAULT_BASE_URL, CallContext, NimbleToolkit
from .hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = [
    "BODY",
    "CONTROL",
    "DEFAULT_BASE_URL",
    "QUERY",
    "ApiKeyAuth",
    "AuthProvider",
    "AuthenticationError",
    "CallContext",
    "ConfigurationError",
    "ConnectError",
    "HttpAttempt",
    "HttpMethod",
    "InvalidArgumentsError",
    "LimitPaging",
    "Location",
    "NextPageArgsPaging",
    "NextPageUrlPaging",
    "NimbleAPIError",
    "NimbleClient",
    "NimbleId",
    "NimbleToolkit",
    "NimbleToolsError",
    "NotAcceptableError",
    "NotFoundError",
    "Operation",
    "OperationConflictError",
    "OperationRegistry",
    "PagePaging",
    "Paging",
    "Params",
    "PermissionDeniedError",
    "PluginError",
    "PolicyViolationError",
    "QuotaExceededError",
    "RateLimitedError",
    "RateLimiter",
    "RequestSpec",
    "Result",
    "RetryPolicy",
    "Secret",
    "ServerError",
    "ToolInputError",
    "TransportError",
    "UnknownOperationError",
    "UnknownTargetError",
    "UnsafePathValueError",
    "UsageError",
    "ValidationFailedError",
    "__version__",
    "collect",
    "decode_cursor",
    "encode_cursor",
    "hookimpl",
]
