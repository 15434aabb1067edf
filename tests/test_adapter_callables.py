"""The callables target: real signatures and docstrings, and use by the Agents SDK and pydantic-ai."""

from __future__ import annotations

import asyncio
import inspect
import json
import keyword
import re
import typing
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from adapter_support import contact_name, recording_toolkit, with_echo

from nimble_tools import InvalidArgumentsError, NimbleAPIError, NimbleToolkit, UsageError
from nimble_tools.toolsets import resolve

MISSING_ID = "5f" * 12


def by_name(functions: list[Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    return {f.__name__: f for f in functions}


def documented_args(doc: str) -> dict[str, str]:
    """The ``Args:`` section of a Google-style docstring, parameter -> description."""
    if "\nArgs:\n" not in doc:
        return {}
    section = doc.split("\nArgs:\n", 1)[1].split("\n\n", 1)[0]
    return dict(re.findall(r"^    (\w+): (.+)$", section, flags=re.MULTILINE))


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_every_function_has_a_real_signature_hints_and_docstring(
    toolkit: NimbleToolkit, asynchronous: bool, default_tools: list[str]
) -> None:
    functions = toolkit.emit("callables", asynchronous=asynchronous)
    view = resolve(toolkit)
    assert [f.__name__ for f in functions] == default_tools
    for function in functions:
        operation = toolkit.operations[function.__name__]
        assert function.__name__.isidentifier() and not keyword.iskeyword(function.__name__)
        assert inspect.iscoroutinefunction(function) is asynchronous
        signature = inspect.signature(function)
        assert set(signature.parameters) == set(view.model_params(operation.name).model_fields)
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in signature.parameters.values())
        for name, parameter in signature.parameters.items():
            assert (parameter.default is inspect.Parameter.empty) is view.model_params(operation.name).model_fields[
                name
            ].is_required()
        hints = typing.get_type_hints(function, include_extras=True)
        assert set(hints) == {*signature.parameters, "return"} and hints["return"] == dict[str, Any]
        doc = inspect.getdoc(function) or ""
        assert doc.startswith(operation.description)
        assert set(documented_args(doc)) == set(signature.parameters)
        assert "\nReturns:\n" in doc


def test_sync_and_async_functions_return_json_ready_envelopes(toolkit: NimbleToolkit) -> None:
    sync = by_name(toolkit.emit("callables"))
    asynchronous = by_name(toolkit.emit("callables", asynchronous=True))
    page = sync["list_all_nimble_contacts"](keyword="Lovelace")
    assert json.loads(json.dumps(page)) == page and set(page) == {"result", "next_cursor"}
    assert [contact_name(c) for c in page["result"]] == ["Ada Lovelace"]
    again = asyncio.run(asynchronous["list_all_nimble_contacts"](keyword="Lovelace"))
    assert again == page


def test_maps_and_free_form_values_take_python_or_json_forms(toolkit: NimbleToolkit) -> None:
    echo = by_name(with_echo(toolkit).emit("callables"))["toy_echo"]
    as_python = echo(text="t", payload={"a": [1, 2]}, labels={"vip": [{"name": "gold"}]})
    as_json = echo(text="t", payload='{"a": [1, 2]}', labels=[{"key": "vip", "value": [{"name": "gold"}]}])
    assert as_python == as_json
    assert as_python["result"]["payload"] == {"a": [1, 2]}
    assert as_python["result"]["labels"] == {"vip": [{"name": "gold", "weight": 1}]}


def test_contacts_are_created_and_found(toolkit: NimbleToolkit) -> None:
    functions = by_name(toolkit.emit("callables"))
    created = functions["create_a_nimble_contact"](
        fields={"first name": [{"value": "Emmy"}], "last name": [{"value": "Noether"}]}
    )
    assert contact_name(created["result"]) == "Emmy Noether"
    found = functions["list_all_nimble_contacts"](keyword="Noether")
    assert [c["id"] for c in found["result"]] == [created["result"]["id"]]


@pytest.mark.parametrize(
    ("name", "kwargs", "field"),
    [
        pytest.param("get_single_nimble_contact_by_id", {"id": "../x"}, "id", id="bad-id"),
        pytest.param("get_single_nimble_contact_by_id", {}, "id", id="missing"),
        pytest.param("list_all_nimble_contacts", {"limit": 0}, "limit", id="range"),
        pytest.param("toy_echo", {"text": "t", "payload": "{nope"}, "payload", id="bad-json"),
        pytest.param("list_all_nimble_contacts", {"color": "red"}, "color", id="unknown"),
    ],
)
def test_invalid_input_raises_before_any_request(
    toolkit: NimbleToolkit, name: str, kwargs: dict[str, Any], field: str
) -> None:
    function = by_name(with_echo(toolkit).emit("callables"))[name]
    before = toolkit.emulator.request_count  # type: ignore[union-attr]
    with pytest.raises(InvalidArgumentsError) as caught:
        function(**kwargs)
    assert caught.value.tool == name and field in {f for f, _ in caught.value.errors}
    assert toolkit.emulator.request_count == before  # type: ignore[union-attr]


def test_errors_can_be_returned_for_a_model_instead(toolkit: NimbleToolkit) -> None:
    raising = by_name(toolkit.emit("callables"))["get_single_nimble_contact_by_id"]
    with pytest.raises(NimbleAPIError):
        raising(id=MISSING_ID)
    returning = by_name(toolkit.emit("callables", on_error="return"))["get_single_nimble_contact_by_id"]
    assert "No contact with id" in returning(id=MISSING_ID)["error"]
    assert "not a Nimble id" in returning(id="x")["error"]
    with pytest.raises(UsageError, match="on_error"):
        toolkit.emit("callables", on_error="ignore")


def test_the_account_is_bound_by_the_application() -> None:
    toolkit, auth = recording_toolkit()
    me = by_name(toolkit.emit("callables", account="acme"))["list_all_nimble_me"]
    ame = by_name(toolkit.emit("callables", account="globex", asynchronous=True))["list_all_nimble_me"]
    me()
    asyncio.run(ame())
    assert auth.accounts == ["acme", "globex"]
    assert "account" not in inspect.signature(me).parameters


# -- the frameworks the functions are made for ----------------------------------------------------


def test_openai_agents_sdk_takes_every_function_as_a_strict_tool(toolkit: NimbleToolkit) -> None:
    # Imported here, not at the top: every test worker collects every file, and each agent framework takes a second to import.
    from agents import function_tool
    from agents.strict_schema import ensure_strict_json_schema

    for function in toolkit.emit("callables"):
        tool = function_tool(function)
        assert tool.name == function.__name__ and tool.strict_json_schema is True
        assert ensure_strict_json_schema(tool.params_json_schema) == tool.params_json_schema
        assert tool.description == resolve(toolkit, None)[function.__name__].description


def test_openai_agents_sdk_invokes_a_function_with_model_json(toolkit: NimbleToolkit) -> None:
    from agents import function_tool
    from agents.tool_context import ToolContext

    echo = function_tool(by_name(with_echo(toolkit).emit("callables"))["toy_echo"])
    # What a strict-mode model sends for this schema: every key; only Optional fields may be null.
    arguments = json.dumps(
        {
            "text": "hi",
            "payload": '{"deep": {"x": 1}}',
            "labels": [{"key": "vip", "value": [{"name": "gold", "weight": 2}]}],
            "mode": "loud",
            "count": None,
        }
    )
    jsonschema.validate(json.loads(arguments), echo.params_json_schema)
    context = ToolContext(context=None, tool_name=echo.name, tool_call_id="call_1", tool_arguments=arguments)
    output = asyncio.run(echo.on_invoke_tool(context, arguments))
    assert isinstance(output, dict)
    assert output["result"] == {
        "text": "hi",
        "payload": {"deep": {"x": 1}},
        "labels": {"vip": [{"name": "gold", "weight": 2}]},
        "mode": "loud",
        "count": None,
    }


def test_maps_inside_nested_and_recursive_models_are_portable_too(toolkit: NimbleToolkit) -> None:
    from agents import function_tool
    from agents.strict_schema import ensure_strict_json_schema

    nested = by_name(with_echo(toolkit).emit("callables"))["toy_nested"]
    tool = function_tool(nested)  # the Agents SDK refuses any free-form object in strict mode
    assert tool.strict_json_schema and ensure_strict_json_schema(tool.params_json_schema)
    items = [{"name": "a", "attrs": [{"key": "x", "value": 1}], "extra": '{"k": [1]}', "children": [{"name": "b"}]}]
    assert nested(items=items)["result"]["items"] == [
        {
            "name": "a",
            "attrs": {"x": 1},
            "extra": {"k": [1]},
            "children": [{"name": "b", "attrs": {}, "extra": None, "children": []}],
        }
    ]
    as_python = [{"name": "a", "attrs": {"x": 1}, "extra": {"k": [1]}, "children": [{"name": "b"}]}]
    assert nested(items=as_python) == nested(items=items)


def test_pydantic_ai_agent_runs_the_functions(toolkit: NimbleToolkit) -> None:
    from pydantic_ai import Agent, Tool
    from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart, ToolCallPart, ToolReturnPart
    from pydantic_ai.models.function import AgentInfo, FunctionModel

    functions = toolkit.emit("callables", asynchronous=True)
    tools = [Tool(f) for f in functions]
    seen: dict[str, Any] = {}

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        seen["tools"] = {t.name: t.parameters_json_schema for t in info.function_tools}
        returns = [p for m in messages for p in getattr(m, "parts", []) if isinstance(p, ToolReturnPart)]
        if not returns:
            return ModelResponse(parts=[ToolCallPart("list_all_nimble_contacts", {"keyword": "Hopper"})])
        seen["result"] = returns[0].content
        return ModelResponse(parts=[TextPart("Grace Hopper found.")])

    # run() inside asyncio.run, not run_sync(), which leaves its event loop open.
    result = asyncio.run(Agent(FunctionModel(model), tools=tools).run("Find Grace Hopper"))
    assert result.output == "Grace Hopper found."
    assert set(seen["tools"]) == set(resolve(toolkit, None))
    assert [contact_name(c) for c in seen["result"]["result"]] == ["Grace Hopper"]
