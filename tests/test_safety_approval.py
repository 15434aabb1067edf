"""Where the host can ask the person, the person decides; the same ``approve`` vocabulary everywhere.

1. Each framework's own mechanism asks, with the preview (and its count): a LangGraph interrupt,
   an approver function or flag of the OpenAI dispatcher, MCP elicitation (in both protocol eras,
   falling back to the token for clients that cannot elicit), an approve function for callables.
2. A token the model sends never overrides the person: with an approver, no tool offers one, and a
   model that sends one anyway is still asked about (or refused).
3. ``approve`` takes one vocabulary in every adapter: None, True, False, a function, and the host
   mechanisms ``"interrupt"`` (LangChain) and ``"elicit"`` (MCP); anything else is refused the same way.
4. Approval payloads are plain JSON data (LangGraph's checkpointers store them).
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import anyio
import pytest
from hardening_support import ADAPTERS, Wire
from langchain_core.messages import AIMessage, ToolMessage
from mcp import Client, types

from nimble_tools import NimbleToolkit, PolicyViolationError, UsageError
from nimble_tools.adapter_support import CONFIRM_TOKEN
from nimble_tools.approval import ApprovalDeclinedError, ApprovalRequest, call_with_approval, is_approval

DELETE = "delete_a_nimble_contact_by_id"
BULK = "nimble_contacts_bulk"
TOKEN = re.compile(r"confirm_token='([A-Za-z0-9_-]+)'")


def people(toolkit: NimbleToolkit, count: int = 3) -> list[str]:
    ids: list[str] = toolkit.call("nimble_contacts_contact_ids", {"record_type": "person", "limit": count}).result
    return ids


def exists(toolkit: NimbleToolkit, contact_id: str) -> bool:
    assert toolkit.emulator is not None
    return contact_id in toolkit.emulator.state.table("contacts")


def tag(toolkit: NimbleToolkit, ids: list[str], label: str) -> dict[str, Any]:
    for contact_id in ids:
        toolkit.call("nimble_contacts_assign_tags", {"id": contact_id, "tags": [label]})
    return {"query": {"field": "tag", "operator": "is", "value": label}}


# -- LangChain: a LangGraph interrupt ---------------------------------------------------------------------


def tool_graph(toolkit: NimbleToolkit, **options: Any) -> Any:
    # Imported here, not at the top: every test worker collects every file, and LangGraph takes a second to import.
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.graph import END, START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode

    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode(toolkit.emit("langchain", approve="interrupt", **options)))
    graph.add_edge(START, "tools")
    graph.add_edge("tools", END)
    return graph.compile(checkpointer=InMemorySaver())


def asks(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"messages": [AIMessage(content="", tool_calls=[{"name": name, "args": arguments, "id": "call-1"}])]}


@pytest.mark.parametrize(
    ("answer", "deleted"), [(True, True), ({"approved": True}, True), ("no", False), (False, False)]
)
def test_langgraph_interrupt_asks_a_person(wired: tuple[NimbleToolkit, Wire], answer: Any, deleted: bool) -> None:
    from langgraph.types import Command

    toolkit, wire = wired
    victim = people(toolkit, 1)[0]
    graph = tool_graph(toolkit)
    config = {"configurable": {"thread_id": "t1"}}

    paused = graph.invoke(asks(DELETE, {"id": victim}), config)
    [pause] = paused["__interrupt__"]
    assert pause.value["tool"] == DELETE and pause.value["arguments"] == {"id": victim}
    assert "cannot be undone" in pause.value["preview"] and pause.value["question"].startswith(f"Allow {DELETE}?")
    assert exists(toolkit, victim) and not any(s.method == "DELETE" for s in wire.sent)

    finished = graph.invoke(Command(resume=answer), config)
    message = finished["messages"][-1]
    assert isinstance(message, ToolMessage)
    assert exists(toolkit, victim) is not deleted
    assert (message.status == "success") is deleted
    if not deleted:
        assert "The user declined" in str(message.content) and "Do not repeat the call" in str(message.content)
        assert "confirm_token" not in str(message.content)


def test_langgraph_interrupt_shows_the_mass_delete_count(wired: tuple[NimbleToolkit, Wire]) -> None:
    toolkit, _ = wired
    selection = tag(toolkit, people(toolkit, 3), "purge-me")
    graph = tool_graph(toolkit, names=[BULK])
    paused = graph.invoke(asks(BULK, selection), {"configurable": {"thread_id": "bulk"}})
    assert "3 contact(s)" in paused["__interrupt__"][0].value["preview"]


def test_langchain_tools_with_an_approver_hide_the_token(wired: tuple[NimbleToolkit, Wire]) -> None:
    toolkit, _ = wired
    [tool] = toolkit.emit("langchain", names=[DELETE], approve="interrupt")
    assert CONFIRM_TOKEN not in tool.tool_call_schema.model_json_schema()["properties"]
    [plain] = toolkit.emit("langchain", names=[DELETE])
    assert CONFIRM_TOKEN in plain.tool_call_schema.model_json_schema()["properties"]
    with pytest.raises(UsageError, match=r"approve takes None .*'interrupt'; got 'sometimes'"):
        toolkit.emit("langchain", approve="sometimes")


def test_langchain_approver_function_async(wired: tuple[NimbleToolkit, Wire]) -> None:
    toolkit, _ = wired
    first, second = people(toolkit, 2)
    asked: list[ApprovalRequest] = []

    def approve(request: ApprovalRequest) -> bool:
        asked.append(request)
        return request.arguments["id"] == first

    [tool] = toolkit.emit("langchain", names=[DELETE], approve=approve)
    ok = asyncio.run(tool.ainvoke({"type": "tool_call", "name": DELETE, "args": {"id": first}, "id": "1"}))
    no = asyncio.run(tool.ainvoke({"type": "tool_call", "name": DELETE, "args": {"id": second}, "id": "2"}))
    assert (ok.status, no.status) == ("success", "error")
    assert not exists(toolkit, first) and exists(toolkit, second)
    assert [r.arguments["id"] for r in asked] == [first, second]


# -- OpenAI: an approval callback or flag on the dispatcher ----------------------------------------------


def deletion_call(*ids: str) -> dict[str, Any]:
    calls = [
        {"id": f"c{i}", "type": "function", "function": {"name": DELETE, "arguments": json.dumps({"id": v})}}
        for i, v in enumerate(ids)
    ]
    return {"role": "assistant", "content": None, "tool_calls": calls}


def test_openai_dispatch_asks_the_approver_per_held_call(wired: tuple[NimbleToolkit, Wire]) -> None:
    toolkit, _ = wired
    keep, drop = people(toolkit, 2)
    asked: list[ApprovalRequest] = []

    def approve(request: ApprovalRequest) -> bool:
        asked.append(request)
        return request.arguments["id"] == drop

    toolset = toolkit.emit("openai", approve=approve)
    schema = next(t for t in toolset if t["function"]["name"] == DELETE)["function"]["parameters"]
    assert CONFIRM_TOKEN not in schema["properties"]
    kept, dropped = toolset.dispatch(deletion_call(keep, drop))
    assert kept["content"].startswith("Error: The user declined") and "confirm_token" not in kept["content"]
    assert not dropped["content"].startswith("Error"), dropped["content"]
    assert exists(toolkit, keep) and not exists(toolkit, drop)
    assert [r.tool for r in asked] == [DELETE, DELETE] and all("cannot be undone" in r.preview for r in asked)


@pytest.mark.parametrize(("flag", "deleted"), [(True, True), (False, False)])
def test_openai_dispatch_approval_flag(wired: tuple[NimbleToolkit, Wire], flag: bool, deleted: bool) -> None:
    toolkit, _ = wired
    victim = people(toolkit, 1)[0]
    toolset = toolkit.emit("openai")  # the model-driven token flow stays available without a flag
    [result] = toolset.dispatch(deletion_call(victim), approve=flag)
    assert exists(toolkit, victim) is not deleted
    assert result["content"].startswith("Error: The user declined") is not deleted


def test_openai_adispatch_with_an_async_approver_counts_the_bulk_delete(wired: tuple[NimbleToolkit, Wire]) -> None:
    toolkit, _ = wired
    doomed = people(toolkit, 3)
    selection = tag(toolkit, doomed, "purge-me")
    previews: list[str] = []

    async def approve(request: ApprovalRequest) -> bool:
        previews.append(request.preview)
        return True

    toolset = toolkit.emit("openai", names=[BULK])
    call = {"id": "b", "type": "function", "function": {"name": BULK, "arguments": json.dumps(selection)}}
    [result] = asyncio.run(toolset.adispatch({"role": "assistant", "tool_calls": [call]}, approve=approve))
    assert not result["content"].startswith("Error"), result["content"]
    assert "3 contact(s)" in previews[0]
    assert not any(exists(toolkit, contact_id) for contact_id in doomed)
    with pytest.raises(UsageError, match=r"approve takes None .*; got 'yes'"):
        toolset.dispatch({"role": "assistant", "tool_calls": [call]}, approve="yes")  # type: ignore[arg-type]


# -- MCP: destructiveHint, an explicit confirm argument, and elicitation -------------------------------------


def test_mcp_marks_destructive_tools_and_offers_the_confirm_argument(toolkit: NimbleToolkit) -> None:
    server = toolkit.emit("mcp")
    for tool in server.tools:
        operation = toolkit.operations[tool.name]
        assert tool.annotations is not None and tool.annotations.destructive_hint is operation.may_destroy
        assert (CONFIRM_TOKEN in tool.input_schema["properties"]) is operation.may_destroy


def mcp_delete(
    server: Any, arguments: dict[str, Any], answer: dict[str, Any] | None, mode: str = "auto"
) -> types.CallToolResult:
    """Call the delete tool; ``answer`` is the user's elicitation reply (None: the client cannot elicit).

    ``mode="legacy"`` speaks the protocol before 2026-07-28, where the server sends the elicitation
    request itself; the default speaks the current one, where the tool answers InputRequiredResult.
    """
    questions: list[str] = []

    async def elicit(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        questions.append(params.message)
        assert answer is not None
        return types.ElicitResult(**answer)

    async def go() -> types.CallToolResult:
        callback = elicit if answer is not None else None
        async with Client(server, elicitation_callback=callback, mode=mode) as client:
            return await client.call_tool(DELETE, arguments)

    result = anyio.run(go)
    if answer is not None:
        assert len(questions) == 1 and questions[0].startswith(f"Allow {DELETE}?")
    return result


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize(
    ("answer", "deleted"),
    [
        ({"action": "accept", "content": {"approve": True}}, True),
        ({"action": "accept", "content": {"approve": False}}, False),
        ({"action": "decline"}, False),
        ({"action": "cancel"}, False),
    ],
)
def test_mcp_elicits_approval_from_the_user(
    toolkit: NimbleToolkit, answer: dict[str, Any], deleted: bool, mode: str
) -> None:
    victim = people(toolkit, 1)[0]
    result = mcp_delete(toolkit.emit("mcp", approve="elicit"), {"id": victim}, answer, mode)
    assert result.is_error is not deleted
    assert exists(toolkit, victim) is not deleted
    if not deleted:
        assert "The user declined" in result.content[0].text  # type: ignore[union-attr]


def test_mcp_without_elicitation_falls_back_to_the_confirm_argument(toolkit: NimbleToolkit) -> None:
    victim = people(toolkit, 1)[0]
    server = toolkit.emit("mcp", approve="elicit")
    held = mcp_delete(server, {"id": victim}, None)
    text = held.content[0].text  # type: ignore[union-attr]
    assert held.is_error and "needs confirmation" in text
    token = TOKEN.search(text)
    assert token is not None and exists(toolkit, victim)
    done = mcp_delete(server, {"id": victim, CONFIRM_TOKEN: token.group(1)}, None)
    assert not done.is_error and not exists(toolkit, victim)


def test_mcp_elicitation_shows_the_mass_delete_count(toolkit: NimbleToolkit) -> None:
    selection = tag(toolkit, people(toolkit, 3), "purge-me")
    questions: list[str] = []

    async def elicit(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        questions.append(params.message)
        return types.ElicitResult(action="decline")

    async def go() -> types.CallToolResult:
        async with Client(toolkit.emit("mcp", approve="elicit"), elicitation_callback=elicit) as client:
            return await client.call_tool(BULK, selection)

    result = anyio.run(go)
    assert result.is_error and len(questions) == 1
    assert questions[0].startswith(f"Allow {BULK}?") and "3 contact(s)" in questions[0]


def test_the_cascade_count_of_a_pipeline_delete_reaches_the_approver(toolkit: NimbleToolkit) -> None:
    sales = next(p for p in toolkit.call("list_all_nimble_deals_pipelines").result if p["name"] == "Sales")
    assert toolkit.emulator is not None
    deals = [
        d for d in toolkit.emulator.state.table("deals").quiet_values() if d["pipeline_id"] == sales["pipeline_id"]
    ]
    previews: list[str] = []

    def decline(request: ApprovalRequest) -> bool:
        previews.append(request.preview)
        return False

    name = "delete_a_nimble_deals_pipeline_by_id"
    call = {
        "id": "p",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps({"id": sales["pipeline_id"]})},
    }
    [result] = toolkit.emit("openai", tools=[name]).dispatch(
        {"role": "assistant", "tool_calls": [call]}, approve=decline
    )
    assert deals and f"{len(deals)} deal(s)" in previews[0]
    assert result["content"].startswith("Error: The user declined")


# -- callables: a confirm token, or an approve function -------------------------------------------------------


def test_callables_confirm_token_and_mass_delete_count(toolkit: NimbleToolkit) -> None:
    doomed = people(toolkit, 2)
    selection = tag(toolkit, doomed, "purge-me")
    [bulk] = toolkit.emit("callables", names=[BULK], on_error="return")
    held = bulk(**selection)
    assert "2 contact(s)" in held["error"]
    token = TOKEN.search(held["error"])
    assert token is not None and all(exists(toolkit, c) for c in doomed)
    assert "error" not in bulk(**selection, confirm_token=token.group(1))
    assert not any(exists(toolkit, c) for c in doomed)


def test_callables_approve_function(toolkit: NimbleToolkit) -> None:
    victim = people(toolkit, 1)[0]
    [no] = toolkit.emit("callables", names=[DELETE], approve=lambda request: False)
    assert CONFIRM_TOKEN not in no.__signature__.parameters  # type: ignore[attr-defined]
    with pytest.raises(ApprovalDeclinedError, match="The user declined"):
        no(id=victim)
    [yes] = toolkit.emit("callables", names=[DELETE], approve=lambda request: True, asynchronous=True)
    assert "error" not in asyncio.run(yes(id=victim))
    assert not exists(toolkit, victim)


# -- the core helper ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "approved"),
    [
        *[(True, True), ("Yes", True), ("approve", True), ({"approved": True}, True), ({"approve": True}, True)],
        *[(False, False), ("no", False), (1, False), (None, False), ({"approved": "maybe"}, False), ("sure?", False)],
    ],
)
def test_reading_an_answer(answer: Any, approved: bool) -> None:
    assert is_approval(answer) is approved


def test_an_async_approver_cannot_answer_a_sync_call(toolkit: NimbleToolkit) -> None:

    async def approve(request: ApprovalRequest) -> bool:
        return True

    with pytest.raises(UsageError, match="an async approver cannot answer a synchronous call"):
        call_with_approval(toolkit, DELETE, {"id": people(toolkit, 1)[0]}, approve)


def test_non_destructive_calls_never_ask(toolkit: NimbleToolkit) -> None:

    def never(request: ApprovalRequest) -> bool:
        raise AssertionError("asked about a harmless call")

    assert call_with_approval(toolkit, "list_all_nimble_me", {}, never).result["user_id"]


def test_a_declined_call_is_a_policy_refusal(toolkit: NimbleToolkit) -> None:
    with pytest.raises(PolicyViolationError) as caught:
        call_with_approval(toolkit, DELETE, {"id": people(toolkit, 1)[0]}, lambda request: False)
    assert caught.value.tool == DELETE and "Nothing was changed" in caught.value.for_model()


# -- a model's token never overrides the person ------------------------------------------------------------


def a_valid_token(toolkit: NimbleToolkit, victim: str) -> str:
    """A real token for deleting ``victim``, as a model could have obtained from another conversation."""
    [plain] = toolkit.emit("callables", names=[DELETE], on_error="return")
    found = TOKEN.search(plain(id=victim)["error"])
    assert found is not None
    return found.group(1)


def test_openai_asks_the_approver_even_when_the_model_sends_a_token(toolkit: NimbleToolkit) -> None:
    # The finding: the dispatcher skipped its approver when the model supplied confirm_token itself.
    victim = people(toolkit, 1)[0]
    token = a_valid_token(toolkit, victim)
    asked: list[ApprovalRequest] = []

    def never(request: ApprovalRequest) -> bool:
        asked.append(request)
        return False

    toolset = toolkit.emit("openai", strict=False, approve=never)
    arguments = json.dumps({"id": victim, CONFIRM_TOKEN: token})
    call = {"id": "c", "type": "function", "function": {"name": DELETE, "arguments": arguments}}
    [result] = toolset.dispatch({"role": "assistant", "tool_calls": [call]})
    assert result["content"].startswith("Error:") and exists(toolkit, victim)
    assert "confirm_token" in result["content"] and not asked  # refused as an argument it does not take


@pytest.mark.parametrize("target", ["langchain", "callables"])
def test_no_adapter_with_an_approver_takes_a_models_token(toolkit: NimbleToolkit, target: str) -> None:
    victim = people(toolkit, 1)[0]
    token = a_valid_token(toolkit, victim)
    if target == "langchain":
        [tool] = toolkit.emit("langchain", names=[DELETE], approve=lambda request: False)
        message = tool.invoke(
            {"type": "tool_call", "name": DELETE, "args": {"id": victim, CONFIRM_TOKEN: token}, "id": "1"}
        )
        ok, text = message.status == "success", str(message.content)
    else:
        [function] = toolkit.emit("callables", names=[DELETE], approve=lambda request: False, on_error="return")
        out = function(id=victim, **{CONFIRM_TOKEN: token})
        ok, text = "error" not in out, str(out)
    assert not ok and exists(toolkit, victim), text


def test_mcp_elicitation_asks_even_when_the_model_sends_a_token(toolkit: NimbleToolkit) -> None:
    victim = people(toolkit, 1)[0]
    token = a_valid_token(toolkit, victim)
    server = toolkit.emit("mcp")  # elicit is the default; the tool still offers the token for other clients
    result = mcp_delete(server, {"id": victim, CONFIRM_TOKEN: token}, {"action": "decline"})
    assert result.is_error and "The user declined" in result.content[0].text  # type: ignore[union-attr]
    assert exists(toolkit, victim)


# -- one approve vocabulary ----------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ADAPTERS)
def test_approve_takes_one_vocabulary_in_every_adapter(toolkit: NimbleToolkit, target: str) -> None:
    mechanism = {"langchain": "interrupt", "mcp": "elicit"}.get(target)
    for good in (None, True, False, lambda request: True, *([mechanism] if mechanism else [])):
        toolkit.emit(target, names=[DELETE], approve=good)
    for bad in ("sometimes", 3, "interrupt" if target != "langchain" else "elicit"):
        with pytest.raises(UsageError, match=rf"emit\('{target}'\): approve takes None .*True, False, a function"):
            toolkit.emit(target, names=[DELETE], approve=bad)


# -- plain JSON payloads -------------------------------------------------------------------------------------


def test_the_langgraph_interrupt_payload_is_plain_json(wired: tuple[NimbleToolkit, Wire]) -> None:
    toolkit, _ = wired
    selection = {"query": {"join": "and", "conditions": [{"field": "tag", "operator": "is", "value": "vip"}]}}
    graph = tool_graph(toolkit, names=[BULK])
    paused = graph.invoke(asks(BULK, selection), {"configurable": {"thread_id": "json"}})
    payload = paused["__interrupt__"][0].value
    assert json.loads(json.dumps(payload)) == payload  # nothing but JSON types, so any checkpointer stores it
    assert payload["arguments"]["query"] == {"and": [{"tag": {"is": "vip"}}]}  # the search as Nimble takes it
