"""Callables target: plain typed functions, sync or async, one per operation.

::

    functions = toolkit.emit("callables", account="acme")
    create = {f.__name__: f for f in functions}["create_a_nimble_contact"]
    create(fields={"first name": [{"value": "Ada"}]})

The functions suit the OpenAI Agents SDK (``function_tool(f)``), pydantic-ai (``Tool(f)``) and any
framework that reads signatures, type hints and Google-style docstrings. They return a dict
(:class:`JsonResult`) whose ``str()`` is JSON, so hosts that stringify results (the Agents SDK) send
the model JSON, not Python's repr.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nimble_tools import NimbleToolkit, hookimpl
from nimble_tools.adapter_support import LazyImplementation, check_options

if TYPE_CHECKING:
    from ._build import Entry, JsonResult, OnError, callables, make_callable

__all__ = ["Entry", "JsonResult", "OnError", "callables", "emit", "make_callable", "register_targets"]

TARGET = "callables"
# The implementation (and its pydantic models) loads when a program emits or imports it, not with
# every registry, which loads this entry point.
_implementation = LazyImplementation(__name__, "_build")
__getattr__ = _implementation.attributes({"Entry", "JsonResult", "OnError", "callables", "make_callable"})


@hookimpl
def register_targets(register: Callable[[str, str], None]) -> None:
    """Announce the ``callables`` target."""
    register(TARGET, "plain typed Python functions (sync or async) with Google-style docstrings")


@hookimpl
def emit(toolkit: NimbleToolkit, target: str, options: dict[str, Any]) -> list[Callable[..., Any]] | None:
    """Build the functions when the target is ``callables``."""
    if target != TARGET:
        return None
    build = _implementation()
    check_options(TARGET, options, build.OPTIONS)
    functions: list[Callable[..., Any]] = build.callables(toolkit, **options)
    return functions
