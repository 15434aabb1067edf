"""Spans of every kind of call, read back from OpenTelemetry's in-memory exporter.

Names, attributes and parent/child structure for a plain call, a retried call, refused calls, a
composite action, async calls, a call through each adapter and a meta-tool; spans close and the
context is restored whatever ends a call (a bug, a cancellation).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from adapter_support import recording_toolkit
from langchain_core.messages import ToolMessage
from observability_support import Flaky, Recorded, observed
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import Field

from nimble_tools import (
    CallContext,
    NimbleToolkit,
    NimbleToolsError,
    NotFoundError,
    Operation,
    Params,
    PolicyViolationError,
    RetryPolicy,
    ServerError,
    hookimpl,
    toolsets,
)
from nimble_tools.approval import ApprovalDeclinedError
from nimble_tools.confirmation import ConfirmationRequiredError
from nimble_tools.policies import ReadOnlyPolicy
from nimble_tools.sandbox import SANDBOX_BASE_URL, Sandbox

ME = "list_all_nimble_me"
LEAD = {"first_name": "Ann", "last_name": "Lee", "email": "ann@acme.example", "company": "Acme"}


def flaky_toolkit(*statuses: int) -> NimbleToolkit:
    """A sandbox toolkit whose first requests are answered with ``statuses``; retries never wait."""
    box = Sandbox()
    line = Flaky(box.transport(), statuses)
    toolkit = NimbleToolkit(
        box.api_key,
        base_url=SANDBOX_BASE_URL,
        transport=line,
        async_transport=line,
        retry=RetryPolicy(backoff_base=0.0),
    )
    toolkit.emulator = box
    return toolkit


def attrs(span: Any) -> dict[str, Any]:
    return dict(span.attributes or {})


# -- a plain call ------------------------------------------------------------------------------------


def test_a_plain_call_is_an_execute_tool_span_with_its_request_as_child(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit)
    toolkit.call(ME)
    call = recorded.one(f"execute_tool {ME}")
    assert call.kind is SpanKind.INTERNAL and call.parent is None
    assert call.status.status_code is StatusCode.UNSET
    assert attrs(call) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": ME,
        "gen_ai.tool.type": "function",
        "gen_ai.tool.description": toolkit.operations[ME].description,
        "nimble.operation": ME,
        "nimble.resource": "me",
        "nimble.adapter": "application",
        "nimble.http.requests": 1,
    }
    [request] = recorded.children(call)
    assert request.name == "GET /api/v1/myself" and request.kind is SpanKind.CLIENT
    assert attrs(request) == {
        "http.request.method": "GET",
        "url.template": "/api/v1/myself",
        "server.address": "sandbox.nimble.invalid",
        "http.response.status_code": 200,
        "nimble.operation": ME,
    }
    assert request.context.trace_id == call.context.trace_id
    assert call.start_time <= request.start_time <= request.end_time <= call.end_time


def test_the_request_span_names_the_path_template_not_the_ids(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit)
    some = toolkit.call("list_all_nimble_contacts", {"limit": 1}).result[0]["id"]
    recorded.exporter.clear()
    toolkit.call("get_single_nimble_contact_by_id", {"id": some})
    [request] = recorded.children(recorded.one("execute_tool get_single_nimble_contact_by_id"))
    assert request.name == "GET /api/v1/contact/{id}"
    assert some not in request.name and attrs(request)["url.template"] == "/api/v1/contact/{id}"


def test_a_call_inside_the_applications_span_joins_its_trace(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit)
    tracer = recorded.tracer_provider.get_tracer("agent")
    with tracer.start_as_current_span("invoke_agent crm") as agent:
        toolkit.call(ME)
    call = recorded.one(f"execute_tool {ME}")
    assert call.parent is not None and call.parent.span_id == agent.get_span_context().span_id


# -- retries and failures ----------------------------------------------------------------------------


def test_a_retried_call_shows_every_attempt_with_status_and_retry_after() -> None:
    toolkit = flaky_toolkit(429, 503)
    recorded = observed(toolkit)
    toolkit.call(ME)
    call = recorded.one(f"execute_tool {ME}")
    assert call.status.status_code is StatusCode.UNSET
    assert attrs(call)["nimble.http.requests"] == 3 and attrs(call)["nimble.http.retries"] == 2
    limited, failed, answered = recorded.children(call)
    assert attrs(limited)["http.response.status_code"] == 429
    assert attrs(limited)["http.response.header.retry-after"] == ("0",)
    assert attrs(limited)["nimble.retry_in"] == 0.0 and attrs(limited)["error.type"] == "429"
    assert limited.status.status_code is StatusCode.ERROR and "http.request.resend_count" not in attrs(limited)
    assert attrs(failed)["http.response.status_code"] == 503 and attrs(failed)["http.request.resend_count"] == 1
    assert attrs(answered)["http.response.status_code"] == 200 and attrs(answered)["http.request.resend_count"] == 2
    assert answered.status.status_code is StatusCode.UNSET and "nimble.retry_in" not in attrs(answered)


def test_a_call_that_fails_carries_the_error_class_and_status() -> None:
    toolkit = flaky_toolkit(503)  # a POST is not sent again after a 5xx: it may have been processed
    recorded = observed(toolkit)
    with pytest.raises(ServerError):
        toolkit.call("create_a_nimble_contact", {"fields": {"first_name": "Ann"}})
    call = recorded.one("execute_tool create_a_nimble_contact")
    assert call.status.status_code is StatusCode.ERROR
    assert call.status.description == "ServerError"  # the class, not the message, by default
    assert attrs(call)["error.type"] == "ServerError" and attrs(call)["http.response.status_code"] == 503
    [request] = recorded.children(call)
    assert attrs(request)["error.type"] == "503" and "nimble.retry_in" not in attrs(request)


def test_not_found_is_an_error_span(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit)
    with pytest.raises(NotFoundError):
        toolkit.call("get_single_nimble_contact_by_id", {"id": "0" * 24})
    call = recorded.one("execute_tool get_single_nimble_contact_by_id")
    assert attrs(call)["error.type"] == "NotFoundError"
    assert call.status.status_code is StatusCode.ERROR


# -- refused calls -----------------------------------------------------------------------------------


def test_a_call_a_policy_refuses_has_a_span_and_no_request(toolkit: NimbleToolkit) -> None:
    toolkit.register_plugin(ReadOnlyPolicy())
    recorded = observed(toolkit)
    with pytest.raises(PolicyViolationError):
        toolkit.call("create_a_nimble_contact", {"fields": {"first_name": "Ann"}})
    call = recorded.one("execute_tool create_a_nimble_contact")
    assert attrs(call)["error.type"] == "PolicyViolationError" and attrs(call)["nimble.http.requests"] == 0
    assert recorded.children(call) == []


def test_a_held_delete_shows_its_preview_and_confirmation(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit)
    [delete] = toolkit.emit("callables", tools=["nimble_contacts_bulk"])
    with pytest.raises(ConfirmationRequiredError) as held:
        delete(keyword="Turing")
    asked = recorded.one("execute_tool nimble_contacts_bulk")
    assert attrs(asked)["error.type"] == "ConfirmationRequiredError"
    assert [(e.name, dict(e.attributes or {})) for e in asked.events] == [
        ("nimble.confirmation", {"nimble.confirmation.outcome": "asked", "nimble.confirmation.via": "token"})
    ]
    previews = recorded.children(asked)  # the preview counts the records: steps of the held call
    assert previews and all(attrs(step)["nimble.step"] is True for step in previews)
    assert all(step.name.startswith("execute_tool ") for step in previews)
    recorded.exporter.clear()
    delete(keyword="Turing", confirm_token=held.value.confirm_token)
    [done] = [span for span in recorded.roots() if span.name == "execute_tool nimble_contacts_bulk"]
    assert done.status.status_code is StatusCode.UNSET
    assert [dict(e.attributes or {})["nimble.confirmation.outcome"] for e in done.events] == ["approved"]
    assert any(kid.name.startswith("DELETE ") for kid in recorded.children(done))


def test_a_person_who_declines_leaves_asked_then_refused(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit)
    [delete] = toolkit.emit("callables", tools=["delete_a_nimble_contact_by_id"], approve=False)
    victim = toolkit.call("list_all_nimble_contacts", {"limit": 1}).result[0]["id"]
    with pytest.raises(ApprovalDeclinedError):
        delete(id=victim)
    call = recorded.one("execute_tool delete_a_nimble_contact_by_id")
    assert attrs(call)["error.type"] == "ApprovalDeclinedError"
    outcomes = [
        (dict(e.attributes or {})["nimble.confirmation.outcome"], dict(e.attributes or {})["nimble.confirmation.via"])
        for e in call.events
    ]
    assert outcomes == [("asked", "person"), ("refused", "person")]


def test_a_models_bad_arguments_are_a_failed_span_naming_the_fields(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit)
    toolset = toolkit.emit("openai", tools=["get_single_nimble_contact_by_id"])
    message = {
        "role": "assistant",
        "tool_calls": [
            {
                "id": "call-1",
                "type": "function",
                "function": {"name": "get_single_nimble_contact_by_id", "arguments": '{"id": "../x"}'},
            },
            {"id": "call-2", "type": "function", "function": {"name": "no_such_tool", "arguments": "{}"}},
        ],
    }
    bad, unknown = toolset.dispatch(message)
    assert bad["content"].startswith("Error") and unknown["content"].startswith("Error")
    refused = recorded.one("execute_tool get_single_nimble_contact_by_id")
    assert attrs(refused)["error.type"] == "InvalidArgumentsError"
    assert attrs(refused)["nimble.error.fields"] == ("id",)
    assert attrs(refused)["gen_ai.tool.call.id"] == "call-1" and attrs(refused)["nimble.adapter"] == "openai"
    assert "../x" not in json.dumps([str(v) for v in attrs(refused).values()])
    missing = recorded.one("execute_tool no_such_tool")
    assert attrs(missing)["error.type"] == "UnknownOperationError" and "nimble.operation" not in attrs(missing)
    assert recorded.children(refused) == recorded.children(missing) == []


def test_the_applications_bad_arguments_are_a_failed_span_too(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit)
    with pytest.raises(NimbleToolsError):
        toolkit.call("list_all_nimble_contacts", {"limit": "many"})
    refused = recorded.one("execute_tool list_all_nimble_contacts")
    assert attrs(refused)["error.type"] == "InvalidArgumentsError" and attrs(refused)["nimble.adapter"] == "application"


# -- composite actions -------------------------------------------------------------------------------


def test_a_composite_actions_steps_are_its_children(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit)
    [save] = toolkit.emit("callables", tools=["nimble_find_or_create_contact"])
    save(**LEAD)
    [action] = recorded.roots()
    assert recorded.tree(action) == [
        "execute_tool nimble_find_or_create_contact",
        [
            ["execute_tool list_all_nimble_contacts_search", [["GET /api/v1/contacts", []]]],
            ["execute_tool create_a_nimble_contact", [["POST /api/v1/contact", []]]],
        ],
    ]
    assert attrs(action)["nimble.adapter"] == "callables" and "nimble.step" not in attrs(action)
    for step in recorded.children(action):
        assert attrs(step)["nimble.step"] is True and attrs(step)["nimble.adapter"] == "callables"
        assert step.context.trace_id == action.context.trace_id


def test_a_meta_tools_call_is_a_child_of_the_meta_tool(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit)
    toolset = toolkit.emit("openai", tools=toolsets.tool_search())
    arguments = json.dumps({"name": ME, "arguments": {}})
    message = {
        "role": "assistant",
        "tool_calls": [
            {"id": "call-9", "type": "function", "function": {"name": "call_nimble_tool", "arguments": arguments}}
        ],
    }
    [answer] = toolset.dispatch(message)
    assert not answer["content"].startswith("Error"), answer["content"]
    meta = recorded.one("execute_tool call_nimble_tool")
    assert attrs(meta)["gen_ai.tool.call.id"] == "call-9"
    assert recorded.tree(meta) == [
        "execute_tool call_nimble_tool",
        [[f"execute_tool {ME}", [["GET /api/v1/myself", []]]]],
    ]


# -- async -------------------------------------------------------------------------------------------


def test_async_calls_have_the_same_spans(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit)

    async def run() -> None:
        await toolkit.acall(ME)
        [save] = toolkit.emit("callables", tools=["nimble_find_or_create_contact"], asynchronous=True)
        await save(**LEAD)
        await toolkit.aclose()

    asyncio.run(run())
    me, action = sorted(recorded.roots(), key=lambda span: span.start_time or 0)
    assert recorded.tree(me) == [f"execute_tool {ME}", [["GET /api/v1/myself", []]]]
    assert [kid.name for kid in recorded.children(action)] == [
        "execute_tool list_all_nimble_contacts_search",
        "execute_tool create_a_nimble_contact",
    ]


def test_concurrent_async_calls_do_not_nest_in_each_other(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit)

    async def run() -> None:
        await asyncio.gather(*(toolkit.acall(ME) for _ in range(5)))
        await toolkit.aclose()

    asyncio.run(run())
    calls = recorded.named(f"execute_tool {ME}")
    assert len(calls) == 5 and all(call.parent is None for call in calls)
    assert len({call.context.trace_id for call in calls}) == 5
    for call in calls:
        assert [kid.name for kid in recorded.children(call)] == ["GET /api/v1/myself"]


# -- every adapter -----------------------------------------------------------------------------------


def _langchain(toolkit: NimbleToolkit) -> None:
    [tool] = toolkit.emit("langchain", tools=[ME])
    message = tool.invoke({"type": "tool_call", "name": ME, "args": {}, "id": "call-lc"})
    assert isinstance(message, ToolMessage) and message.status == "success"


def _openai(toolkit: NimbleToolkit) -> None:
    toolset = toolkit.emit("openai", tools=[ME])
    call = {"id": "call-oa", "type": "function", "function": {"name": ME, "arguments": "{}"}}
    [answer] = toolset.dispatch({"role": "assistant", "tool_calls": [call]})
    assert not answer["content"].startswith("Error")


def _callables(toolkit: NimbleToolkit) -> None:
    [function] = toolkit.emit("callables", tools=[ME])
    function()


def _mcp(toolkit: NimbleToolkit) -> None:
    from mcp import Client

    async def run() -> None:
        async with Client(toolkit.emit("mcp", tools=[ME])) as client:
            result = await client.call_tool(ME, {})
            assert not result.is_error

    anyio.run(run)


@pytest.mark.parametrize(
    ("target", "drive", "call_id"),
    [
        ("langchain", _langchain, "call-lc"),
        ("openai", _openai, "call-oa"),
        ("callables", _callables, None),
        ("mcp", _mcp, "*"),
    ],
)
def test_a_call_through_each_adapter_names_it_and_the_hosts_call_id(
    toolkit: NimbleToolkit, target: str, drive: Callable[[NimbleToolkit], None], call_id: str | None
) -> None:
    recorded = observed(toolkit)
    drive(toolkit)
    call = recorded.one(f"execute_tool {ME}")
    assert attrs(call)["nimble.adapter"] == target
    if call_id is None:
        assert "gen_ai.tool.call.id" not in attrs(call)
    elif call_id == "*":  # MCP: the JSON-RPC request id
        assert attrs(call)["gen_ai.tool.call.id"]
    else:
        assert attrs(call)["gen_ai.tool.call.id"] == call_id
    assert [kid.name for kid in recorded.children(call)] == ["GET /api/v1/myself"]


def test_a_renamed_tool_shows_the_models_name_and_the_operation(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit)
    [function] = toolkit.emit("callables", tools=toolsets.named(ME).prefixed("crm"))
    function()
    [call] = recorded.roots()
    assert call.name == f"execute_tool crm_{ME}"
    assert attrs(call)["gen_ai.tool.name"] == f"crm_{ME}" and attrs(call)["nimble.operation"] == ME


# -- whatever ends a call, its span ends and the context is restored ---------------------------------


class BrokenParams(Params):
    wait: bool = Field(False, description="Wait forever instead of failing.")


class Broken:
    """A plugin operation that fails with a bug, or hangs until cancelled."""

    def __init__(self) -> None:
        self.waiting = asyncio.Event()

    @hookimpl
    def register_operations(self, register: Callable[[Operation], None]) -> None:
        def handler(context: CallContext, params: BrokenParams) -> None:
            raise RuntimeError("a bug in a handler")

        async def async_handler(context: CallContext, params: BrokenParams) -> None:
            if params.wait:
                self.waiting.set()
                await asyncio.Event().wait()
            raise RuntimeError("a bug in a handler")

        register(
            Operation(
                name="broken",
                description="Fails.",
                params=BrokenParams,
                resource="test",
                read_only=True,
                handler=handler,
                async_handler=async_handler,
            )
        )


def test_a_bug_in_a_handler_ends_the_span_and_restores_the_context(toolkit: NimbleToolkit) -> None:
    toolkit.register_plugin(Broken())
    recorded = observed(toolkit)
    with pytest.raises(RuntimeError):
        toolkit.call("broken")
    call = recorded.one("execute_tool broken")
    assert attrs(call)["error.type"] == "RuntimeError" and call.status.status_code is StatusCode.ERROR
    assert trace.get_current_span() is trace.INVALID_SPAN  # nothing left attached
    toolkit.call(ME)
    assert recorded.one(f"execute_tool {ME}").parent is None


def test_a_cancelled_async_call_ends_its_span(toolkit: NimbleToolkit) -> None:
    broken = Broken()
    toolkit.register_plugin(broken)
    recorded = observed(toolkit)

    async def run() -> None:
        task = asyncio.ensure_future(toolkit.acall("broken", {"wait": True}))
        await broken.waiting.wait()  # the call is inside its handler
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert trace.get_current_span() is trace.INVALID_SPAN

    asyncio.run(run())
    call = recorded.one("execute_tool broken")
    assert attrs(call)["error.type"] == "CancelledError"


# -- content and accounts ----------------------------------------------------------------------------


def test_arguments_results_and_messages_are_recorded_only_when_asked(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit)
    toolkit.call("list_all_nimble_contacts", {"keyword": "Turing", "limit": 1})
    with pytest.raises(NotFoundError):
        toolkit.call("get_single_nimble_contact_by_id", {"id": "0" * 24})
    quiet = recorded.spans()
    assert not any(
        key.startswith("gen_ai.tool.call.a") or key == "gen_ai.tool.call.result" for s in quiet for key in attrs(s)
    )
    assert "Turing" not in json.dumps([str(v) for s in quiet for v in attrs(s).values()])
    assert all(not s.events for s in quiet)

    loud = observed(toolkit, record_content=True)
    toolkit.call("list_all_nimble_contacts", {"keyword": "Turing", "limit": 1})
    with pytest.raises(NotFoundError):
        toolkit.call("get_single_nimble_contact_by_id", {"id": "0" * 24})
    listed = loud.one("execute_tool list_all_nimble_contacts")
    assert json.loads(attrs(listed)["gen_ai.tool.call.arguments"]) == {"keyword": "Turing", "limit": 1}
    assert "Turing" in attrs(listed)["gen_ai.tool.call.result"]
    missing = loud.one("execute_tool get_single_nimble_contact_by_id")
    assert missing.status.description and "0" * 24 in missing.status.description
    assert [event.name for event in missing.events] == ["exception"]


def test_a_confirm_token_is_never_recorded_as_an_argument(toolkit: NimbleToolkit) -> None:
    recorded = observed(toolkit, record_content=True)
    [delete] = toolkit.emit("callables", tools=["nimble_contacts_bulk"])
    with pytest.raises(ConfirmationRequiredError) as held:
        delete(keyword="Turing")
    delete(keyword="Turing", confirm_token=held.value.confirm_token)
    texts = json.dumps([str(v) for s in recorded.spans() for v in [*attrs(s).values(), s.status.description]])
    assert held.value.confirm_token not in texts
    assert "Turing" in texts  # the content itself was recorded, as asked


def test_the_account_is_recorded_as_a_keyed_hash() -> None:
    toolkit, _ = recording_toolkit()
    recorded = observed(toolkit, account_key=b"our secret key")
    toolkit.call(ME, account="acme-corp")
    call = recorded.one(f"execute_tool {ME}")
    assert recorded.plugin is not None
    hashed = recorded.plugin.account_hash("acme-corp")
    assert attrs(call)["nimble.account.hash"] == hashed and len(hashed) == 16
    assert "acme-corp" not in json.dumps([str(v) for s in recorded.spans() for v in attrs(s).values()])
    assert observed(toolkit).plugin.account_hash("acme-corp") != hashed  # type: ignore[union-attr]


def test_a_second_instrument_replaces_the_first(toolkit: NimbleToolkit) -> None:
    first = observed(toolkit)
    second = observed(toolkit)
    toolkit.call(ME)
    assert first.spans() == [] and len(second.spans()) == 2


def test_recorder_without_provider_is_plugin_without_spans(toolkit: NimbleToolkit) -> None:
    """A plugin given a meter provider only records metrics: no span, no trace id in the log event."""
    from nimble_tools.observability._plugin import ObservabilityPlugin

    recorded = Recorded()
    plugin = ObservabilityPlugin(tracer_provider=None, meter_provider=recorded.meter_provider)
    toolkit.register_plugin(plugin)
    toolkit.call(ME)
    assert recorded.spans() == [] and recorded.total("nimble_tools.calls") == 1
