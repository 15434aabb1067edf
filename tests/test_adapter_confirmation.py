"""Every adapter carries the confirmation flow of ``ConfirmDestructivePolicy`` through to the model.

The first destructive call comes back as an error holding a preview and a token; the model, once the
user agrees, repeats the call with ``confirm_token`` as an argument, and the adapter hands it to the
toolkit as a call option (never to Nimble).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from mcp import Client

from nimble_tools import NimbleToolkit
from nimble_tools.adapting import CONFIRM_TOKEN, model_params
from nimble_tools.policies import ConfirmDestructivePolicy

DELETE = "delete_a_nimble_contact_by_id"
TOKEN = re.compile(r"confirm_token='([0-9a-f]+)'")


def via_openai(toolkit: NimbleToolkit) -> Callable[[dict[str, Any]], tuple[bool, str]]:
    toolset = toolkit.emit("openai")

    def call(arguments: dict[str, Any]) -> tuple[bool, str]:
        strict = {"id": arguments["id"], CONFIRM_TOKEN: arguments.get(CONFIRM_TOKEN)}  # every key, as strict sends
        message = {
            "role": "assistant",
            "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": DELETE, "arguments": json.dumps(strict)}}
            ],
        }
        [result] = toolset.dispatch({"choices": [{"message": message}]})
        return not result["content"].startswith("Error:"), result["content"]

    return call


def via_langchain(toolkit: NimbleToolkit) -> Callable[[dict[str, Any]], tuple[bool, str]]:
    tool = next(t for t in toolkit.emit("langchain") if t.name == DELETE)

    def call(arguments: dict[str, Any]) -> tuple[bool, str]:
        message = tool.invoke({"type": "tool_call", "name": DELETE, "args": arguments, "id": "c"})
        return message.status == "success", str(message.content)

    return call


def via_callables(toolkit: NimbleToolkit) -> Callable[[dict[str, Any]], tuple[bool, str]]:
    function = next(f for f in toolkit.emit("callables", on_error="return", asynchronous=True) if f.__name__ == DELETE)

    def call(arguments: dict[str, Any]) -> tuple[bool, str]:
        out = asyncio.run(function(**arguments))
        return "error" not in out, json.dumps(out)

    return call


def via_mcp(toolkit: NimbleToolkit) -> Callable[[dict[str, Any]], tuple[bool, str]]:
    server = toolkit.emit("mcp")

    def call(arguments: dict[str, Any]) -> tuple[bool, str]:
        async def go() -> Any:
            async with Client(server) as client:
                return await client.call_tool(DELETE, arguments)

        result = anyio.run(go)
        return not result.is_error, result.content[0].text

    return call


@pytest.mark.parametrize("adapter", [via_openai, via_langchain, via_callables, via_mcp], ids=lambda f: f.__name__)
def test_a_destructive_call_waits_for_the_token_then_runs(toolkit: NimbleToolkit, adapter: Any) -> None:
    toolkit.register_plugin(ConfirmDestructivePolicy(), name="confirm")
    victim = toolkit.call("nimble_contacts_contact_ids", {"limit": 1}).result[0]
    call = adapter(toolkit)

    done, text = call({"id": victim})
    assert not done and "needs confirmation" in text and "cannot be undone" in text
    match = TOKEN.search(text)
    assert match is not None, text
    assert victim in toolkit.call("nimble_contacts_contact_ids", {"limit": 100}).result

    done, text = call({"id": victim, CONFIRM_TOKEN: "0" * 32})
    assert not done and "needs confirmation" in text  # a wrong token confirms nothing

    done, text = call({"id": victim, CONFIRM_TOKEN: match.group(1)})
    assert done, text
    assert victim not in toolkit.call("nimble_contacts_contact_ids", {"limit": 100}).result


def test_only_destructive_tools_offer_the_token(toolkit: NimbleToolkit) -> None:
    for operation in toolkit.operations.values():
        offered = CONFIRM_TOKEN in model_params(operation).model_fields
        assert offered is operation.destructive, operation.name
