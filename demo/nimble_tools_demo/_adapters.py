"""The adapters side by side: one search through LangChain, OpenAI tool calling and MCP."""

from __future__ import annotations

import json
from typing import Any

import anyio

from . import Tour

__all__ = ["side_by_side"]

OPERATION = "list_all_nimble_contacts"
ARGUMENTS = {"keyword": "Turing", "limit": 5}


def side_by_side(tour: Tour) -> dict[str, Any]:
    """Each target returns the same envelope for the same call; only the wrapping differs.

    A target whose framework is not installed (``langchain``, ``mcp`` extras) is skipped, and says so.
    """
    details = tour.toolkit.target_details()
    found: dict[str, list[str]] = {}
    skipped: dict[str, str] = {}
    for target, run in (("langchain", _langchain), ("openai", _openai), ("mcp", _mcp)):
        missing = details[target].missing if target in details else "no adapter announces it"
        if missing:
            tour.say(f"  {target:<10} skipped: its framework is not installed ({missing})")
            skipped[target] = missing
            continue
        found[target] = run(tour)
    same = len({tuple(ids) for ids in found.values()}) == 1
    count = len(next(iter(found.values()), []))
    tour.outcome(f"the same {count} contact(s) through every installed target ({', '.join(found)}): {same}")
    return {"ids": found, "same": same, "skipped": skipped}


def _ids(envelope_json: str) -> list[str]:
    return [item["id"] for item in json.loads(envelope_json)["result"]]


def _langchain(tour: Tour) -> list[str]:
    (tool,) = tour.toolkit.emit("langchain", tools=[OPERATION])
    content = tool.invoke(ARGUMENTS)  # what the model reads back: the envelope as compact JSON
    tour.say(f"  LangChain  {type(tool).__name__}.invoke({ARGUMENTS}) -> {content[:70]}...")
    return _ids(content)


def _openai(tour: Tour) -> list[str]:
    toolset = tour.toolkit.emit("openai", api="chat", tools=[OPERATION])
    properties = toolset[0]["function"]["parameters"]["properties"]
    arguments = {key: ARGUMENTS.get(key) for key in properties}  # strict mode: every key, null for "default"
    tool_call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": OPERATION, "arguments": json.dumps(arguments)},
    }
    response = {"choices": [{"message": {"role": "assistant", "content": None, "tool_calls": [tool_call]}}]}
    (answer,) = toolset.dispatch(response)
    tour.say(f"  OpenAI     toolset.dispatch(<tool call {tool_call['id']}>) -> {{'role': 'tool', ...}}")
    return _ids(answer["content"])


def _mcp(tour: Tour) -> list[str]:
    from mcp import Client

    server = tour.toolkit.emit("mcp", tools=[OPERATION])

    async def call() -> Any:
        async with Client(server) as client:
            return await client.call_tool(OPERATION, ARGUMENTS)

    result = anyio.run(call)
    tour.say(f"  MCP        client.call_tool({OPERATION!r}, ...) -> isError={result.is_error}, structuredContent")
    return [item["id"] for item in result.structured_content["result"]]
