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
import typing
from collections.abc import Iterable
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, ToolException
from langchain_core.tools.base import FILTERED_ARGS
from pydantic import BaseModel, PrivateAttr, ValidationError

from nimble_tools import NimbleToolkit, NimbleToolsError, Operation, UsageError
from nimble_tools.adapting import (
    artifact_of,
    content_of,
    invalid_arguments,
    model_params,
    operation_metadata,
    select_tools,
    split_options,
)
from nimble_tools.approval import (
    ApprovalRequest,
    Approver,
    acall_with_approval,
    call_with_approval,
    is_approval,
)
from nimble_tools.toolsets import ToolsetLike, ToolView, resolve

__all__ = ["ACCOUNT_KEY", "INTERRUPT", "Approval", "NimbleTool", "langchain_tools"]

ACCOUNT_KEY = "nimble_account"
"""Key in ``config["configurable"]`` naming the connected account a run calls Nimble for."""
INTERRUPT = "interrupt"
"""``approve="interrupt"``: held calls pause the LangGraph run with ``interrupt()`` until a person answers."""

Approval = Approver | Literal["interrupt"] | None


class NimbleTool(BaseTool):
    """A LangChain tool that runs one Nimble operation through the toolkit's call path.

    The Nimble account is never a model-visible argument: it is ``config["configurable"]["nimble_account"]``
    of the run, or else the tool's ``account``.
    """

    account: str | None = None
    """The connected account used when the run's config names none."""
    approve: Any = None
    """Who approves calls a confirmation policy holds: None (the model repeats them with
    ``confirm_token``), ``"interrupt"`` (a LangGraph interrupt asks a person) or a function."""
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
        approve: Approval = None,
    ) -> NimbleTool:
        """The tool for ``operation`` (name, description, schema and flags taken from it).

        ``view`` is the toolset view that exposes ``operation`` (its calls route through it); by
        default ``operation`` is a registered operation, called by its own name. ``approve``: see
        :func:`langchain_tools`.
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
            args_schema=model_params(operation, confirm_token=approve is None),
            account=account,
            approve=approve,
            metadata=metadata,
            tags=tags,
            handle_tool_error=True,
            handle_validation_error=functools.partial(_validation_message, operation.name),
        )
        tool._toolkit = toolkit
        tool._operation = operation
        tool._view = view if view is not None else resolve(toolkit, [operation.name])
        return tool

    def _to_args_and_kwargs(self, tool_input: str | dict[str, Any], tool_call_id: str | None) -> tuple[Any, Any]:
        # langchain-core skips validation for a schema without fields, silently dropping whatever the
        # model sent: validate every dict, so an unknown argument is refused as for any other tool.
        if isinstance(tool_input, dict):
            return (), self._parse_input(tool_input, tool_call_id)
        return super()._to_args_and_kwargs(tool_input, tool_call_id)

    def _parse_input(self, tool_input: str | dict[str, Any], tool_call_id: str | None) -> str | dict[str, Any]:
        schema = self.args_schema
        if not isinstance(tool_input, dict) or not (isinstance(schema, type) and issubclass(schema, BaseModel)):
            return super()._parse_input(tool_input, tool_call_id)
        # The schema is the operation's own model: no injected arguments (tool call id, runtime) to
        # look for. And langchain-core would fill in every default, while the operation must see only
        # what the model sent, since its rules tell "left out" from "given" (a null currency on a text
        # field is refused): validate, then pass on the given fields only.
        validated = schema.model_validate(tool_input)
        fields = schema.model_fields
        return {
            name: getattr(validated, name)
            for name, info in fields.items()
            if name in tool_input or (info.alias is not None and info.alias in tool_input)
        }

    def _filter_injected_args(self, tool_input: dict[str, Any]) -> dict[str, Any]:
        # What callbacks see as the input. The schema is the operation's own model, with no injected
        # arguments to look for (langchain-core would inspect its annotations on every call).
        return {key: value for key, value in tool_input.items() if key not in FILTERED_ARGS}

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
        account = self._account(config)
        try:
            arguments, options = split_options(self.operation, arguments)
            approver = self._approver()
            if approver is None:
                result = self._view.call(self.name, arguments, account=account, **options)
            else:
                result = call_with_approval(self._view, self.name, arguments, approver, account=account, **options)
        except NimbleToolsError as error:
            raise ToolException(error.for_model()) from error
        return content_of(result), artifact_of(result)

    async def _arun(
        self,
        config: RunnableConfig,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
        **arguments: Any,
    ) -> tuple[str, dict[str, Any]]:
        account = self._account(config)
        try:
            arguments, options = split_options(self.operation, arguments)
            approver = self._approver()
            if approver is None:
                result = await self._view.acall(self.name, arguments, account=account, **options)
            else:
                result = await acall_with_approval(
                    self._view, self.name, arguments, approver, account=account, **options
                )
        except NimbleToolsError as error:
            raise ToolException(error.for_model()) from error
        return content_of(result), artifact_of(result)

    def _approver(self) -> Approver | None:
        if self.approve != INTERRUPT:
            approver: Approver | None = self.approve
            return approver
        return _ask_through_interrupt


# langchain-core reads the type hints of _run/_arun on every call (to find the config parameter);
# string annotations (from __future__) would be compiled each time: store them evaluated.
for _method in (NimbleTool._run, NimbleTool._arun):
    _method.__annotations__ = typing.get_type_hints(_method)


def _ask_through_interrupt(request: ApprovalRequest) -> bool:
    """Pause the LangGraph run; it resumes with ``Command(resume=True | False | "yes" | ...)``.

    LangGraph runs the tool again from the start on resume, where ``interrupt`` returns the answer
    instead of pausing; the policy holds the repeated call with the same token, so the approval
    applies to exactly the call that was shown.
    """
    try:
        from langgraph.types import interrupt
    except ImportError as exc:
        raise UsageError("approve='interrupt' needs LangGraph: pip install langgraph.") from exc
    return is_approval(interrupt(request.to_dict()))


def _validation_message(tool: str, error: ValidationError) -> str:
    return invalid_arguments(tool, error).for_model()


def langchain_tools(
    toolkit: NimbleToolkit,
    *,
    tools: ToolsetLike | ToolView = None,
    names: Iterable[str] | None = None,
    account: str | None = None,
    approve: Approval = None,
) -> list[NimbleTool]:
    """The LangChain tools of ``toolkit`` (what ``toolkit.emit("langchain", ...)`` returns).

    Args:
        toolkit: the toolkit whose operations become tools.
        tools: a toolset view or a list of names (default: every offered operation, in registry
            order); ``toolsets.tool_search()`` gives the two search-and-call meta-tools instead.
        names: only these operations (the older spelling of ``tools=[...]``).
        account: the connected account to use when a run's config names none.
        approve: who approves the calls a confirmation policy holds: None (the model repeats them
            with ``confirm_token`` once the user agreed), ``"interrupt"`` (LangGraph human-in-the-loop:
            the run pauses with an interrupt carrying the preview, and resumes with the person's
            answer) or a function ``(ApprovalRequest) -> bool``. With an approver, the model never
            sees a token.

    Raises:
        UsageError: for an unknown ``approve`` value (or any ``tools``/``names`` problem).
    """
    if approve is not None and approve != INTERRUPT and not callable(approve):
        raise UsageError(f"emit('langchain'): approve must be 'interrupt', a function or None, got {approve!r}.")
    view = select_tools(toolkit, tools, names)
    return [NimbleTool.from_operation(toolkit, op, account=account, view=view, approve=approve) for op in view.values()]
