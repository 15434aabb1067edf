"""Helpers for adapter plugins: the view an adapter emits, and how a result or a failure reads.

An adapter renders tools and results; everything else belongs to the view it emits
(:class:`~nimble_tools.toolsets.ToolView`), whose :meth:`~nimble_tools.toolsets.ToolView.run` is the
one model-facing call path. A new target needs three steps::

    view = select_tools(toolkit, tools, names, confirm_destructive=..., approve=..., target="mine")
    for name, operation in view.items():                      # render each tool
        schema = view.model_params(name).model_json_schema()  # confirm_token included where checked
    result = view.run(name, model_arguments, account=account)  # on each call; render result or error

Nothing here imports an agent framework.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ._errors import InvalidArgumentsError, UsageError
from ._names import close_names
from ._operation import Operation, _describe
from ._published_schema import lean_schema, published_model_schema, published_schema
from ._result import Result
from ._view import META_TAG, ToolView, ViewEntry
from .approval import Approval, check_approval
from .confirmation import CONFIRM_TOKEN
from .toolsets import Toolset, ToolsetLike, everything, resolve

if TYPE_CHECKING:
    from ._toolkit import NimbleToolkit

__all__ = [
    "COMMON_OPTIONS",
    "CONFIRM_TOKEN",
    "ENVELOPE_JSON_SCHEMA",
    "LazyImplementation",
    "artifact_of",
    "check_options",
    "close_names",
    "content_of",
    "hidden_by",
    "invalid_arguments",
    "json_copy",
    "lean_schema",
    "missing_framework",
    "operation_metadata",
    "published_model_schema",
    "published_schema",
    "select_tools",
    "structured_of",
]

COMMON_OPTIONS = ("tools", "names", "account", "approve", "confirm_destructive")
"""The ``emit`` options every adapter takes."""

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


def missing_framework(module: str, extra: str) -> str | None:
    """The command that installs a target's framework when ``module`` cannot be imported, else None.

    For ``register_targets``: ``register(name, description, missing=missing_framework("mcp", "mcp"))``.
    """
    import importlib.util

    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    return None if found else f"pip install 'nimble-tools[{extra}]'"


class LazyImplementation:
    """An adapter's implementation module, imported on first use, so the plugin loads without its framework.

    ::

        _implementation = LazyImplementation(__name__, "_server", "The MCP target", "the mcp SDK", "mcp")
        __getattr__ = _implementation.attributes({"NimbleMCPServer", "mcp_server"})

    Adapters that need no framework use it too (``LazyImplementation(__name__, "_build")``): every
    registry loads each adapter's entry point, and only a program that emits needs its implementation.
    """

    def __init__(
        self, package: str, module: str, target: str = "", framework: str | None = None, extra: str | None = None
    ) -> None:
        self._name = f"{package}.{module}"
        self._package = package
        self._needs = f"{target} needs {framework}"
        self._extra = extra

    def __call__(self) -> Any:
        """The implementation module; a :class:`UsageError` saying what to install when it cannot load.

        Without an ``extra`` (an implementation that needs no framework of its own, only deferred
        to keep the registry's start-up light) an import error is raised as it is.
        """
        import importlib

        if self._extra is None:
            return importlib.import_module(self._name)
        try:
            return importlib.import_module(self._name)
        except ImportError as exc:
            raise UsageError(
                f"{self._needs} ({exc.name} is missing): pip install 'nimble-tools[{self._extra}]'."
            ) from exc

    def attributes(self, names: Iterable[str]) -> Callable[[str], Any]:
        """A module ``__getattr__`` that serves ``names`` from the implementation."""
        lazy = frozenset(names)

        def module_getattr(name: str) -> Any:
            if name in lazy:
                return getattr(self(), name)
            raise AttributeError(f"module {self._package!r} has no attribute {name!r}")

        return module_getattr


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
    toolkit: NimbleToolkit,
    tools: ToolsetLike | ToolView = None,
    names: Iterable[str] | None = None,
    *,
    confirm_destructive: bool = True,
    approve: Approval = None,
    target: str = "adapter",
    mechanisms: Iterable[str] = (),
) -> ToolView:
    """The tools an adapter emits: a view of ``toolkit`` (see :mod:`nimble_tools.toolsets`).

    Adapters list ``view.items()`` (operations with the names the model sees), render each with
    ``view.model_params(name)``, and run every call with ``view.run``/``view.arun``.

    Args:
        toolkit: the toolkit.
        tools: a toolset, a list of names, or None for every offered operation.
        names: the older spelling of ``tools=[...]``.
        confirm_destructive: destructive calls wait for confirmation (the default).
        approve: who confirms them (see :mod:`nimble_tools.approval`).
        target: the adapter's target, for error messages.
        mechanisms: the host mechanisms (``"interrupt"``, ``"elicit"``) this adapter resolves.

    An operation a plugin hides (see :func:`hidden_by`) is left out, or refused when named.

    Raises:
        UsageError: for both options at once, a plain string, an unknown operation name, a named
            operation a plugin hides, or an ``approve`` value the adapter cannot use.
    """
    check_approval(target, approve, mechanisms)
    if names is not None:
        if tools is not None:
            raise UsageError("Pass tools=... or names=..., not both (names=[...] is the same as tools=[...]).")
        if isinstance(names, str):
            raise UsageError(f"names must be a list of operation names, not the string {names!r}.")
        tools = list(names)
    view = resolve(toolkit, tools)
    if toolkit.plugins.hook.offer_operation.get_hookimpls():
        view = _offered(toolkit, view, named=tools is not None and not isinstance(tools, Toolset | ToolView))
    return view.with_safety(confirm_destructive=confirm_destructive, approve=approve, target=target)


def _offered(toolkit: NimbleToolkit, view: ToolView, *, named: bool) -> ToolView:
    # A policy plugin may hide operations (the read-only policy hides every write): a recipe drops
    # them, a list that names one is refused. The tool-search pair stays, searching and calling
    # within the offered tools only.
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


def json_copy(document: Any) -> Any:
    """A copy of a JSON document (a schema an adapter made once and hands out to each emit)."""
    return json.loads(json.dumps(document))


def content_of(result: Result) -> str:
    """The compact text a model reads: the envelope ``{"result": ..., "next_cursor": ...}`` as JSON."""
    return result.to_json()


def structured_of(result: Result, text: str | None = None) -> dict[str, Any]:
    """The envelope as plain JSON data (whatever Nimble sent, bytes included, becomes JSON-safe).

    ``text``: the envelope's JSON when the adapter made it already (:func:`content_of`), read back
    instead of made twice.
    """
    data: dict[str, Any] = json.loads(text if text is not None else result.to_json())
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
        "destructive": operation.may_destroy,
        "idempotent": operation.idempotent,
        "composite": operation.is_composite,
        "paged": operation.paging is not None,
        "plugin": operation.plugin,
    }
