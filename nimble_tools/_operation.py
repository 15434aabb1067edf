"""``Operation``: one framework-neutral record per tool, and how its arguments become a request.

An operation's parameters are a pydantic model. Where each field goes on the wire is decided by
one rule, so that catalog entries stay short:

* a field named in the path template goes into the path (checked and encoded, see ``_paths``);
* a field annotated with :data:`QUERY` or :data:`BODY` goes there;
* otherwise GET and DELETE put it in the query string, POST/PUT/PATCH in the JSON body;
* fields annotated with :data:`CONTROL` (``limit``, ``next_cursor``) steer paging and are never
  sent as they are.

The wire name is the field's ``serialization_alias`` when it has one (Nimble uses names such as
``record type``), so the model-facing name can stay a plain identifier.

An endpoint's flags follow from its HTTP method unless it says otherwise (see :class:`Operation`),
and its parameters model may be named by reference and imported on first use (see ``_references``).
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ._errors import InvalidArgumentsError, UsageError
from ._limits import check_argument_values
from ._paths import NIMBLE_ID_PATTERN, path_fields, render_path
from ._references import HandlerSlot, ModelSlot

if TYPE_CHECKING:
    from ._paging import Paging
    from ._toolkit import CallContext
    from .confirmation import Preview

__all__ = [
    "BODY",
    "CONTROL",
    "FROM_METHOD",
    "QUERY",
    "HttpMethod",
    "Location",
    "NimbleId",
    "Operation",
    "Params",
    "RequestSpec",
    "with_changes",
]

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,63}$")
MAX_DESCRIPTION = 1024


class _FromMethod:
    def __repr__(self) -> str:
        return "FROM_METHOD"


FROM_METHOD: Any = _FromMethod()
"""Default of ``read_only``, ``destructive`` and ``idempotent``: what the HTTP method says (see :class:`Operation`)."""

_PARAMS = ModelSlot()


class Location(enum.Enum):
    """Where a parameter travels. Used as ``Annotated[...]`` metadata on a params field."""

    QUERY = "query"
    BODY = "body"
    CONTROL = "control"


QUERY = Location.QUERY
BODY = Location.BODY
CONTROL = Location.CONTROL


def _no_pattern(schema: dict[str, Any]) -> None:
    schema.pop("pattern", None)


NimbleId = Annotated[
    str,
    StringConstraints(pattern=NIMBLE_ID_PATTERN),
    # The check stays; the published schema leaves the pattern out. Models copy ids from results,
    # the pattern costs about 15 tokens per id field on every request, and a wrong value still gets
    # a clear error naming the field ("... is not a Nimble id (24 hexadecimal characters)").
    Field(json_schema_extra=_no_pattern),
]
"""A Nimble record id (a 24-hex-character ObjectId). Path fields of this type are id-checked.

Fields of this type carry their own description ("Contact id."); the JSON schema shows a plain string.
"""


class Params(BaseModel):
    """Base class for operation parameter models: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """A request ready for the client: method, path (already encoded), query and JSON body."""

    method: HttpMethod
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    # Paging state consumed by the paging strategy when it builds the envelope.
    page_state: Mapping[str, Any] = field(default_factory=dict)


Handler = Callable[["CallContext", Any], Any]
AsyncHandler = Callable[["CallContext", Any], Awaitable[Any]]
_HANDLER: HandlerSlot[Handler] = HandlerSlot(is_async=False)
_ASYNC_HANDLER: HandlerSlot[AsyncHandler] = HandlerSlot(is_async=True)


@dataclass(frozen=True, kw_only=True)
class Operation:
    """One tool: a Nimble endpoint, or a composite action implemented in Python.

    Operations are immutable; views (prefixing, renaming) make modified copies with
    :func:`with_changes`, which leaves a model named by reference unimported (``dataclasses.replace``
    works too, and imports it).
    """

    name: str
    """Tool name: ``^[a-zA-Z_][a-zA-Z0-9_]{0,63}$`` and unique in a registry."""
    title: str = ""
    """A short title for people (what someone approving a call reads, MCP's ``annotations.title``);
    empty: made from the name (see :attr:`display_title`)."""
    description: str
    """What the tool does, written for a language model; at most 1024 characters."""
    params: ModelSlot = _PARAMS
    """Pydantic model of the arguments; validation happens before any request is sent. Give the
    class, or ``"package.module:ClassName"`` to import it the first time it is needed."""
    resource: str = ""
    """The resource it belongs to (``contacts``, ``deals``, ...), for grouping and filtering. Required
    by the registry; the catalog sets it once per module."""
    method: HttpMethod = "GET"
    """HTTP method of the Nimble endpoint (for composite actions: of their main effect)."""
    path: str = ""
    """Path template such as ``/api/v1/contact/{id}``; empty for composite actions."""
    read_only: bool = FROM_METHOD
    """True when the tool changes nothing. Unstated: True for a GET endpoint."""
    destructive: bool = FROM_METHOD
    """True when the tool may delete or overwrite data that cannot be recovered. Unstated: True for a
    DELETE endpoint (without ``destructive_when``)."""
    idempotent: bool = FROM_METHOD
    """True when repeating the same call has no further effect. Unstated: True for a GET, PUT or
    DELETE endpoint. A composite action's unstated flags are False: it says what it does."""
    paging: Paging | None = None
    """How ``limit``/``next_cursor`` map onto Nimble's paging style, for list operations."""
    handler: HandlerSlot[Handler] = _HANDLER
    """Composite actions: a function ``(context, params) -> result`` run instead of a request; or
    ``"package.module:function"``, imported on the first call (a plugin's entry point then loads
    only its declarations)."""
    async_handler: HandlerSlot[AsyncHandler] = _ASYNC_HANDLER
    """Composite actions: the async twin of ``handler`` (else ``handler`` runs in a thread); a
    reference is imported on the first call too."""
    encode: Callable[[Operation, Any], RequestSpec] | None = None
    """Custom request builder, for endpoints whose wire format the default rule cannot express."""
    plugin: str | None = None
    """Name of the plugin that registered the operation (set by the registry)."""
    tags: tuple[str, ...] = ()
    """Free labels used by views and tool search."""
    destructive_when: Callable[[Any], bool] | None = None
    """For tools destructive only with some arguments (an update with ``replace=true``): tells, from
    the validated params, whether this call is. Such calls are confirmed like destructive tools."""
    check_answer: Callable[[CallContext, Any], None] | None = None
    """Reads Nimble's answer before it becomes the result, and may raise: a read by id that finds
    nothing raises ``NotFoundError`` as a 404 would (live Nimble answers it with an empty list)."""
    preview: Callable[[CallContext], Preview] | None = None
    """For destructive tools: what a call would destroy, counting the records where it can (a mass
    delete, a cascade); it may read Nimble through ``context.call``. Default: the tool and its arguments."""
    example: Mapping[str, Any] | None = field(default=None, compare=False)
    """Arguments of a typical call (ids may be made up). Every catalog operation has one: the tests
    build its request and check it against Nimble's spec."""

    @property
    def display_title(self) -> str:
        """:attr:`title`, or one made from the name (``nimble_import_leads`` -> ``Import leads``)."""
        if self.title:
            return self.title
        words = [word for word in self.name.split("_") if word not in ("nimble", "a", "all", "single")]
        return " ".join(words).capitalize() or self.name

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise UsageError(f"Operation name {self.name!r} must match {_NAME.pattern}.")
        if not self.description or len(self.description) > MAX_DESCRIPTION:
            raise UsageError(
                f"Operation {self.name!r}: the description must be 1 to {MAX_DESCRIPTION} characters "
                f"(it has {len(self.description)})."
            )
        if self.handler is None and self.async_handler is None and not self.path:
            raise UsageError(f"Operation {self.name!r} needs a path or a handler.")
        self._derive_flags()
        if self.read_only and self.may_destroy:
            raise UsageError(f"Operation {self.name!r} cannot be both read-only and destructive.")
        model = _PARAMS.source(self)
        if not isinstance(model, str):
            self.check_model(model)

    def _derive_flags(self) -> None:
        """Fill the flags left unstated: from the HTTP method for an endpoint, False for a composite action."""
        endpoint = not self.is_composite
        derived = {
            "read_only": endpoint and self.method == "GET",
            "destructive": endpoint and self.method == "DELETE" and self.destructive_when is None,
            "idempotent": endpoint and self.method in ("GET", "PUT", "DELETE"),
        }
        for flag, value in derived.items():
            if getattr(self, flag) is FROM_METHOD:
                object.__setattr__(self, flag, value)

    def check_model(self, model: type[BaseModel]) -> None:
        """Refuse a params model that lacks a field of the path template (run when the model is known)."""
        missing = [p for p in path_fields(self.path) if p not in model.model_fields]
        if missing:
            raise UsageError(f"Operation {self.name!r}: path fields {missing} are not in its params model.")

    @property
    def may_destroy(self) -> bool:
        """True when some call of this tool deletes or overwrites data beyond recovery."""
        return self.destructive or self.destructive_when is not None

    def is_destructive_call(self, params: BaseModel) -> bool:
        """True when this call, with these validated ``params``, deletes or overwrites beyond recovery."""
        return self.destructive or (self.destructive_when is not None and bool(self.destructive_when(params)))

    @property
    def is_composite(self) -> bool:
        """True for actions implemented in Python rather than by one Nimble endpoint."""
        return self.handler is not None or self.async_handler is not None

    def parameters_json_schema(self) -> dict[str, Any]:
        """The JSON schema of the arguments, as pydantic generates it."""
        return self.params.model_json_schema()

    def validate_arguments(self, arguments: Mapping[str, Any] | BaseModel | None) -> BaseModel:
        """Validate raw arguments into the params model, or raise :class:`InvalidArgumentsError`."""
        if isinstance(arguments, self.params):
            return arguments
        if isinstance(arguments, BaseModel):
            arguments = arguments.model_dump(exclude_unset=True)
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, Mapping):
            raise InvalidArgumentsError(
                self.name, [("arguments", f"expected a JSON object, got {type(arguments).__name__}")]
            )
        check_argument_values(self.name, arguments)
        try:
            return self.params.model_validate(dict(arguments))
        except ValidationError as exc:
            raise InvalidArgumentsError(self.name, _describe(exc)) from None

    def build_request(self, params: BaseModel) -> RequestSpec:
        """Turn validated params into a request (path checked and encoded)."""
        if self.encode is not None:
            return self.encode(self, params)
        return default_encode(self, params)


def params_reference(operation: Operation) -> str | None:
    """The ``"package.module:Class"`` an operation names its model by (imported or not), or None."""
    return _PARAMS.reference(operation)


def with_changes(operation: Operation, **changes: Any) -> Operation:
    """``dataclasses.replace`` that leaves a params model named by reference unimported."""
    values = {f.name: getattr(operation, f.name) for f in fields(operation) if f.init and f.name != "params"}
    values["params"] = _PARAMS.reference(operation) or _PARAMS.source(operation)  # the copy keeps the name
    return type(operation)(**(values | changes))


def default_encode(operation: Operation, params: BaseModel) -> RequestSpec:
    """The default wire rule described in the module docstring."""
    in_path = set(path_fields(operation.path))
    id_fields = frozenset(name for name in in_path if _is_id_field(params, name))
    path_values: dict[str, object] = {}
    query: dict[str, str] = {}
    body: dict[str, Any] = {}
    body_location = operation.method not in ("GET", "DELETE")
    dumped = params.model_dump(mode="json", exclude_none=True)
    for name, info in type(params).model_fields.items():
        if name not in dumped:
            continue
        value = dumped[name]
        wire = info.serialization_alias or name
        location = next((m for m in info.metadata if isinstance(m, Location)), None)
        if name in in_path:
            path_values[name] = value
        elif location is CONTROL:
            continue
        elif location is QUERY or (location is None and not body_location):
            if value == []:  # an empty list in a query string would read as one empty value
                continue
            query[wire] = query_value(value)
        else:
            body[wire] = value
    path = render_path(operation.name, operation.path, path_values, id_fields)
    return RequestSpec(operation.method, path, query, body if (body or body_location) else None)


def query_value(value: Any) -> str:
    """Encode one value for a query string: booleans as true/false, lists comma-joined."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(query_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _is_id_field(params: BaseModel, name: str) -> bool:
    info = type(params).model_fields[name]
    return any(getattr(m, "pattern", None) == NIMBLE_ID_PATTERN for m in info.metadata)


def _describe(exc: ValidationError) -> list[tuple[str, str]]:
    """Per-field messages that name the field and say what to send instead."""
    problems: list[tuple[str, str]] = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"]) or "arguments"
        kind = error["type"]
        if kind == "missing":
            message = "required, but missing"
        elif kind == "extra_forbidden":
            message = "unknown field; remove it (check the tool's parameter names)"
        elif kind == "string_pattern_mismatch" and NIMBLE_ID_PATTERN in str(error.get("ctx", {})):
            message = f"{_short(error.get('input'))} is not a Nimble id (24 hexadecimal characters)"
        else:
            message = f"{error['msg']} (got {_short(error.get('input'))})"
        problems.append((location, message))
    return problems


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
