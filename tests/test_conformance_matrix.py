"""Every registered operation converts cleanly for every target and passes that target's rules.

Parametrised per (operation, target), so a failure names both; each assertion message names the rule.
The operations are read from the registry at collection time, so the matrix grows with the catalog.
"""

from __future__ import annotations

import inspect
import json
import keyword
import re
import typing
from collections.abc import Callable
from functools import cache
from typing import Any

import jsonschema
import pytest
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from mcp import types
from nimble_tools_openai import AZURE_LIMITS, OpenAIToolset, check_strict_schema
from pydantic import BaseModel

from nimble_tools import NimbleToolkit, Operation, toolsets
from nimble_tools.toolsets import ToolView, resolve

SAFE_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,63}$")
MCP_NAME = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


@cache
def toolkit() -> NimbleToolkit:
    return NimbleToolkit.sandbox(seed=False)


# Every operation, plus the two tool-search meta-tools (which the default emission leaves out).
EVERYTHING = toolsets.everything() | toolsets.tool_search()


@cache
def view() -> ToolView:
    return resolve(toolkit(), EVERYTHING)


def exposed(name: str) -> Operation:
    """The operation as emitted (the meta-tools' flags follow their scope)."""
    return view()[name]


@cache
def emitted(target: str) -> dict[str, Any]:
    kit = toolkit()
    if target in ("openai-chat", "openai-responses"):
        toolset: OpenAIToolset = kit.emit("openai", api=target.removeprefix("openai-"), tools=view())
        assert len(toolset) <= 128, "OpenAI: at most 128 tools per request"
        names = [t.get("function", t)["name"] for t in toolset]
        assert len(set(names)) == len(names), "OpenAI: tool names are unique"
        return {"toolset": toolset, **{n: t for n, t in zip(names, toolset, strict=True)}}
    if target == "langchain":
        return {t.name: t for t in kit.emit("langchain", tools=view())}
    if target in ("callables", "callables-async"):
        return {f.__name__: f for f in kit.emit("callables", asynchronous=target == "callables-async", tools=view())}
    if target == "mcp":
        return {t.name: t for t in kit.emit("mcp", tools=view()).tools}
    raise AssertionError(target)


def check_openai(name: str, target: str) -> None:
    found = emitted(target)
    tool, toolset = found[name], found["toolset"]
    function = tool["function"] if target == "openai-chat" else tool
    if target == "openai-chat":
        assert set(tool) == {"type", "function"}, f"{name}: rule chat shape {{type, function}}"
        assert set(function) == {"name", "description", "parameters", "strict"}, f"{name}: rule chat function keys"
    else:
        assert set(tool) == {"type", "name", "description", "parameters", "strict"}, (
            f"{name}: rule responses flat shape"
        )
    assert tool["type"] == "function"
    assert SAFE_NAME.match(function["name"]), f"{name}: rule name pattern"
    assert 1 <= len(function["description"]) <= 1024, f"{name}: rule description <= 1024"
    parameters = function["parameters"]
    jsonschema.Draft202012Validator.check_schema(parameters)
    if function["strict"]:
        violations = check_strict_schema(parameters)
        assert violations == [], f"{name}: strict rules: {[str(v) for v in violations]}"
        azure = check_strict_schema(parameters, AZURE_LIMITS)
        assert azure == [], f"{name}: Azure strict limits: {[str(v) for v in azure]}"
        # What strict mode lets the model send for "nothing optional" decodes to a call the model accepts.
        minimal = {key: None for key in parameters["properties"]}
        required = {k for k, f in view().model_params(name).model_fields.items() if f.is_required()}
        decoded = toolset.decode_arguments(name, minimal)
        assert set(decoded) == required, f"{name}: nulls of optional fields are dropped before the call"
    else:
        assert toolset.non_strict.get(name), f"{name}: a non-strict tool says why"


def check_langchain(name: str, target: str) -> None:
    tool = emitted(target)[name]
    assert isinstance(tool, BaseTool), f"{name}: rule a BaseTool"
    schema = tool.args_schema
    assert isinstance(schema, type) and issubclass(schema, BaseModel), f"{name}: rule pydantic args_schema"
    converted = convert_to_openai_tool(tool)["function"]
    assert converted["name"] == name and converted["parameters"]["type"] == "object", f"{name}: rule converts"
    assert tool.handle_tool_error and tool.handle_validation_error, f"{name}: rule errors become ToolMessages"
    assert tool.response_format == "content_and_artifact", f"{name}: rule content_and_artifact"


def check_callable(name: str, target: str) -> None:
    # Imported here, not at the top: every test worker collects every file, and each agent framework takes a second to import.
    from agents import function_tool
    from agents.strict_schema import ensure_strict_json_schema
    from pydantic_ai import Tool

    function: Callable[..., Any] = emitted(target)[name]
    assert function.__name__ == name and name.isidentifier() and not keyword.iskeyword(name), f"{name}: identifier"
    assert inspect.iscoroutinefunction(function) is (target == "callables-async"), f"{name}: sync/async variant"
    signature = inspect.signature(function)
    hints = typing.get_type_hints(function)
    assert set(signature.parameters) == set(view().model_params(name).model_fields), f"{name}: every parameter"
    assert set(hints) == {*signature.parameters, "return"}, f"{name}: type hints for every parameter and return"
    doc = inspect.getdoc(function) or ""
    args = doc.split("\nArgs:\n", 1)[1].split("\n\n", 1)[0] if "\nArgs:\n" in doc else ""
    documented = set(re.findall(r"^    (\w+): ", args, flags=re.MULTILINE))
    assert documented == set(signature.parameters), f"{name}: docstring Args covers every parameter"
    agents_tool = function_tool(function)
    assert ensure_strict_json_schema(agents_tool.params_json_schema), f"{name}: Agents SDK strict schema"
    assert Tool(function).name == name, f"{name}: pydantic-ai takes it"


def check_mcp(name: str, target: str) -> None:
    tool: types.Tool = emitted(target)[name]
    operation = exposed(name)
    assert MCP_NAME.match(tool.name), f"{name}: rule SDK tool-name pattern"
    assert tool.input_schema.get("type") == "object", f"{name}: rule inputSchema root is an object"
    jsonschema.Draft202012Validator.check_schema(tool.input_schema)
    assert tool.output_schema is not None and tool.output_schema["type"] == "object", f"{name}: rule outputSchema"
    hints = tool.annotations
    assert hints is not None, f"{name}: rule annotations"
    assert hints.read_only_hint is operation.read_only and hints.destructive_hint is operation.may_destroy
    assert hints.idempotent_hint is operation.idempotent and hints.open_world_hint is True
    wire = tool.model_dump(by_alias=True, exclude_none=True, mode="json")
    assert json.loads(json.dumps(wire))["inputSchema"] == tool.input_schema, f"{name}: JSON round trip"


CHECKS: dict[str, Callable[[str, str], None]] = {
    "openai-chat": check_openai,
    "openai-responses": check_openai,
    "langchain": check_langchain,
    "callables": check_callable,
    "callables-async": check_callable,
    "mcp": check_mcp,
}
CASES = [pytest.param(name, target, id=f"{name}-{target}") for name in view() for target in CHECKS]


@pytest.mark.parametrize(("name", "target"), CASES)
def test_operation_conforms_to_target(name: str, target: str) -> None:
    CHECKS[target](name, target)


def test_every_target_covers_every_operation() -> None:
    names = set(view())
    assert names == set(toolkit().operations)
    for target in CHECKS:
        assert set(emitted(target)) - {"toolset"} == names, target
