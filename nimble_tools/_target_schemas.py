"""What ``nimble-tools schema TARGET`` prints: the tools an adapter emits, as plain JSON.

Each built-in target emits objects of its framework (LangChain tools, an MCP server, Python
functions); this module reads them by their public attributes only, so that the core imports no
framework. A third party's target prints when it emits JSON-ready data (as the OpenAI target does).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from ._errors import UsageError

__all__ = ["schemas_of"]


def schemas_of(target: str, emitted: Any) -> list[Any]:
    """The JSON form of what ``toolkit.emit(target)`` returned, one entry per tool.

    Raises:
        UsageError: when the target emits objects this module cannot turn into JSON.
    """
    reader = _READERS.get(target)
    if reader is not None:
        return reader(emitted)
    items = list(emitted) if isinstance(emitted, list | tuple) else [emitted]
    if _is_json(items):
        return items
    odd = next(item for item in items if not _is_json(item))
    raise UsageError(
        f"Target {target!r} emits {type(odd).__name__} objects, which cannot be printed as JSON schemas; "
        "use its adapter from Python instead."
    )


def _openai(toolset: Any) -> list[Any]:
    return [dict(tool) for tool in toolset]  # an OpenAIToolset is a list of JSON-ready dicts


def _langchain(tools: Any) -> list[Any]:
    return [
        {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.args_schema.model_json_schema(),
            "tags": list(tool.tags or []),
            "metadata": dict(tool.metadata or {}),
        }
        for tool in tools
    ]


def _callables(functions: Any) -> list[Any]:
    return [
        {"name": f.__name__, "signature": f"{f.__name__}{inspect.signature(f)}", "docstring": inspect.getdoc(f)}
        for f in functions
    ]


def _mcp(server: Any) -> list[Any]:
    return [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in server.tools]


_READERS: dict[str, Callable[[Any], list[Any]]] = {
    "openai": _openai,
    "langchain": _langchain,
    "callables": _callables,
    "mcp": _mcp,
}


def _is_json(value: Any) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple):
        return all(_is_json(item) for item in value)
    if isinstance(value, Mapping):
        return all(isinstance(key, str) and _is_json(item) for key, item in value.items())
    return False
