"""OAuth-connected accounts through every adapter: the application routes each call, the model never can.

Two accounts are connected as two different sandbox users; each adapter's own mechanism (LangChain
run config, the OpenAI dispatcher's argument, callables and MCP servers bound at emit time) must
reach the right one, refresh expired tokens on the way, and turn a refused refresh into a message the
model can act on, holding no credential and no authorize URL.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import anyio
import pytest
from auth_support import OAuthWorld, oauth_world
from mcp import Client

from nimble_tools.sandbox import DEFAULT_OAUTH_CLIENT_SECRET, revoke_grants

ALICE, BOB = "admin@sandbox.example", "sam@sandbox.example"


@pytest.fixture
def world() -> OAuthWorld:
    world = oauth_world()
    world.connect("alice")
    world.connect("bob", user=BOB)
    return world


def credentials(world: OAuthWorld) -> set[str]:
    """Every token the sandbox holds now, and the client secret."""
    oauth = world.sandbox.state.oauth
    return {*world.sandbox.state.tokens, *oauth.get("refresh_tokens", {}), DEFAULT_OAUTH_CLIENT_SECRET}


def via_openai(world: OAuthWorld, account: str) -> str:
    toolset = world.toolkit.emit("openai", names=["list_all_nimble_me"])
    call = {"id": "c1", "type": "function", "function": {"name": "list_all_nimble_me", "arguments": "{}"}}
    [result] = toolset.dispatch({"role": "assistant", "tool_calls": [call]}, account=account)
    return str(result["content"])


def via_langchain(world: OAuthWorld, account: str) -> str:
    [tool] = world.toolkit.emit("langchain", names=["list_all_nimble_me"])
    message = tool.invoke(
        {"type": "tool_call", "name": tool.name, "args": {}, "id": "c2"},
        config={"configurable": {"nimble_account": account}},
    )
    return str(message.content)


def via_callables(world: OAuthWorld, account: str) -> str:
    [function] = world.toolkit.emit("callables", names=["list_all_nimble_me"], account=account, on_error="return")
    return json.dumps(function())


def via_mcp(world: OAuthWorld, account: str) -> str:
    server = world.toolkit.emit("mcp", names=["list_all_nimble_me"], account=account)

    async def call() -> Any:
        async with Client(server) as client:
            return await client.call_tool("list_all_nimble_me", {})

    return str(anyio.run(call).content[0].text)


ADAPTERS = [via_openai, via_langchain, via_callables, via_mcp]


@pytest.mark.parametrize("call", ADAPTERS, ids=lambda f: f.__name__)
def test_each_adapter_calls_for_the_account_the_application_chose(world: OAuthWorld, call: Any) -> None:
    assert ALICE in call(world, "alice") and BOB not in call(world, "alice")
    assert BOB in call(world, "bob")


@pytest.mark.parametrize("call", ADAPTERS, ids=lambda f: f.__name__)
def test_each_adapter_gets_expired_tokens_refreshed(world: OAuthWorld, call: Any) -> None:
    world.clock.advance(3600)
    assert BOB in call(world, "bob")
    assert world.refresh_grants() == 1


@pytest.mark.parametrize("call", ADAPTERS, ids=lambda f: f.__name__)
def test_a_refused_refresh_reaches_the_model_as_a_reconnect_message(world: OAuthWorld, call: Any) -> None:
    secrets = credentials(world)
    revoke_grants(world.sandbox.state)
    world.clock.advance(3600)
    text = call(world, "bob")
    assert "Nimble refused to refresh the tokens of account 'bob'" in text
    assert "Ask the user to reconnect their Nimble account" in text
    assert "/oauth/authorize" not in text  # the link is for the application to show, not for the model
    assert [s for s in secrets if s in text] == []


def test_no_adapter_offers_the_model_an_account_argument(world: OAuthWorld) -> None:
    toolkit = world.toolkit
    for tool in toolkit.emit("openai", api="chat"):
        assert "account" not in tool["function"]["parameters"]["properties"], tool["function"]["name"]
    for tool in toolkit.emit("langchain"):
        assert "account" not in tool.tool_call_schema.model_json_schema().get("properties", {}), tool.name
        assert "nimble_account" not in tool.tool_call_schema.model_json_schema().get("properties", {})
    for function in toolkit.emit("callables"):
        assert "account" not in inspect.signature(function).parameters, function.__name__
    server = toolkit.emit("mcp")

    async def listed() -> Any:
        async with Client(server) as client:
            return await client.list_tools()

    for tool in anyio.run(listed).tools:
        assert "account" not in tool.input_schema.get("properties", {}), tool.name


def test_an_account_the_model_slips_into_the_arguments_is_refused(world: OAuthWorld) -> None:
    toolset = world.toolkit.emit("openai", names=["list_all_nimble_me"])
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "list_all_nimble_me", "arguments": '{"account": "bob"}'},
    }
    [result] = toolset.dispatch({"role": "assistant", "tool_calls": [call]}, account="alice")
    assert result["content"].startswith("Error:")
    assert BOB not in result["content"]
    assert world.transport.api_calls == 0
