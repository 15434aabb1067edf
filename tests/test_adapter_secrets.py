"""No adapter lets a credential reach a model, a repr or an error, even when Nimble refuses it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import anyio
from click.testing import CliRunner
from mcp import Client

from nimble_tools import NimbleToolkit
from nimble_tools.cli import main
from nimble_tools.sandbox import SANDBOX_BASE_URL, Sandbox

SECRET = "sk-live-DO-NOT-LEAK-4242"


def refused_toolkit() -> NimbleToolkit:
    """A toolkit whose key the sandbox refuses (403 "Can't authenticate request")."""
    transport = Sandbox().transport()
    return NimbleToolkit(SECRET, base_url=SANDBOX_BASE_URL, transport=transport, async_transport=transport)


def test_a_refused_key_reaches_no_tool_output_or_repr() -> None:
    toolkit = refused_toolkit()
    seen: list[str] = []

    toolset = toolkit.emit("openai")
    call = {"id": "c1", "type": "function", "function": {"name": "list_all_nimble_me", "arguments": "{}"}}
    [result] = toolset.dispatch({"choices": [{"message": {"role": "assistant", "tool_calls": [call]}}]})
    seen += [result["content"], repr(toolset), json.dumps(list(toolset))]

    tools = toolkit.emit("langchain")
    message = next(t for t in tools if t.name == "list_all_nimble_me").invoke(
        {"type": "tool_call", "name": "list_all_nimble_me", "args": {}, "id": "c2"}
    )
    seen += [str(message.content), repr(tools), repr(message)]

    me = {f.__name__: f for f in toolkit.emit("callables", on_error="return")}["list_all_nimble_me"]
    seen += [json.dumps(me()), repr(me)]
    seen.append(json.dumps(asyncio.run(toolkit.emit("callables", on_error="return", asynchronous=True)[0]())))

    server = toolkit.emit("mcp")

    async def mcp_call() -> Any:
        async with Client(server) as client:
            return await client.call_tool("list_all_nimble_me", {})

    refused = anyio.run(mcp_call)
    seen += [refused.content[0].text, repr(server), repr(toolkit)]

    assert result["content"].startswith("Error: Nimble answered HTTP 403")
    assert message.status == "error" and refused.is_error
    assert all(SECRET not in text for text in seen)


def test_mcp_command_without_credentials_says_how_to_fix_it() -> None:
    outcome = CliRunner().invoke(main, ["mcp"], env={"NIMBLE_API_KEY": ""})
    assert outcome.exit_code == 1
    assert "NIMBLE_API_KEY" in outcome.output and "sandbox" in outcome.output
