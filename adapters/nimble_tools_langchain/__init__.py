"""LangChain target: one ``BaseTool`` per operation, for ``create_agent``, LangGraph and friends.

::

    tools = NimbleToolkit.from_env().get_tools()             # or NimbleLangChainToolkit().get_tools()
    agent = create_agent(model, tools)
    agent.invoke({"messages": [...]})  # config={"configurable": {"nimble_account": ...}} picks an account

This module is the plugin; it imports ``langchain_core`` only when tools are built, so that the
toolkit works (and lists this target) without the ``langchain`` extra installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nimble_tools import NimbleToolkit, hookimpl
from nimble_tools.adapter_support import COMMON_OPTIONS, LazyImplementation, check_options, missing_framework
from nimble_tools.hookspecs import TargetRegister

if TYPE_CHECKING:
    from ._tool import ACCOUNT_KEY, NimbleLangChainToolkit, NimbleTool, langchain_tools

__all__ = ["ACCOUNT_KEY", "NimbleLangChainToolkit", "NimbleTool", "emit", "langchain_tools", "register_targets"]

TARGET = "langchain"
_implementation = LazyImplementation(__name__, "_tool", "The LangChain target", "langchain-core", "langchain")
__getattr__ = _implementation.attributes({"ACCOUNT_KEY", "NimbleLangChainToolkit", "NimbleTool", "langchain_tools"})


@hookimpl
def register_targets(register: TargetRegister) -> None:
    """Announce the ``langchain`` target."""
    register(
        TARGET,
        "LangChain tools (BaseTool with a pydantic args_schema, sync and async)",
        missing=missing_framework("langchain_core", "langchain"),
    )


@hookimpl
def emit(toolkit: NimbleToolkit, target: str, options: dict[str, Any]) -> list[NimbleTool] | None:
    """Build the LangChain tools when the target is ``langchain``."""
    if target != TARGET:
        return None
    check_options(TARGET, options, COMMON_OPTIONS)
    tools: list[NimbleTool] = _implementation().langchain_tools(toolkit, **options)
    return tools
