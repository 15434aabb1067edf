"""``NimbleTool``: one operation as a LangChain ``BaseTool``.

The tool's ``args_schema`` is the operation's own pydantic model (with ``confirm_token`` where the
view checks one), so every framework that reads ``tool_call_schema`` sees the real field types and
descriptions. A run hands the model's arguments as they came to the view's one call path
(``ToolView.run``: limits, validation, confirmation, policies, Nimble), and renders what comes back:
``content_and_artifact`` (the compact envelope JSON for the model, the full envelope with Nimble's
raw body as the artifact), or a ``ToolMessage`` with ``status="error"`` and a message the model can
act on, so a failure never breaks an agent loop.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any, Literal

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, BaseToolkit, ToolException
from langchain_core.tools.base import FILTERED_ARGS
from pydantic import ConfigDict, Field, PrivateAttr

from nimble_tools import NimbleToolkit, NimbleToolsError, Operation, UsageError
from nimble_tools.adapter_support import artifact_of, content_of, operation_metadata, select_tools
from nimble_tools.approval import INTERRUPT, Approval, ApprovalRequest, Approver, is_approval
from nimble_tools.toolsets import ToolsetLike, ToolView

__all__ = ["ACCOUNT_KEY", "INTERRUPT", "Approval", "NimbleLangChainToolkit", "NimbleTool", "langchain_tools"]

ACCOUNT_KEY = "nimble_account"
"""Key in ``config["configurable"]`` naming the connected account a run calls Nimble for."""
_ARGUMENTS = "nimble_arguments"
_CALL_ID = "nimble_call_id"


class NimbleTool(BaseTool):
    """A LangChain tool that runs one Nimble operation through the view's call path.

    The Nimble account is never a model-visible argument: it is ``config["configurable"]["nimble_account"]``
    of the run, or else the tool's ``account``.
    """

    account: str | None = None
    """The connected account used when the run's config names none."""
    approve: Any = None
    """Who confirms destructive calls (see :mod:`nimble_tools.approval`): None (the model, with a
    token, after showing the user the preview), ``"interrupt"``, a function, True or False."""
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
        default ``operation`` is a registered operation, called by its own name, confirmed as
        ``approve`` says.
        """
        if view is None:
            view = select_tools(toolkit, [operation.name], approve=approve, target=TARGET, mechanisms=(INTERRUPT,))
        metadata = operation_metadata(operation)
        tags = ["nimble", f"resource:{operation.resource}", "read_only" if operation.read_only else "write"]
        if operation.may_destroy:
            tags.append("destructive")
        if operation.idempotent:
            tags.append("idempotent")
        tool = cls(
            name=operation.name,
            description=operation.description,
            args_schema=view.model_params(operation.name, approve),
            account=account,
            approve=approve,
            metadata=metadata,
            tags=tags,
            handle_tool_error=True,
            handle_validation_error=True,  # the call path validates; this only covers langchain-core's own checks
        )
        tool._toolkit = toolkit
        tool._operation = operation
        tool._view = view
        return tool

    def _to_args_and_kwargs(self, tool_input: str | dict[str, Any], tool_call_id: str | None) -> tuple[Any, Any]:
        # The model's arguments go to the view's call path as they came, under one key: the path
        # checks limits before any validation, and a model cannot collide with _run's own parameters.
        return (), {_ARGUMENTS: tool_input, _CALL_ID: tool_call_id}

    def _parse_input(self, tool_input: str | dict[str, Any], tool_call_id: str | None) -> str | dict[str, Any]:
        return tool_input  # validated by the call path, which names the tool and field in its errors

    def _filter_injected_args(self, tool_input: dict[str, Any]) -> dict[str, Any]:
        # What callbacks see as the input. The schema is the operation's own model, with no injected
        # arguments to look for (langchain-core would inspect its annotations on every call).
        return {key: value for key, value in tool_input.items() if key not in FILTERED_ARGS}

    def _account(self, config: RunnableConfig | None) -> str | None:
        configurable = (config or {}).get("configurable") or {}
        chosen = configurable.get(ACCOUNT_KEY)
        return str(chosen) if chosen is not None else self.account

    def _run(self, config: RunnableConfig, **kwargs: Any) -> tuple[str, dict[str, Any]]:
        try:
            result = self._view.run(
                self.name,
                kwargs.get(_ARGUMENTS),
                account=self._account(config),
                approve=self._approver(),
                call_id=kwargs.get(_CALL_ID),
            )
        except NimbleToolsError as error:
            raise ToolException(error.for_model()) from error
        return content_of(result), artifact_of(result)

    async def _arun(self, config: RunnableConfig, **kwargs: Any) -> tuple[str, dict[str, Any]]:
        try:
            result = await self._view.arun(
                self.name,
                kwargs.get(_ARGUMENTS),
                account=self._account(config),
                approve=self._approver(),
                call_id=kwargs.get(_CALL_ID),
            )
        except NimbleToolsError as error:
            raise ToolException(error.for_model()) from error
        return content_of(result), artifact_of(result)

    def _approver(self) -> Approver | bool | None:
        if self.approve == INTERRUPT:
            return _ask_through_interrupt
        approver: Approver | bool | None = self.approve
        return approver


# langchain-core reads the signature and type hints of _run/_arun on every call, to find the config
# parameter (and a run_manager one, which these leave out: they do not use it). String annotations
# (from __future__) would be compiled each time and nested ones walked: keep only what it looks
# for, evaluated, and the signature made once.
for _method in (NimbleTool._run, NimbleTool._arun):
    _method.__annotations__ = {"config": RunnableConfig, "kwargs": Any}
    _method.__signature__ = inspect.signature(_method)  # type: ignore[union-attr]


def _ask_through_interrupt(request: ApprovalRequest) -> bool:
    """Pause the LangGraph run; it resumes with ``Command(resume=True | False | "yes" | ...)``.

    LangGraph runs the tool again from the start on resume, where ``interrupt`` returns the answer
    instead of pausing, so the answer applies to the same call, with the same arguments, previewed
    again. The payload is plain JSON data, as LangGraph's checkpointers need.
    """
    try:
        from langgraph.types import interrupt
    except ImportError as exc:
        raise UsageError("approve='interrupt' needs LangGraph: pip install langgraph.") from exc
    return is_approval(interrupt(request.to_dict()))


def langchain_tools(
    toolkit: NimbleToolkit,
    *,
    tools: ToolsetLike | ToolView = None,
    names: Iterable[str] | None = None,
    account: str | None = None,
    approve: Approval = None,
    confirm_destructive: bool = True,
) -> list[NimbleTool]:
    """The LangChain tools of ``toolkit`` (what ``toolkit.emit("langchain", ...)`` returns).

    Args:
        toolkit: the toolkit whose operations become tools.
        tools: a toolset view or a list of names (default: every offered operation, in registry
            order); ``toolsets.tool_search()`` gives the two search-and-call meta-tools instead.
        names: only these operations (the older spelling of ``tools=[...]``).
        account: the connected account to use when a run's config names none.
        approve: who confirms destructive calls: None (the model repeats them with ``confirm_token``
            once the user agreed to the preview), ``"interrupt"`` (LangGraph human-in-the-loop: the run
            pauses with an interrupt carrying the preview, and resumes with the person's answer), a
            function ``(ApprovalRequest) -> bool``, or True/False. With an approver, the model never
            sees a token.
        confirm_destructive: False runs destructive calls without confirmation.

    Raises:
        UsageError: for an unknown ``approve`` value (or any ``tools``/``names`` problem).
    """
    view = select_tools(
        toolkit,
        tools,
        names,
        confirm_destructive=confirm_destructive,
        approve=approve,
        target=TARGET,
        mechanisms=(INTERRUPT,),
    )
    return [NimbleTool.from_operation(toolkit, op, account=account, view=view, approve=approve) for op in view.values()]


TARGET = "langchain"


class NimbleLangChainToolkit(BaseToolkit):
    """The Nimble CRM as a LangChain toolkit: ``NimbleLangChainToolkit().get_tools()``, like every LangChain toolkit.

    ::

        from nimble_tools import toolsets
        from nimble_tools_langchain import NimbleLangChainToolkit

        tools = NimbleLangChainToolkit(tools=toolsets.resource("contacts").read_only()).get_tools()

    Attributes:
        toolkit: the :class:`~nimble_tools.NimbleToolkit` to call through (default:
            ``NimbleToolkit.from_env()``, which reads ``NIMBLE_API_KEY``).
        tools: which tools (a toolset, a list of names, or None for every offered operation).
        account: the connected account used when a run's config names none.
        approve: who confirms destructive calls (see :func:`langchain_tools`).
        confirm_destructive: False runs destructive calls without confirmation.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    toolkit: NimbleToolkit = Field(default_factory=NimbleToolkit.from_env, exclude=True)
    tools: Any = Field(default=None, exclude=True)
    account: str | None = None
    approve: Any = None
    confirm_destructive: bool = True

    @classmethod
    def sandbox(cls, **options: Any) -> NimbleLangChainToolkit:
        """A toolkit over the embedded sandbox (offline, seeded demo data); ``options`` as for the class."""
        return cls(toolkit=NimbleToolkit.sandbox(), **options)

    def get_tools(self) -> list[BaseTool]:
        """The tools, one ``BaseTool`` per operation (or the two tool-search meta-tools)."""
        return list(
            langchain_tools(
                self.toolkit,
                tools=self.tools,
                account=self.account,
                approve=self.approve,
                confirm_destructive=self.confirm_destructive,
            )
        )
