"""Tool search: two meta-tools that stand in for the whole catalog in a model's context.

Instead of ninety tool definitions, an agent gets two::

    search_nimble_tools(query="log a call with Jane")   -> the best few tools, with argument schemas
    call_nimble_tool(name="create_a_nimble_contact_note", arguments={...})  -> that tool's result

They are ordinary operations registered by this built-in plugin, so every adapter emits them like
any other (``toolkit.emit("openai", tools=toolsets.tool_search())``), and ``call_nimble_tool`` runs
the chosen tool through the same call path: validation, policies, retries, envelope. Both act
within a scope, the view they were emitted with (default: every operation but themselves), so a
read-only scope gives a read-only agent.

Ranking (:mod:`nimble_tools.tool_search._ranking`) adds three scores: BM25 over each tool's words
with a synonym table; the structure of the request (what it acts on, the verb, the ids it pastes)
against each tool's endpoint; and, with the ``semantic`` extra, a small embedding model, asked only
when the first two leave the top tools close. Each card says when to use its tool rather than its
nearest neighbour (:mod:`nimble_tools.tool_search._cards`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, field_validator

from .._errors import InvalidArgumentsError
from .._limits import parse_json
from .._operation import Operation, Params
from .._result import Result
from .._view import APPROVE_OPTION, META_TAG, SCOPE_OPTION, TOKEN_OPTION, VIEW_DEFAULT, ToolView
from ..confirmation import CONFIRM_TOKEN
from ..hookspecs import hookimpl

if TYPE_CHECKING:
    from .._toolkit import CallContext
    from ._evaluate import Accuracy, LabelledRequest, evaluate
    from ._toolset import ToolSearchToolset, tool_search_toolset

__all__ = [
    "CALL_TOOL",
    "SEARCH_TOOL",
    "Accuracy",
    "Hit",
    "LabelledRequest",
    "ToolSearchToolset",
    "evaluate",
    "register_operations",
    "search",
    "tool_card",
    "tool_search_toolset",
]

SEARCH_TOOL = "search_nimble_tools"
CALL_TOOL = "call_nimble_tool"
DEFAULT_LIMIT = 5

# The ranking engine, its evaluation and the toolset load on first use: registering the two
# meta-tools (every registry does) then costs their two small models, not the engine's tables.
_LAZY = {
    "Accuracy": "._evaluate",
    "LabelledRequest": "._evaluate",
    "evaluate": "._evaluate",
    "ToolSearchToolset": "._toolset",
    "tool_search_toolset": "._toolset",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class SearchToolsParams(Params):
    """Arguments of ``search_nimble_tools``."""

    query: str = Field(
        min_length=1,
        max_length=500,
        description="The task in plain words, e.g. 'log a call with Jane' or 'move the Acme deal to won'.",
    )
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=10, description="How many tools to return (1-10).")


class CallToolParams(Params):
    """Arguments of ``call_nimble_tool``."""

    name: str = Field(min_length=1, max_length=64, description="Exact tool name from search_nimble_tools.")
    arguments: dict[str, Any] = Field(
        default_factory=dict, description="The tool's arguments: an object matching its parameters schema."
    )

    @field_validator("arguments", mode="before")
    @classmethod
    def _json_text(cls, value: Any) -> Any:
        # Some models send the arguments object as JSON text; accept it rather than fail the call,
        # within the same limits as any argument text.
        if isinstance(value, str):
            return parse_json(CALL_TOOL, value, "arguments") if value.strip() else {}
        return value


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: the tool's exposed name, its score and the operation."""

    name: str
    score: float
    operation: Operation


def _searchable(view: ToolView) -> tuple[list[str], tuple[Operation, ...]]:
    names = [n for n, op in view.items() if META_TAG not in op.tags]
    return names, tuple(view[n] for n in names)


def search(view: ToolView, query: str, limit: int = DEFAULT_LIMIT) -> list[Hit]:
    """The ``limit`` tools of ``view`` that best match ``query``, best first (meta-tools excluded)."""
    return _ranked(*_searchable(view), query, limit)


def _ranked(names: list[str], operations: tuple[Operation, ...], query: str, limit: int) -> list[Hit]:
    from ._ranking import ranker
    from ._semantic import available as semantic_available

    if not operations:
        return []
    scores = ranker(operations, semantic_available())(query)
    order = sorted(range(len(names)), key=lambda i: -scores[i])
    return [Hit(names[i], scores[i], operations[i]) for i in order[:limit] if scores[i] > 0]


def tool_card(operation: Operation, params: type[BaseModel] | None = None, when: str | None = None) -> dict[str, Any]:
    """What the model reads about a found tool: name, description, when to use it, argument schema.

    ``params`` is the model the tool is offered with, when it differs from the operation's own
    (``confirm_token`` added where the view checks one). ``when`` says when to use the tool rather
    than its nearest neighbour (see :func:`._cards.choice_lines`).
    """
    from ._cards import card_parameters

    card: dict[str, Any] = {"name": operation.name, "description": operation.description}
    if when:
        card["when_to_use"] = when
    card["parameters"] = card_parameters(params or operation.params)
    return card


def _scope(context: CallContext) -> ToolView:
    from ..toolsets import everything

    scope = context.options.get(SCOPE_OPTION)
    return scope if isinstance(scope, ToolView) else everything().bind(context.toolkit)


def _search(context: CallContext, params: SearchToolsParams) -> Result:
    from ._cards import choice_lines

    scope = _scope(context)
    names, operations = _searchable(scope)
    hits = _ranked(names, operations, params.query, params.limit)
    lines = choice_lines(operations)
    return Result([tool_card(hit.operation, scope.model_params(hit.name), lines.get(hit.name)) for hit in hits], None)


def _target(context: CallContext, params: CallToolParams) -> ToolView:
    scope = _scope(context)
    if params.name not in scope or META_TAG in scope[params.name].tags:
        hits = search(scope, params.name.replace("_", " "), 3)
        hint = f" Close matches: {', '.join(h.name for h in hits)}." if hits else ""
        raise InvalidArgumentsError(
            CALL_TOOL,
            [("name", f"no tool named {params.name!r} is available here.{hint} Find tools with {SEARCH_TOOL}")],
        )
    return scope


def _arguments(scope: ToolView, context: CallContext, params: CallToolParams) -> dict[str, Any]:
    """The chosen tool's arguments, with the confirm token the model gave call_nimble_tool itself."""
    token = context.options.get(TOKEN_OPTION)
    if token and CONFIRM_TOKEN not in params.arguments and scope.offers_confirm_token(params.name):
        return {**params.arguments, CONFIRM_TOKEN: token}
    return params.arguments


# The chosen tool runs as the model's own call: through ToolView.run, with its confirmation.
def _call(context: CallContext, params: CallToolParams) -> Result:
    approve = context.options.get(APPROVE_OPTION, VIEW_DEFAULT)
    scope = _target(context, params)
    return scope.run(params.name, _arguments(scope, context, params), account=context.account, approve=approve)


async def _acall(context: CallContext, params: CallToolParams) -> Result:
    approve = context.options.get(APPROVE_OPTION, VIEW_DEFAULT)
    scope = _target(context, params)
    arguments = _arguments(scope, context, params)
    return await scope.arun(params.name, arguments, account=context.account, approve=approve)


SEARCH_OPERATION = Operation(
    name=SEARCH_TOOL,
    description=(
        "Find the Nimble CRM tools (contacts, notes, deals, pipelines, fields, drafts...) for a task in plain "
        f"words. Returns the best matches with their parameter schemas; run one with {CALL_TOOL}."
    ),
    params=SearchToolsParams,
    resource="tools",
    read_only=True,
    idempotent=True,
    handler=_search,
    tags=(META_TAG,),
)
CALL_OPERATION = Operation(
    name=CALL_TOOL,
    description=(
        f"Run a Nimble CRM tool found with {SEARCH_TOOL}: its exact name and its arguments as an object "
        "matching its parameters schema. Returns that tool's result."
    ),
    params=CallToolParams,
    resource="tools",
    handler=_call,
    async_handler=_acall,
    tags=(META_TAG,),
)


@hookimpl
def register_operations(register: Callable[[Operation], None]) -> None:
    """Register ``search_nimble_tools`` and ``call_nimble_tool``."""
    register(SEARCH_OPERATION)
    register(CALL_OPERATION)
