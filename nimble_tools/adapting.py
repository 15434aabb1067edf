"""Helpers for adapter plugins: options, operation selection, and what a model sees.

Every built-in adapter (LangChain, OpenAI, callables, MCP) uses these, and so can a third party's:
they keep the four targets consistent about which operations are emitted, how a result reads to a
model, and how a failure is reported. Nothing here imports an agent framework.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, ValidationError, create_model

from ._envelope import Result
from ._errors import InvalidArgumentsError, UnknownOperationError, UsageError
from ._lean import lean_schema, published_schema
from ._limits import check_argument_values
from ._operation import Operation, _describe
from .toolsets import META_TAG, Toolset, ToolsetLike, ToolView, ViewEntry, everything, resolve

if TYPE_CHECKING:
    from ._toolkit import NimbleToolkit

__all__ = [
    "CONFIRM_TOKEN",
    "ENVELOPE_JSON_SCHEMA",
    "artifact_of",
    "check_options",
    "content_of",
    "hidden_by",
    "invalid_arguments",
    "lean_schema",
    "model_params",
    "operation_metadata",
    "published_schema",
    "select_operations",
    "select_tools",
    "split_options",
    "structured_of",
]

CONFIRM_TOKEN = "confirm_token"
"""The argument through which a model confirms a destructive call (see ``nimble_tools.policies``)."""
_MAX_TOKEN = 256
CONFIRM_TOKEN_HELP = "Token from a needs-confirmation answer, once the user agreed; else null."

ENVELOPE_JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "result": {"description": "The data: a list of items for list tools, the record or answer otherwise."},
        "next_cursor": {
            "type": ["string", "null"],
            "description": "Pass it back as next_cursor for the next page; null at the end.",
        },
        "truncated": {
            "type": "boolean",
            "description": "Present and true when an item budget stopped paging early; next_cursor continues.",
        },
    },
    "required": ["result", "next_cursor"],
    "additionalProperties": False,
}
"""JSON schema of the envelope every tool returns (used as MCP ``outputSchema``)."""


def check_options(target: str, options: Mapping[str, Any], accepted: Iterable[str]) -> None:
    """Refuse options an adapter does not know, naming the accepted ones.

    Raises:
        UsageError: when ``options`` has a key outside ``accepted``.
    """
    allowed = sorted(accepted)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise UsageError(
            f"emit({target!r}) got unknown option(s) {', '.join(unknown)}; it accepts: {', '.join(allowed) or 'none'}."
        )


def select_operations(toolkit: NimbleToolkit, names: Iterable[str] | None = None) -> list[Operation]:
    """The operations to emit: all offered ones in registry order, or the named ones in the given order.

    An operation a plugin hides (``offer_operation`` returning False, as the read-only policy does
    for every write) is left out of "all", and refused when named.

    Raises:
        UsageError: when ``names`` is a plain string, names an unknown operation, or names one a
            plugin hides.
    """
    registry = toolkit.operations
    if names is None:
        return [operation for operation in registry.values() if not hidden_by(toolkit, operation)]
    if isinstance(names, str):
        raise UsageError(f"names must be a list of operation names, not the string {names!r}.")
    chosen: list[Operation] = []
    for name in dict.fromkeys(names):
        try:
            operation = registry[name]
        except UnknownOperationError as exc:
            raise UsageError(f"Cannot emit unknown operation {name!r}. {exc.message}") from None
        _refuse_hidden(toolkit, name, operation)
        chosen.append(operation)
    return chosen


def hidden_by(toolkit: NimbleToolkit, operation: Operation) -> list[str]:
    """The names of the plugins that hide ``operation`` from models (empty: it is offered)."""
    hook = toolkit.plugins.hook.offer_operation
    return [impl.plugin_name for impl in hook.get_hookimpls() if impl.function(operation=operation) is False]


def _refuse_hidden(toolkit: NimbleToolkit, name: str, operation: Operation) -> None:
    hiders = hidden_by(toolkit, operation)
    if hiders:
        raise UsageError(
            f"Cannot emit {name!r}: plugin {', '.join(map(repr, hiders))} hides it from models (the "
            "read-only policy hides every write). Leave it out of the tools, or unregister that plugin."
        )


def select_tools(
    toolkit: NimbleToolkit, tools: ToolsetLike | ToolView = None, names: Iterable[str] | None = None
) -> ToolView:
    """The tools an adapter emits: a view of ``toolkit`` (see :mod:`nimble_tools.toolsets`).

    Adapters list ``view.values()`` (operations with the names the model sees) and run every call
    with ``view.call``/``view.acall``, which route to the registered operation through
    ``toolkit.call``. ``names=[...]`` is the older spelling of ``tools=[...]``.

    An operation a plugin hides (see :func:`hidden_by`) is left out, or refused when named.

    Raises:
        UsageError: for both options at once, a plain string, an unknown operation name, or a
            named operation a plugin hides.
    """
    if names is not None:
        if tools is not None:
            raise UsageError("Pass tools=... or names=..., not both (names=[...] is the same as tools=[...]).")
        if isinstance(names, str):
            raise UsageError(f"names must be a list of operation names, not the string {names!r}.")
        tools = list(names)
    view = resolve(toolkit, tools)
    if not toolkit.plugins.hook.offer_operation.get_hookimpls():
        return view
    # A policy plugin may hide operations (the read-only policy hides every write): a recipe drops
    # them, a list that names one is refused. The tool-search pair stays, searching and calling
    # within the offered tools only.
    named = tools is not None and not isinstance(tools, Toolset | ToolView)
    offered: dict[str, ViewEntry] = {}
    for name in view:
        entry = view.entry(name)
        if META_TAG in entry.operation.tags:
            scope = (entry.scope or everything()).filtered(lambda op: not hidden_by(toolkit, op), "offered")
            offered[name] = replace(entry, scope=scope)
            continue
        operation = toolkit.operations[entry.origin]
        if named:
            _refuse_hidden(toolkit, name, operation)
        elif hidden_by(toolkit, operation):
            continue
        offered[name] = entry
    return ToolView(toolkit, offered)


def model_params(operation: Operation, *, confirm_token: bool = True) -> type[BaseModel]:
    """The parameters a model sees: the operation's own, plus ``confirm_token`` if it is destructive.

    A confirmation policy holds destructive calls back until they are repeated with a token; the model
    can only repeat a call through its arguments, so destructive tools offer that one extra argument.
    :func:`split_options` takes it out again before the call. An adapter whose application approves
    held calls itself (see :mod:`nimble_tools.approval`) passes ``confirm_token=False``: the model
    then never handles tokens.
    """
    return _with_confirm_token(operation.params) if operation.destructive and confirm_token else operation.params


@functools.cache
def _with_confirm_token(params: type[BaseModel]) -> type[BaseModel]:
    if CONFIRM_TOKEN in params.model_fields:
        return params
    extended: type[BaseModel] = create_model(
        params.__name__,
        __base__=params,
        __module__=params.__module__,
        confirm_token=(str | None, Field(default=None, description=CONFIRM_TOKEN_HELP)),
    )
    return extended


def split_options(operation: Operation, arguments: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Separate a model's arguments into the operation's own and the call options (``confirm_token``).

    Raises:
        InvalidArgumentsError: when ``confirm_token`` is not a plain string of at most 256 characters.
    """
    remaining = dict(arguments)
    if not operation.destructive or CONFIRM_TOKEN in operation.params.model_fields:
        return remaining, {}
    token = remaining.pop(CONFIRM_TOKEN, None)
    if token is not None and (not isinstance(token, str) or len(token) > _MAX_TOKEN):
        got = f"{len(token)} characters" if isinstance(token, str) else type(token).__name__
        raise InvalidArgumentsError(
            operation.name, [(CONFIRM_TOKEN, f"expected the token a confirmation answer gave, got {got}")]
        )
    if token:
        check_argument_values(operation.name, {CONFIRM_TOKEN: token})
    return remaining, ({CONFIRM_TOKEN: token} if token else {})


def content_of(result: Result) -> str:
    """The compact text a model reads: the envelope ``{"result": ..., "next_cursor": ...}`` as JSON."""
    return result.to_json()


def structured_of(result: Result) -> dict[str, Any]:
    """The envelope as plain JSON data (whatever Nimble sent, bytes included, becomes JSON-safe)."""
    data: dict[str, Any] = json.loads(result.to_json())
    return data


def artifact_of(result: Result) -> dict[str, Any]:
    """The full envelope for the application: ``result``, ``next_cursor`` and Nimble's ``raw`` body."""
    return {"result": result.result, "next_cursor": result.next_cursor, "raw": result.raw}


def invalid_arguments(tool: str, error: ValidationError) -> InvalidArgumentsError:
    """The toolkit's own error for a pydantic validation failure, naming the tool and each field."""
    return InvalidArgumentsError(tool, _describe(error))


def operation_metadata(operation: Operation) -> dict[str, Any]:
    """Framework-neutral facts about an operation, for tool metadata and tags."""
    return {
        "nimble_operation": operation.name,
        "resource": operation.resource,
        "method": operation.method,
        "path": operation.path or None,
        "read_only": operation.read_only,
        "destructive": operation.destructive,
        "idempotent": operation.idempotent,
        "composite": operation.is_composite,
        "paged": operation.paging is not None,
        "plugin": operation.plugin,
    }
