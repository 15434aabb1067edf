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
from typing import Any

from nimble_tools import NimbleToolkit, hookimpl
from nimble_tools.adapter_support import check_options

from ._build import OPTIONS, Entry, JsonResult, OnError, callables, make_callable

__all__ = ["Entry", "JsonResult", "OnError", "callables", "emit", "make_callable", "register_targets"]

TARGET = "callables"


@hookimpl
def register_targets(register: Callable[[str, str], None]) -> None:
    """Announce the ``callables`` target."""
    register(TARGET, "plain typed Python functions (sync or async) with Google-style docstrings")


@hookimpl
def emit(toolkit: NimbleToolkit, target: str, options: dict[str, Any]) -> list[Callable[..., Any]] | None:
    """Build the functions when the target is ``callables``."""
    if target != TARGET:
        return None
    check_options(TARGET, options, OPTIONS)
    return callables(toolkit, **options)
