"""The sandbox's own request/response types and the router that dispatches them.

The sandbox speaks plain data (method, path, query, JSON) so that one application serves both the
in-process httpx transport and the real HTTP server.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from ._state import SandboxState

__all__ = ["LEGACY_ROUTES", "ApiError", "Reply", "Route", "Router", "SandboxRequest", "SandboxResponse"]


@dataclass
class SandboxRequest:
    """One request as a handler sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes = b""
    json: Any = None
    path_params: dict[str, str] = field(default_factory=dict)
    state: SandboxState | None = None
    user: dict[str, Any] | None = None
    """The authenticated Nimble user (from the state's users)."""

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The last value of a query argument."""
        values = self.query.get(name)
        return values[-1] if values else default

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean query argument (true/false/1/0)."""
        value = self.arg(name)
        if value is None:
            return default
        return value.strip().lower() in {"1", "true", "yes", "on"}

    def int_arg(self, name: str, default: int) -> int:
        """An integer query argument; a bad value is a 409 like Nimble's validation errors."""
        value = self.arg(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise ApiError.validation(f"{name} must be an integer", {name: {"message": "not an integer"}}) from None

    @property
    def st(self) -> SandboxState:
        assert self.state is not None
        return self.state


@dataclass
class SandboxResponse:
    """What a handler's reply becomes before it is written to the wire."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    """Bytes sent as they are (file downloads, injected malformed JSON)."""
    fault: str | None = None
    """``"timeout"`` or ``"disconnect"``: the transport sends no answer at all (fault injection)."""
    delay: float = 0.0
    """Seconds the transport waits before answering (fault injection: slow answers, hangs)."""


Reply = SandboxResponse | tuple[int, Any] | Any
Handler = Callable[[SandboxRequest], Reply]


class ApiError(Exception):
    """Raised by handlers to answer with one of Nimble's documented error shapes."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}

    @classmethod
    def not_found(cls, object_type: str, object_id: str) -> ApiError:
        """404 ``{object_type, object_id}``."""
        return cls(404, {"object_type": object_type, "object_id": object_id})

    @classmethod
    def validation(cls, message: str, errors: Mapping[str, Any] | None = None) -> ApiError:
        """409 ``Errors.ValidationError`` with per-field errors."""
        return cls(
            409,
            {
                "message": message,
                "errors": dict(errors or {}),
                "human_readable_error": message,
                "code": 245,
                "extra": [],
            },
        )

    @classmethod
    def forbidden(cls, message: str) -> ApiError:
        """403 ``{message}``."""
        return cls(403, {"message": message})

    @classmethod
    def not_acceptable(cls, message: str, type_: str) -> ApiError:
        """406 rule violation ``{message, type}``."""
        return cls(406, {"message": message, "type": type_})

    @classmethod
    def preflight(cls, type_: str, message: str, total: int, nse_query: Any) -> ApiError:
        """406 preflight failure ``{errors: [{type, message, total, nse_query}]}``."""
        return cls(406, {"errors": [{"type": type_, "message": message, "total": total, "nse_query": nse_query}]})


@dataclass(frozen=True)
class Route:
    """One endpoint: method, path pattern and handler."""

    method: str
    pattern: str
    handler: Handler
    regex: re.Pattern[str]
    public: bool = False
    """True for endpoints that need no credentials (the OAuth endpoints)."""

    @property
    def specificity(self) -> tuple[int, ...]:
        """Per segment, 0 for a literal and 1 for a ``{placeholder}``: the smaller, the more specific."""
        return tuple(1 if _PLACEHOLDER.fullmatch(segment) else 0 for segment in self.pattern.strip("/").split("/"))

    @property
    def shape(self) -> str:
        """The pattern with its placeholders unnamed: two routes of one method and shape would clash."""
        return _PLACEHOLDER.sub("{}", self.pattern.rstrip("/"))


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Router:
    """Matches method and path to a handler; ``{name}`` in a pattern matches one segment.

    The most specific route wins, whatever the order routes were added in: a literal segment beats a
    placeholder (``/api/v2/deals/pipelines`` before ``/api/v2/deals/{id}``), earlier segments first.
    """

    def __init__(self) -> None:
        self.routes: list[Route] = []
        """Every route, most specific first (the order :meth:`match` tries them in)."""

    def add(self, method: str, pattern: str, handler: Handler, *, public: bool = False) -> None:
        """Add a route; a second route with the same method and shape (``/a/{x}``, ``/a/{y}``) is refused."""
        regex = re.compile("^" + _PLACEHOLDER.sub(r"(?P<\1>[^/]+)", pattern) + "/?$")
        self.include(Route(method.upper(), pattern, handler, regex, public))

    def include(self, *routes: Route) -> None:
        """Add routes another router made (a module's routes into the sandbox's one)."""
        for route in routes:
            clash = next((r for r in self.routes if (r.method, r.shape) == (route.method, route.shape)), None)
            if clash is not None:
                raise ValueError(f"{route.method} {route.pattern} clashes with {clash.method} {clash.pattern}")
            self.routes.append(route)
        self.routes.sort(key=lambda r: r.specificity)  # stable: equal ones keep their order

    def route(self, method: str, pattern: str, *, public: bool = False) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add`."""

        def decorate(handler: Handler) -> Handler:
            self.add(method, pattern, handler, public=public)
            return handler

        return decorate

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The most specific route for ``method`` and ``path``, or an ApiError 404/405."""
        allowed = False
        for route in self.routes:
            found = route.regex.match(path)
            if found is None:
                continue
            if route.method == method.upper():
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
            allowed = True
        if allowed:
            raise ApiError(405, {"message": f"Method {method} is not allowed for {path}"})
        hint = next((f"; the documented route is {new}" for old, new in LEGACY_ROUTES if old.match(path)), "")
        raise ApiError(404, {"message": f"Unknown API route {path}{hint}"})


# Routes of Nimble's older documentation that the current spec replaced. The sandbox does not serve
# them (code written offline should use what the spec documents), but its 404 names the new route.
LEGACY_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^/api/v1/contact/[^/]+/notes/?$"), "GET|POST /api/v1/contacts/{contact_id}/notes"),
    (re.compile(r"^/api/v1/activities/task/?$"), "POST /api/v1/tasks"),
    (re.compile(r"^/api/v1/contacts/list/?$"), "DELETE /api/v1/contacts"),
)
