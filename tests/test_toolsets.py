"""Toolsets: choosing, prefixing and renaming tools, and calls that still take the one call path."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from nimble_tools import (
    CallContext,
    InvalidArgumentsError,
    NimbleToolkit,
    PolicyViolationError,
    UnknownOperationError,
    UsageError,
    hookimpl,
    toolsets,
)
from nimble_tools.projections import COMPACT_HINT
from nimble_tools.toolsets import META_TAG, ToolView, resolve


def sent(toolkit: NimbleToolkit) -> int:
    assert toolkit.emulator is not None
    return toolkit.emulator.request_count


def catalog(toolkit: NimbleToolkit) -> list[str]:
    return [name for name, op in toolkit.operations.items() if META_TAG not in op.tags]


class Recorder:
    """A policy plugin that records every call it sees and refuses deletes."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None, dict[str, Any]]] = []

    @hookimpl
    def before_call(self, context: CallContext) -> None:
        self.seen.append((context.operation.name, context.account, dict(context.options)))
        if context.operation.destructive and not context.options.get("confirm"):
            raise PolicyViolationError(f"{context.operation.name} needs confirm=True", tool=context.operation.name)


# -- choosing --------------------------------------------------------------------------------------


def test_everything_is_the_registry_without_the_meta_tools(toolkit: NimbleToolkit) -> None:
    view = resolve(toolkit, None)
    assert list(view) == catalog(toolkit)
    assert "search_nimble_tools" in toolkit.operations and "search_nimble_tools" not in view


def test_a_list_of_names_keeps_its_order_and_drops_repeats(toolkit: NimbleToolkit) -> None:
    view = resolve(toolkit, ["list_all_nimble_me", "get_single_nimble_contact_by_id", "list_all_nimble_me"])
    assert list(view) == ["list_all_nimble_me", "get_single_nimble_contact_by_id"]
    assert view["list_all_nimble_me"] is toolkit.operations["list_all_nimble_me"]


def test_an_unknown_name_is_refused_with_a_suggestion(toolkit: NimbleToolkit) -> None:
    with pytest.raises(UsageError, match=r"unknown operation 'list_all_nimble_mee'.*list_all_nimble_me"):
        resolve(toolkit, ["list_all_nimble_mee"])


def test_a_plain_string_is_refused_with_the_fix(toolkit: NimbleToolkit) -> None:
    with pytest.raises(UsageError, match=r"write \['list_all_nimble_me'\]"):
        resolve(toolkit, "list_all_nimble_me")


def test_glob_resource_and_flag_filters(toolkit: NimbleToolkit) -> None:
    ops = toolkit.operations
    assert list(toolsets.matching("delete_*").bind(toolkit)) == [n for n in catalog(toolkit) if n.startswith("delete_")]
    assert list(toolsets.everything().excluding("*contact*").bind(toolkit)) == [
        n for n in catalog(toolkit) if "contact" not in n
    ]
    assert list(toolsets.resource("me").bind(toolkit)) == ["list_all_nimble_me"]
    read = toolsets.read_only().bind(toolkit)
    assert read and all(op.read_only for op in read.values())
    assert set(read) == {n for n in catalog(toolkit) if ops[n].read_only}
    safe = toolsets.without_destructive().bind(toolkit)
    assert set(safe) == {n for n in catalog(toolkit) if not ops[n].destructive}
    assert "delete_a_nimble_contact_by_id" not in safe


def test_filters_compose(toolkit: NimbleToolkit) -> None:
    view = toolsets.resource("contacts").read_only().matching("*contact_*").bind(toolkit)
    ops = toolkit.operations
    expected = [n for n in catalog(toolkit) if ops[n].resource == "contacts" and ops[n].read_only and "contact_" in n]
    assert list(view) == expected and expected


def test_filters_take_strings_only() -> None:
    with pytest.raises(UsageError, match="matching"):
        toolsets.matching("")
    with pytest.raises(UsageError, match="resources"):
        toolsets.resource(3)  # type: ignore[arg-type]


# -- naming ----------------------------------------------------------------------------------------


def test_prefixed_names_call_the_original_through_the_call_path() -> None:
    toolkit = NimbleToolkit.sandbox(accounts=["acct-1"])
    recorder = Recorder()
    toolkit.register_plugin(recorder, name="recorder")
    view = toolsets.resource("me").prefixed("crm").bind(toolkit)
    assert list(view) == ["crm_list_all_nimble_me"]
    exposed = view["crm_list_all_nimble_me"]
    assert exposed.name == "crm_list_all_nimble_me"
    assert exposed.params is toolkit.operations["list_all_nimble_me"].params
    before = sent(toolkit)
    result = view.call("crm_list_all_nimble_me", account="acct-1")
    assert sent(toolkit) == before + 1
    assert result.result == toolkit.call("list_all_nimble_me").result
    assert recorder.seen[0][:2] == ("list_all_nimble_me", "acct-1")


def test_policies_see_the_registered_operation_of_a_renamed_tool(toolkit: NimbleToolkit) -> None:
    toolkit.register_plugin(Recorder(), name="recorder")
    view = toolsets.named("delete_a_nimble_contact_by_id").renamed({"delete_a_nimble_contact_by_id": "forget"})
    bound = view.bind(toolkit)
    before = sent(toolkit)
    with pytest.raises(PolicyViolationError, match="delete_a_nimble_contact_by_id needs confirm"):
        bound.call("forget", {"id": "5f0000000000000000000000"})
    assert sent(toolkit) == before


def test_renaming_an_absent_tool_or_onto_a_taken_name_fails(toolkit: NimbleToolkit) -> None:
    with pytest.raises(UsageError, match="renamed\\(\\): nope not in"):
        toolsets.resource("me").renamed({"nope": "x"}).bind(toolkit)
    clash = toolsets.named("list_all_nimble_me", "get_single_nimble_contact_by_id").renamed(
        {"get_single_nimble_contact_by_id": "list_all_nimble_me"}
    )
    with pytest.raises(UsageError, match="both be named 'list_all_nimble_me'"):
        clash.bind(toolkit)


def test_a_prefix_that_would_overflow_64_characters_shortens_the_name(toolkit: NimbleToolkit) -> None:
    longest = max(catalog(toolkit), key=len)
    prefix = "x" * (64 - len(longest))
    (name,) = toolsets.named(longest).prefixed(prefix).bind(toolkit)
    assert name.startswith(prefix + "_") and len(name) <= 64
    fitted = toolsets.named(longest).prefixed(prefix).short_names(reserve="mcp__nimble__").bind(toolkit)
    (short,) = fitted
    assert len("mcp__nimble__" + short) <= 64
    assert fitted.origin(short) == longest
    with pytest.raises(InvalidArgumentsError, match=f"tool '{longest}'"):
        fitted.call(short, {"no_such_argument": 1})  # it still runs (and validates as) the original


def test_renaming_to_an_overlong_name_is_refused(toolkit: NimbleToolkit) -> None:
    with pytest.raises(UsageError, match="at most 64 characters"):
        toolsets.resource("me").renamed({"list_all_nimble_me": "m" * 65}).bind(toolkit)


def test_bad_prefixes_are_refused() -> None:
    for bad in ("", "crm-tools", "crm tools", "ümlaut"):
        with pytest.raises(UsageError, match="prefix must be"):
            toolsets.everything().prefixed(bad)


def test_combining_views_and_their_conflicts(toolkit: NimbleToolkit) -> None:
    both = toolsets.resource("me") | toolsets.named("get_single_nimble_contact_by_id", "list_all_nimble_me")
    assert list(both.bind(toolkit)) == ["list_all_nimble_me", "get_single_nimble_contact_by_id"]
    clash = toolsets.resource("me") | toolsets.named("get_single_nimble_contact_by_id").renamed(
        {"get_single_nimble_contact_by_id": "list_all_nimble_me"}
    )
    with pytest.raises(UsageError, match="both expose a tool named 'list_all_nimble_me'"):
        clash.bind(toolkit)


def test_view_lookups_name_close_tools(toolkit: NimbleToolkit) -> None:
    view = toolsets.resource("me").bind(toolkit)
    with pytest.raises(UnknownOperationError, match="list_all_nimble_me"):
        view.call("list_all_nimble_mee")
    assert "list_all_nimble_me" in view and "nope" not in view


def test_a_bound_view_belongs_to_its_toolkit(toolkit: NimbleToolkit) -> None:
    view = toolsets.resource("me").bind(toolkit)
    assert resolve(toolkit, view) is view
    with pytest.raises(UsageError, match="another toolkit"):
        resolve(NimbleToolkit.sandbox(), view)


def test_async_calls_take_the_same_route() -> None:
    toolkit = NimbleToolkit.sandbox(accounts=["acct-2"])
    recorder = Recorder()
    toolkit.register_plugin(recorder, name="recorder")
    view = toolsets.resource("me").prefixed("crm").bind(toolkit)
    result = asyncio.run(view.acall("crm_list_all_nimble_me", account="acct-2"))
    assert result.result["email"] == "admin@sandbox.example"
    assert recorder.seen[0][:2] == ("list_all_nimble_me", "acct-2")


# -- model-sized results ---------------------------------------------------------------------------


def test_list_results_are_compact_by_default_and_full_on_request(toolkit: NimbleToolkit) -> None:
    compact = resolve(toolkit, ["list_all_nimble_contacts"])
    full = toolsets.named("list_all_nimble_contacts").full_results().bind(toolkit)
    assert compact["list_all_nimble_contacts"].description.endswith(COMPACT_HINT)
    assert not full["list_all_nimble_contacts"].description.endswith(COMPACT_HINT)
    small = compact.call("list_all_nimble_contacts", {"limit": 5})
    large = full.call("list_all_nimble_contacts", {"limit": 5})
    assert [r["id"] for r in small.result] == [r["id"] for r in large.result]
    assert all("fields" not in r and r["name"] for r in small.result)
    assert all("fields" in r for r in large.result)
    assert small.raw == large.raw  # the application still has Nimble's whole answer
    assert len(small.to_json()) < len(large.to_json()) / 2


def test_only_lists_of_compacted_records_say_so(toolkit: NimbleToolkit) -> None:
    view = resolve(toolkit, None)
    hinted = {name for name, op in view.items() if COMPACT_HINT in op.description}
    assert {"list_all_nimble_contacts", "list_all_nimble_deals", "list_all_nimble_contact_notes"} <= hinted
    # Ids and timeline entries pass through compact() unchanged: the hint would mislead.
    assert not hinted & {"nimble_contacts_contact_ids", "nimble_contacts_proceedings", "nimble_deals_overdue"}
    contact_id = view.call("list_all_nimble_contacts", {"limit": 1}).result[0]["id"]
    for name, arguments in (
        ("nimble_contacts_contact_ids", {"limit": 3}),
        ("nimble_contacts_proceedings", {"contact_id": contact_id, "direction": "past", "limit": 3}),
    ):
        assert name not in hinted
        result = view.call(name, arguments)
        assert result.result == result.raw[next(k for k in result.raw if isinstance(result.raw[k], list))]


def test_single_records_stay_full(toolkit: NimbleToolkit) -> None:
    view = resolve(toolkit, ["get_single_nimble_contact_by_id", "list_all_nimble_contacts"])
    first = view.call("list_all_nimble_contacts", {"limit": 1}).result[0]
    (record,) = view.call("get_single_nimble_contact_by_id", {"id": first["id"]}).result["resources"]
    assert "fields" in record and record["id"] == first["id"]


def all_contact_ids(toolkit: NimbleToolkit) -> list[str]:
    return [c["id"] for c in toolkit.paginate("list_all_nimble_contacts", {"limit": 100})]


def test_auto_paging_stops_at_the_budget_and_continues_without_gaps(toolkit: NimbleToolkit) -> None:
    everyone = all_contact_ids(toolkit)
    assert len(everyone) > 10
    view = toolsets.named("list_all_nimble_contacts").auto_paged(max_items=7).bind(toolkit)
    seen: list[str] = []
    arguments: dict[str, Any] = {}
    while True:
        page = view.call("list_all_nimble_contacts", arguments)
        assert len(page.result) <= 7
        seen += [c["id"] for c in page.result]
        if page.next_cursor is None:
            assert page.truncated is False and "truncated" not in page.to_dict()
            break
        assert page.truncated is True and page.to_dict()["truncated"] is True
        arguments = {"next_cursor": page.next_cursor}
    assert seen == everyone


def test_auto_paging_reads_whole_budget_in_few_pages(toolkit: NimbleToolkit) -> None:
    everyone = all_contact_ids(toolkit)
    view = toolsets.named("list_all_nimble_contacts").auto_paged(max_items=100).bind(toolkit)
    before = sent(toolkit)
    page = view.call("list_all_nimble_contacts")
    assert [c["id"] for c in page.result] == everyone and page.next_cursor is None
    assert sent(toolkit) == before + 1


def test_a_limit_from_the_model_caps_the_budget(toolkit: NimbleToolkit) -> None:
    view = toolsets.named("list_all_nimble_contacts").auto_paged(max_items=50).bind(toolkit)
    page = view.call("list_all_nimble_contacts", {"limit": 3})
    assert len(page.result) == 3 and page.truncated


def test_auto_paging_async(toolkit: NimbleToolkit) -> None:
    view = toolsets.named("list_all_nimble_contacts").auto_paged(max_items=4).bind(toolkit)
    page = asyncio.run(view.acall("list_all_nimble_contacts"))
    assert len(page.result) == 4 and page.truncated and page.next_cursor


def test_auto_paged_needs_a_positive_budget() -> None:
    with pytest.raises(UsageError, match="positive integer"):
        toolsets.everything().auto_paged(0)


def test_view_repr_and_label(toolkit: NimbleToolkit) -> None:
    view = toolsets.resource("me").read_only().prefixed("crm")
    assert "prefixed('crm')" in view.label and "read_only" in view.label
    assert repr(view.bind(toolkit)) == "<ToolView of 1 tools>"
    assert isinstance(view.bind(toolkit), ToolView)
