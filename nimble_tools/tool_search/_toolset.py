"""``ToolSearchToolset``: the two meta-tools as a toolset, searching and calling within a scope."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from typing_extensions import override

from .._errors import UsageError
from .._view import ViewEntry
from ..toolsets import Toolset, everything
from . import CALL_TOOL, SEARCH_TOOL

if TYPE_CHECKING:
    from .._registry import OperationRegistry

__all__ = ["ToolSearchToolset", "tool_search_toolset"]


@dataclass(frozen=True)
class ToolSearchToolset(Toolset):
    """The two meta-tools, searching and calling within ``scope``.

    ``call_nimble_tool`` is marked read-only when every tool in scope is, and destructive when any is,
    so hosts that gate on those hints (MCP annotations, approval policies) see the truth.
    """

    scope: Toolset

    @override
    def entries(self, registry: OperationRegistry) -> dict[str, ViewEntry]:
        missing = [n for n in (SEARCH_TOOL, CALL_TOOL) if n not in registry]
        if missing:
            raise UsageError(
                f"The tool-search operations {missing} are not registered; was the plugin "
                "'nimble_tools.tool_search' unregistered?"
            )
        scoped = [e.operation for e in self.scope.entries(registry).values()]
        call = replace(
            registry[CALL_TOOL],
            read_only=bool(scoped) and all(op.read_only for op in scoped),
            destructive=any(op.may_destroy for op in scoped),
            idempotent=bool(scoped) and all(op.idempotent for op in scoped),
        )
        return {
            SEARCH_TOOL: ViewEntry(registry[SEARCH_TOOL], SEARCH_TOOL, self.scope),
            CALL_TOOL: ViewEntry(call, CALL_TOOL, self.scope),
        }

    @property
    @override
    def label(self) -> str:
        return f"tool_search({self.scope.label})"


def tool_search_toolset(scope: Toolset | None = None) -> ToolSearchToolset:
    """The meta-tool pair over ``scope`` (default: every operation); see :func:`toolsets.tool_search`."""
    return ToolSearchToolset(scope if scope is not None else everything())
