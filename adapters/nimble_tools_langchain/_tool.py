"""``NimbleTool``: one operation as a LangChain ``BaseTool``.

The tool's ``args_schema`` is the operation's own pydantic model, so LangChain validates arguments
and every framework that reads ``tool_call_schema`` sees the real field types and descriptions. Runs
go through ``toolkit.call``/``toolkit.acall``. The result is ``content_and_artifact``: the compact
envelope JSON for the model, the full envelope (with Nimble's raw body) as the artifact. Bad
arguments and Nimble errors come back as a ``ToolMessage`` with ``status="error"`` and a message the
model can act on, so they never break an agent loop.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, ToolException
from pydantic import PrivateAttr, ValidationError

from nimble_tools import NimbleToolkit, NimbleToolsError, Operation
from nimble_tools.adapting import (
    artifact_of,
    content_of,
    invalid_arguments,
    model_params,
    operation_metadata,
    select_tools,
    split_options,
)
from nimble_tools.toolsets import ToolsetLike, ToolView, resolve

__all__ = ["ACCOUNT_KEY", "NimbleTool", "langchain_tools"]

ACCOUNT_KEY = "nimble_account"
"""Key in ``config["configurable"]`` naming the connected account a run calls Nimble for."""


class NimbleTool(BaseTool):
    """A LangChain tool that runs one Nimble operation through the toolkit's call path.

    The Nimble account is never a model-visible argument: it is ``config["configurable"]["nimble_account"]``
    of the run, or else the tool's ``account``.
    """

    account: str | None = None
    """The connected account used when the run's config names none."""
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"

    # Private attributes: pydantic neither validates nor serialises them (the toolkit holds clients).
    _toolkit: NimbleToolkit = PrivateAttr()
    _operation: Operation = PrivateAttr()
    _view: ToolView = PrivateAttr()

    @property
    def toolkit(self) -> NimbleToolkit:
        """The toolkit every call goes through."""
        return self._toolkit

    @property
    def operation(self) -> Operation:
        """The operation this tool runs."""
        return self._operation

    @classmethod
    def from_operation(
        cls,
        toolkit: NimbleToolkit,
        operation: Operation,
        *,
        account: str | None = None,
        view: ToolView | None = None,
    ) -> NimbleTool:
        """The tool for ``operation`` (name, description, schema and flags taken from it).

        ``view`` is the toolset view that exposes ``operation`` (its calls route through it); by
        default ``operation`` is a registered operation, called by its own name.
        """
        metadata = operation_metadata(operation)
        tags = ["nimble", f"resource:{operation.resource}", "read_only" if operation.read_only else "write"]
        if operation.destructive:
            tags.append("destructive")
        if operation.idempotent:
            tags.append("idempotent")
        tool = cls(
            name=operation.name,
            description=operation.description,
            args_schema=model_params(operation),
            account=account,
            metadata=metadata,
            tags=tags,
            handle_tool_error=True,
            handle_validation_error=functools.partial(_validation_message, operation.name),
        )
        tool._toolkit = toolkit
        tool._operation = operation
        tool._view = view if view is not None else resolve(toolkit, [operation.name])
        return tool

    def _account(self, config: RunnableConfig | None) -> str | None:
        configurable = (config or {}).get("configurable") or {}
        chosen = configurable.get(ACCOUNT_KEY)
        return str(chosen) if chosen is not None else self.account

    def _run(
        self,
        config: RunnableConfig,
        run_manager: CallbackManagerForToolRun | None = None,
        **arguments: Any,
    ) -> tuple[str, dict[str, Any]]:
        arguments, options = split_options(self.operation, arguments)
        try:
            result = self._view.call(self.name, arguments, account=self._account(config), **options)
        except NimbleToolsError as error:
            raise ToolException(error.for_model()) from error
        return content_of(result), artifact_of(result)

    async def _arun(
        self,
        config: RunnableConfig,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
        **arguments: Any,
    ) -> tuple[str, dict[str, Any]]:
        arguments, options = split_options(self.operation, arguments)
        try:
            result = await self._view.acall(self.name, arguments, account=self._account(config), **options)
        except NimbleToolsError as error:
            raise ToolException(error.for_model()) from error
        return content_of(result), artifact_of(result)


def _validation_message(tool: str, error: ValidationError) -> str:
    return invalid_arguments(tool, error).for_model()


def langchain_tools(
    toolkit: NimbleToolkit,
    *,
    tools: ToolsetLike | ToolView = None,
    names: Iterable[str] | None = None,
    account: str | None = None,
) -> list[NimbleTool]:
    """The LangChain tools of ``toolkit`` (what ``toolkit.emit("langchain", ...)`` returns).

    Args:
        toolkit: the toolkit whose operations become tools.
        tools: a toolset view or a list of names (default: every operation, in registry order);
            ``toolsets.tool_search()`` gives the two search-and-call meta-tools instead.
        names: only these operations (the older spelling of ``tools=[...]``).
        account: the connected account to use when a run's config names none.
    """
    view = select_tools(toolkit, tools, names)
    return [NimbleTool.from_operation(toolkit, op, account=account, view=view) for op in view.values()]
