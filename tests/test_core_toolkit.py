"""The facade and the one call path: validation, hooks, path safety, paging, the escape hatch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import httpx
import pytest
from pydantic import Field

from nimble_tools import (
    BODY,
    CallContext,
    ConfigurationError,
    InvalidArgumentsError,
    NimbleToolkit,
    NotFoundError,
    Operation,
    Params,
    PolicyViolationError,
    Result,
    UnknownOperationError,
    UnsafePathValueError,
    UsageError,
    hookimpl,
)


def sent(toolkit: NimbleToolkit) -> int:
    assert toolkit.emulator is not None
    return toolkit.emulator.request_count


# -- construction ------------------------------------------------------------------------------


def test_from_env_names_the_variable_and_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NIMBLE_API_KEY", raising=False)
    with pytest.raises(ConfigurationError) as caught:
        NimbleToolkit.from_env()
    assert "NIMBLE_API_KEY" in str(caught.value) and "sandbox()" in str(caught.value)


def test_from_env_reads_key_and_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"user_id": "u"})

    monkeypatch.setenv("NIMBLE_API_KEY", "k-123")
    monkeypatch.setenv("NIMBLE_BASE_URL", "https://eu.nimble.example")
    toolkit = NimbleToolkit.from_env(transport=httpx.MockTransport(handler))
    toolkit.call("list_all_nimble_me")
    assert seen[0].url == "https://eu.nimble.example/api/v1/myself"
    assert seen[0].headers["authorization"] == "Bearer k-123"


def test_no_credentials_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="api_key"):
        NimbleToolkit()


# -- bad input sends nothing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "arguments", "field", "problem"),
    [
        ("get_single_nimble_contact_by_id", {}, "id", "required"),
        ("get_single_nimble_contact_by_id", {"id": 42}, "id", "string"),
        ("get_single_nimble_contact_by_id", {"id": "../../myself"}, "id", "not a Nimble id"),
        ("get_single_nimble_contact_by_id", {"id": "5e" * 12, "extra": 1}, "extra", "unknown field"),
        ("list_all_nimble_contacts", {"limit": "many"}, "limit", "integer"),
        ("nimble_contacts_contact_ids", {"keyword": "a", "query": {"tag": {"is": "b"}}}, "", "mutually exclusive"),
        ("list_all_nimble_contacts", {"query": {"tag": {"is": "b"}}}, "query", "unknown field"),
    ],
)
def test_bad_arguments_name_tool_and_field_and_send_nothing(
    toolkit: NimbleToolkit, name: str, arguments: dict[str, Any], field: str, problem: str
) -> None:
    before = sent(toolkit)
    with pytest.raises(InvalidArgumentsError) as caught:
        toolkit.call(name, arguments)
    message = caught.value.for_model()
    assert name in message and field in message and problem in message
    assert "nothing was sent" in message
    assert sent(toolkit) == before


def test_unknown_operation_sends_nothing(toolkit: NimbleToolkit) -> None:
    before = sent(toolkit)
    with pytest.raises(UnknownOperationError):
        toolkit.call("drop_all_tables", {})
    assert sent(toolkit) == before


def test_arguments_must_be_an_object(toolkit: NimbleToolkit) -> None:
    with pytest.raises(InvalidArgumentsError, match="expected a JSON object"):
        toolkit.call("list_all_nimble_me", ["not", "a", "dict"])  # type: ignore[arg-type]


class TagParams(Params):
    tag_name: str = Field(description="A tag name.")
    note: Annotated[str | None, BODY] = None


TAG_OPERATION = Operation(
    name="rename_tag_test",
    description="Rename a tag (test operation with a free-text path value).",
    params=TagParams,
    resource="tags",
    method="PUT",
    path="/api/v2/deals/tags/{tag_name}",
    idempotent=True,
)


class TagPlugin:
    @hookimpl
    def register_operations(self, register: Callable[[Operation], None]) -> None:
        register(TAG_OPERATION)


def recording_toolkit() -> tuple[NimbleToolkit, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    toolkit = NimbleToolkit("k", transport=httpx.MockTransport(handler), autoload_plugins=False)
    toolkit.register_plugin(TagPlugin(), name="tags")
    return toolkit, seen


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("vip", "vip"),
        ("a/b", "a%2Fb"),
        ("../contacts", "..%2Fcontacts"),
        ("x?delete=1", "x%3Fdelete%3D1"),
        ("tag#frag", "tag%23frag"),
        ("100%", "100%25"),
        ("%2F", "%252F"),
        ("zoë café", "zo%C3%AB%20caf%C3%A9"),
    ],
)
def test_free_path_values_are_encoded_so_the_route_cannot_change(value: str, encoded: str) -> None:
    toolkit, seen = recording_toolkit()
    toolkit.call("rename_tag_test", {"tag_name": value, "note": "n"})
    assert seen[0].url.raw_path.decode() == f"/api/v2/deals/tags/{encoded}"
    assert seen[0].url.query == b""


@pytest.mark.parametrize("value", ["..", ".", "", "  ", "tab\there", "x" * 201])
def test_unusable_path_values_are_refused_before_sending(value: str) -> None:
    toolkit, seen = recording_toolkit()
    with pytest.raises(UnsafePathValueError) as caught:
        toolkit.call("rename_tag_test", {"tag_name": value})
    assert "rename_tag_test" in str(caught.value) and "tag_name" in str(caught.value)
    assert seen == []


def test_body_marker_and_default_wire_rule() -> None:
    toolkit, seen = recording_toolkit()
    toolkit.call("rename_tag_test", {"tag_name": "a", "note": "hello"})
    assert seen[0].method == "PUT"
    assert seen[0].content == b'{"note":"hello"}'


# -- hooks -------------------------------------------------------------------------------------


class ReadOnlyPolicy:
    def __init__(self) -> None:
        self.errors: list[Exception] = []

    @hookimpl
    def before_call(self, context: CallContext) -> None:
        if not context.operation.read_only and not context.options.get("confirm"):
            raise PolicyViolationError(
                f"{context.operation.name} changes data; pass confirm=True", tool=context.operation.name
            )

    @hookimpl
    def after_call(self, context: CallContext) -> None:
        assert context.result is not None
        context.result = Result({"wrapped": context.result.result}, context.result.next_cursor)

    @hookimpl
    def on_call_error(self, context: CallContext, error: Exception) -> None:
        self.errors.append(error)


def test_before_call_can_veto_and_nothing_is_sent(toolkit: NimbleToolkit) -> None:
    policy = ReadOnlyPolicy()
    toolkit.register_plugin(policy, name="policy")
    before = sent(toolkit)
    with pytest.raises(PolicyViolationError, match="confirm=True"):
        toolkit.call("delete_a_nimble_contact_by_id", {"id": "5e" * 12})
    assert sent(toolkit) == before
    assert isinstance(policy.errors[0], PolicyViolationError)
    me = toolkit.call("list_all_nimble_me")
    assert set(me.result) == {"wrapped"}


def test_before_call_can_alter_params(toolkit: NimbleToolkit) -> None:
    class CapLimit:
        @hookimpl
        def before_call(self, context: CallContext) -> None:
            if "limit" in type(context.params).model_fields:
                context.params = context.params.model_copy(update={"limit": 2})

    toolkit.register_plugin(CapLimit(), name="cap")
    assert len(toolkit.call("list_all_nimble_contacts", {"limit": 50}).result) == 2


def test_on_call_error_sees_api_errors(toolkit: NimbleToolkit) -> None:
    seen: list[Exception] = []

    class Observer:
        @hookimpl
        def on_call_error(self, context: CallContext, error: Exception) -> None:
            seen.append(error)

    toolkit.register_plugin(Observer(), name="observer")
    with pytest.raises(NotFoundError):
        toolkit.call("get_single_nimble_contact_by_id", {"id": "0" * 24})
    assert isinstance(seen[0], NotFoundError)


# -- paging ------------------------------------------------------------------------------------


def test_cursor_round_trips_through_every_page(toolkit: NimbleToolkit) -> None:
    everyone = {c["id"] for c in toolkit.call("list_all_nimble_contacts", {"limit": 100}).result}
    seen: list[str] = []
    arguments: dict[str, Any] = {"limit": 5}
    while True:
        page = toolkit.call("list_all_nimble_contacts", arguments)
        seen += [c["id"] for c in page.result]
        if page.next_cursor is None:
            break
        arguments = {"next_cursor": page.next_cursor}
    assert len(seen) == len(set(seen)) == len(everyone) > 5
    assert set(seen) == everyone


def test_paginate_stops_at_max_items(toolkit: NimbleToolkit) -> None:
    items = list(toolkit.paginate("nimble_contacts_contact_ids", {"limit": 4}, max_items=10))
    assert len(items) == 10 and len(set(items)) == 10
    assert len(list(toolkit.paginate("nimble_contacts_contact_ids", {"limit": 4}, max_pages=2))) == 8


def test_paginate_refuses_single_record_operations(toolkit: NimbleToolkit) -> None:
    with pytest.raises(UsageError, match="not a list operation"):
        list(toolkit.paginate("list_all_nimble_me"))


@pytest.mark.parametrize("cursor", ["garbage!", "eyJmb28iOjF9"])
def test_foreign_or_forged_cursor_is_refused(toolkit: NimbleToolkit, cursor: str) -> None:
    with pytest.raises(InvalidArgumentsError, match="next_cursor"):
        toolkit.call("list_all_nimble_contacts", {"next_cursor": cursor})


def test_cursor_of_another_tool_is_refused(toolkit: NimbleToolkit) -> None:
    cursor = toolkit.call("nimble_contacts_contact_ids", {"limit": 2}).next_cursor
    assert cursor
    with pytest.raises(InvalidArgumentsError, match="belongs to tool 'nimble_contacts_contact_ids'"):
        toolkit.call("list_all_nimble_contacts", {"next_cursor": cursor})


def test_envelope_json_form(toolkit: NimbleToolkit) -> None:
    page = toolkit.call("nimble_contacts_contact_ids", {"limit": 1})
    assert page.to_dict() == {"result": page.result, "next_cursor": page.next_cursor}
    assert page.raw["meta"]["per_page"] == 1


@pytest.mark.anyio
async def test_async_call_and_paginate(toolkit: NimbleToolkit) -> None:
    me = await toolkit.acall("list_all_nimble_me")
    assert me.result["name"]
    ids = [i async for i in toolkit.apaginate("nimble_contacts_contact_ids", {"limit": 3}, max_items=7)]
    assert len(set(ids)) == 7
    with pytest.raises(InvalidArgumentsError):
        await toolkit.acall("get_single_nimble_contact_by_id", {"id": "nope"})


# -- the escape hatch --------------------------------------------------------------------------


def test_request_reaches_any_endpoint_with_the_same_client(toolkit: NimbleToolkit) -> None:
    ids = toolkit.request("GET", "/api/v1/contacts/ids", params={"per_page": 2}).result
    assert len(ids["resources"]) == 2
    with pytest.raises(NotFoundError):
        toolkit.request("GET", f"/api/v1/contacts/notes/{'0' * 24}")
    # the raw answer as Nimble sends it: a missing contact reads as an empty list (only operations interpret it)
    assert toolkit.request("GET", f"/api/v1/contact/{'0' * 24}").result == {"resources": []}


@pytest.mark.parametrize("path", ["https://evil.example/api", "//evil.example/x", "/api/v1/../x", "api/v1", "/a?b=1"])
def test_request_refuses_paths_that_leave_the_host_or_route(toolkit: NimbleToolkit, path: str) -> None:
    with pytest.raises(UsageError, match="plain absolute path"):
        toolkit.request("GET", path)


@pytest.mark.anyio
async def test_async_request(toolkit: NimbleToolkit) -> None:
    assert (await toolkit.arequest("GET", "/api/v1/myself")).result["user_id"]
