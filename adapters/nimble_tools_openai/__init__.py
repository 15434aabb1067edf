"""OpenAI target: function tools for Chat Completions or the Responses API, and their dispatcher.

::

    toolset = toolkit.emit("openai", api="chat")          # strict=True by default
    response = client.chat.completions.create(model=..., messages=messages, tools=toolset)
    messages += toolset.dispatch(response, include_calls=True, account="acme")

The adapter does not need the ``openai`` package: it reads SDK objects through ``model_dump()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nimble_tools import hookimpl
from nimble_tools.adapter_support import LazyImplementation

if TYPE_CHECKING:
    from nimble_tools import NimbleToolkit

    from ._strict import DecodeError, Strictified, decode, public_schema, strictify
    from ._toolset import OpenAIToolset, loose_schema, openai_tools
    from ._validate import AZURE_LIMITS, OPENAI_LIMITS, StrictLimits, Violation, check_strict_schema

__all__ = [
    "AZURE_LIMITS",
    "OPENAI_LIMITS",
    "DecodeError",
    "OpenAIToolset",
    "StrictLimits",
    "Strictified",
    "Violation",
    "check_strict_schema",
    "decode",
    "emit",
    "loose_schema",
    "openai_tools",
    "public_schema",
    "register_targets",
    "strictify",
]

TARGET = "openai"
# The implementation loads when a program emits or imports it, not with every registry, which loads
# this entry point.
_implementation = LazyImplementation(__name__, "_public")
__getattr__ = _implementation.attributes(set(__all__) - {"emit", "register_targets"})


@hookimpl
def register_targets(register: Callable[[str, str], None]) -> None:
    """Announce the ``openai`` target."""
    register(TARGET, "OpenAI function tools for Chat Completions or Responses (strict mode), with a dispatcher")


@hookimpl
def emit(toolkit: NimbleToolkit, target: str, options: dict[str, Any]) -> OpenAIToolset | None:
    """Build the OpenAI toolset when the target is ``openai``."""
    if target != TARGET:
        return None
    toolset: OpenAIToolset = _implementation().emit_openai(toolkit, options)
    return toolset
