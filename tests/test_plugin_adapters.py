"""The composite actions through the adapters: decision records and input errors reach the model."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from nimble_tools import NimbleToolkit

COMPOSITES = {
    "nimble_find_or_create_contact",
    "nimble_import_leads",
    "nimble_log_call",
    "nimble_close_won_with_file",
    "nimble_sync_contact_tags",
    "nimble_provision_custom_fields",
    "nimble_draft_email_to_contact",
}
LEAD = {"first_name": "Ada", "email": "ADA.lovelace@engines.example"}


def test_every_action_is_offered_by_every_adapter_with_honest_hints(toolkit: NimbleToolkit) -> None:
    assert set(toolkit.operations) >= COMPOSITES
    assert {t.name for t in toolkit.emit("langchain")} >= COMPOSITES
    assert {f.__name__ for f in toolkit.emit("callables")} >= COMPOSITES
    tools = {t.name: t for t in toolkit.emit("mcp").tools}
    for name in COMPOSITES:
        hints = tools[name].annotations
        assert hints is not None
        assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint) == (False, False, True), name


def test_langchain_returns_the_decision_record_and_input_errors_as_text(toolkit: NimbleToolkit) -> None:
    tool = next(t for t in toolkit.emit("langchain") if t.name == "nimble_find_or_create_contact")
    answer = json.loads(tool.invoke(LEAD))
    assert answer["result"]["decision"] == "matched"
    assert answer["result"]["matched_on"] == ["email"]
    refused = tool.invoke({"first_name": "Ada"})
    assert "nimble_find_or_create_contact" in refused and "needs an email, a phone or a company" in refused


def test_openai_dispatcher_runs_an_action_from_a_tool_call(toolkit: NimbleToolkit) -> None:
    toolset = toolkit.emit("openai")
    arguments: dict[str, Any] = {"contact_ids": [], "add": ["x"]}
    message = {
        "role": "assistant",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "nimble_find_or_create_contact", "arguments": json.dumps(LEAD)},
            },
            {
                "id": "call_2",
                "type": "function",
                "function": {"name": "nimble_sync_contact_tags", "arguments": json.dumps(arguments)},
            },
        ],
    }
    found, refused = toolset.dispatch(message)
    assert found["tool_call_id"] == "call_1" and '"decision":"matched"' in found["content"].replace(" ", "")
    assert refused["tool_call_id"] == "call_2" and "contact_ids" in refused["content"]


def test_async_callable_runs_the_async_handler(toolkit: NimbleToolkit) -> None:
    function = next(
        f for f in toolkit.emit("callables", asynchronous=True) if f.__name__ == "nimble_find_or_create_contact"
    )
    answer = asyncio.run(function(**LEAD))
    result = answer["result"] if isinstance(answer, dict) and "result" in answer else answer
    assert result["decision"] == "matched"
