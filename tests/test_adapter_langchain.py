"""The LangChain target: tool objects, errors as ToolMessages, accounts, and a scripted agent run."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from adapter_support import contact_name, recording_toolkit, the_contact
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from nimble_tools_langchain import NimbleTool
from pydantic import BaseModel

from nimble_tools import NimbleToolkit, UsageError
from nimble_tools.toolsets import resolve

MISSING_ID = "5f" * 12


def by_name(tools: Sequence[BaseTool]) -> dict[str, BaseTool]:
    return {tool.name: tool for tool in tools}


def tool_call(name: str, args: dict[str, Any], call_id: str) -> dict[str, Any]:
    return {"type": "tool_call", "name": name, "args": args, "id": call_id}


def test_one_tool_per_operation_with_its_pydantic_schema_and_flags(toolkit: NimbleToolkit) -> None:
    tools = toolkit.emit("langchain")
    view = resolve(toolkit, None)
    assert [t.name for t in tools] == list(view)
    for tool in tools:
        operation = view[tool.name]  # as emitted: list tools say their items are compact
        assert isinstance(tool, NimbleTool) and tool.operation == operation
        assert isinstance(tool.args_schema, type) and issubclass(tool.args_schema, BaseModel)
        assert tool.args_schema is view.model_params(tool.name) and tool.description == operation.description
        assert tool.metadata is not None and tool.metadata["read_only"] is operation.read_only
        assert tool.metadata["destructive"] is operation.may_destroy
        assert tool.tags is not None and ("read_only" in tool.tags) is operation.read_only
        assert ("destructive" in tool.tags) is operation.may_destroy
        assert tool.response_format == "content_and_artifact"
        converted = convert_to_openai_tool(tool)["function"]
        assert converted["name"] == tool.name and converted["description"] == tool.description
        assert set(converted["parameters"]["properties"]) == set(view.model_params(tool.name).model_fields)
    delete = by_name(tools)["delete_a_nimble_contact_by_id"]
    assert delete.tags is not None and "destructive" in delete.tags


def test_a_tool_call_gives_a_tool_message_with_content_and_artifact(toolkit: NimbleToolkit) -> None:
    search = by_name(toolkit.emit("langchain"))["list_all_nimble_contacts"]
    message = search.invoke(tool_call(search.name, {"keyword": "Hopper", "limit": 5}, "call_1"))
    assert isinstance(message, ToolMessage)
    assert (message.tool_call_id, message.name, message.status) == ("call_1", search.name, "success")
    content = json.loads(message.content)  # type: ignore[arg-type]
    assert set(content) == {"result", "next_cursor"}
    assert [contact_name(c) for c in content["result"]] == ["Grace Hopper"]
    assert message.artifact["result"] == content["result"]
    assert message.artifact["raw"]["meta"]["total"] == 1  # Nimble's whole body stays with the application


def test_plain_arguments_return_only_the_content(toolkit: NimbleToolkit) -> None:
    me = by_name(toolkit.emit("langchain"))["list_all_nimble_me"]
    assert json.loads(me.invoke({}))["result"]["name"] == "Sandbox Admin"


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        pytest.param(
            "get_single_nimble_contact_by_id", {"id": "../myself"}, "id: '../myself' is not a Nimble id", id="bad-id"
        ),
        pytest.param("get_single_nimble_contact_by_id", {}, "id: required, but missing", id="missing"),
        pytest.param(
            "list_all_nimble_contacts", {"limit": 500}, "limit: Input should be less than or equal to 100", id="range"
        ),
        pytest.param(
            "list_all_nimble_contacts", {"keyword": "a", "colour": "red"}, "colour: unknown field", id="unknown-field"
        ),
        pytest.param("create_a_nimble_contact", {"tags": None}, "fields: required, but missing", id="no-fields"),
        pytest.param("get_single_nimble_contact_by_id", {"id": MISSING_ID}, "No contact with id", id="not-found"),
    ],
)
def test_bad_calls_become_error_tool_messages(
    toolkit: NimbleToolkit, name: str, args: dict[str, Any], expected: str
) -> None:
    tool = by_name(toolkit.emit("langchain"))[name]
    before = toolkit.emulator.request_count  # type: ignore[union-attr]
    message = tool.invoke(tool_call(name, args, "bad_1"))
    assert isinstance(message, ToolMessage) and message.status == "error" and message.tool_call_id == "bad_1"
    assert expected in str(message.content)
    if "No contact" not in expected:
        assert f"tool '{name}'" in str(message.content)
        assert toolkit.emulator.request_count == before  # type: ignore[union-attr]


def test_async_invocation_uses_the_async_call_path(toolkit: NimbleToolkit) -> None:
    tools = by_name(toolkit.emit("langchain"))
    message = asyncio.run(
        tools["list_all_nimble_contacts"].ainvoke(tool_call("list_all_nimble_contacts", {"keyword": "Turing"}, "a1"))
    )
    assert isinstance(message, ToolMessage) and message.status == "success"
    assert "Alan" in str(message.content)
    error = asyncio.run(
        tools["get_single_nimble_contact_by_id"].ainvoke(
            tool_call("get_single_nimble_contact_by_id", {"id": MISSING_ID}, "a2")
        )
    )
    assert error.status == "error" and "No contact with id" in str(error.content)


def test_the_account_comes_from_the_run_config_or_the_emit_default() -> None:
    toolkit, auth = recording_toolkit()
    me = by_name(toolkit.emit("langchain", account="default"))["list_all_nimble_me"]
    assert not {"account", "nimble_account"} & set(convert_to_openai_tool(me)["function"]["parameters"]["properties"])
    me.invoke(tool_call(me.name, {}, "1"))
    me.invoke(tool_call(me.name, {}, "2"), config={"configurable": {"nimble_account": "acme"}})
    asyncio.run(me.ainvoke(tool_call(me.name, {}, "3"), config={"configurable": {"nimble_account": "globex"}}))
    assert auth.accounts == ["default", "acme", "globex"]


def test_options_are_checked(toolkit: NimbleToolkit) -> None:
    assert [t.name for t in toolkit.emit("langchain", names=["list_all_nimble_me"])] == ["list_all_nimble_me"]
    with pytest.raises(UsageError, match="unknown option"):
        toolkit.emit("langchain", strict=True)


# -- a whole agent run with a scripted model ---------------------------------------------------

Step = Callable[[list[BaseMessage]], AIMessage]


class ScriptedChatModel(BaseChatModel):
    """A chat model that answers each turn with the next step of a script (each step sees the history)."""

    steps: list[Any]
    bound_tools: list[dict[str, Any]] = []
    turns: int = 0

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        step: Step = self.steps[self.turns]
        self.turns += 1
        return ChatResult(generations=[ChatGeneration(message=step(messages))])

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any) -> ScriptedChatModel:  # type: ignore[override]
        self.bound_tools = [convert_to_openai_tool(t) for t in tools]  # also proves every schema converts
        return self


def last_tool_messages(messages: list[BaseMessage]) -> list[ToolMessage]:
    tail: list[ToolMessage] = []
    for message in reversed(messages):
        if not isinstance(message, ToolMessage):
            break
        tail.insert(0, message)
    return tail


def calls(*items: tuple[str, dict[str, Any], str]) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": n, "args": a, "id": i, "type": "tool_call"} for n, a, i in items])


def test_agent_searches_creates_and_annotates_a_contact_recovering_from_a_bad_call() -> None:
    # Imported here, not at the top: every test worker collects every file, and LangChain's agent (LangGraph) takes a second to import.
    from langchain.agents import create_agent

    toolkit, auth = recording_toolkit()
    seen: dict[str, Any] = {}

    def search_and_whoami(messages: list[BaseMessage]) -> AIMessage:
        return calls(
            ("list_all_nimble_contacts", {"keyword": "Rosalind Franklin"}, "call_search"),
            ("list_all_nimble_me", {}, "call_me"),
        )

    def create_badly(messages: list[BaseMessage]) -> AIMessage:
        search, me = last_tool_messages(messages)
        assert (search.status, me.status) == ("success", "success")
        assert json.loads(search.content)["result"] == []  # type: ignore[arg-type]
        seen["me"] = json.loads(me.content)["result"]["user_id"]  # type: ignore[arg-type]
        # Forgot the fields altogether: refused before anything reaches Nimble.
        return calls(("create_a_nimble_contact", {"owner_id": seen["me"]}, "call_bad"))

    def create_properly(messages: list[BaseMessage]) -> AIMessage:
        [error] = last_tool_messages(messages)
        assert error.status == "error" and "fields: required, but missing" in str(error.content)
        fields = {
            "first name": [{"value": "Rosalind"}],
            "last name": [{"value": "Franklin"}],
            "email": [{"value": "rosalind@helix.example", "modifier": "work"}],
        }
        return calls(("create_a_nimble_contact", {"fields": fields, "owner_id": seen["me"]}, "call_create"))

    def annotate(messages: list[BaseMessage]) -> AIMessage:
        [created] = last_tool_messages(messages)
        assert created.status == "success"
        seen["id"] = json.loads(created.content)["result"]["id"]  # type: ignore[arg-type]
        note = {"contact_id": seen["id"], "note": "Met at the DNA conference; wants a demo."}
        return calls(  # two more calls in parallel: star her, and write the note
            ("update_a_nimble_contact_by_id", {"id": seen["id"], "is_important": True}, "call_star"),
            ("nimble_contact_notes_create_for_contact", note, "call_note"),
        )

    def finish(messages: list[BaseMessage]) -> AIMessage:
        starred, noted = last_tool_messages(messages)
        assert (starred.status, noted.status) == ("success", "success")
        return AIMessage(content="Rosalind Franklin is in Nimble, starred, with a note.")

    model = ScriptedChatModel(steps=[search_and_whoami, create_badly, create_properly, annotate, finish])
    agent = create_agent(model, tools=toolkit.emit("langchain"), system_prompt="You are a CRM assistant.")
    out = agent.invoke(
        {"messages": [HumanMessage("Add Rosalind Franklin to the CRM unless she is there, and note our meeting.")]},
        config={"configurable": {"nimble_account": "acme"}},
    )

    kinds = [type(m).__name__ for m in out["messages"]]
    assert kinds == [
        *("HumanMessage", "AIMessage", "ToolMessage", "ToolMessage"),  # search and whoami, in parallel
        *("AIMessage", "ToolMessage"),  # the bad call
        *("AIMessage", "ToolMessage"),  # the create
        *("AIMessage", "ToolMessage", "ToolMessage"),  # star and note, in parallel
        "AIMessage",
    ]
    assert [m.tool_call_id for m in out["messages"] if isinstance(m, ToolMessage)] == [
        "call_search",
        "call_me",
        "call_bad",
        "call_create",
        "call_star",
        "call_note",
    ]
    assert out["messages"][-1].content == "Rosalind Franklin is in Nimble, starred, with a note."
    assert {t["function"]["name"] for t in model.bound_tools} == set(resolve(toolkit, None))
    assert set(auth.accounts) == {"acme"}  # every request, parallel ones included, for the run's account

    stored = the_contact(toolkit.call("get_single_nimble_contact_by_id", {"id": seen["id"]}).result)
    assert contact_name(stored) == "Rosalind Franklin" and stored["is_important"] is True
    notes = toolkit.call("list_all_nimble_contact_notes", {"contact_id": seen["id"]}).result
    assert [n["note"] for n in notes] == ["Met at the DNA conference; wants a demo."]
    assert stored["owner_id"] == seen["me"]
