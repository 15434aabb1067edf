"""Model-sized results: compact records and auto-paging with a budget."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from nimble_tools import NimbleToolkit, Result, UsageError, collect
from nimble_tools._autopaging import acollect_with, collect_with, page_size
from nimble_tools.projections import compact, compact_contact, compact_deal, compact_note, compact_record


def test_a_sandbox_person_in_compact_form(toolkit: NimbleToolkit) -> None:
    (ada,) = toolkit.call("list_all_nimble_contacts", {"keyword": "Lovelace"}).result
    expected = {
        "id": ada["id"],
        "type": "person",
        "name": "Ada Lovelace",
        "company": "Analytical Engines",
        "title": "CTO",
        "emails": ["ada.lovelace@engines.example"],
        "phones": [ada["fields"]["phone"][0]["value"]],
        "tags": ["vip", "customer"],
        "owner_id": ada["owner_id"],
    }
    if ada.get("last_contacted"):
        expected["last_contacted"] = ada["last_contacted"]["tstamp"]
    assert compact_contact(ada) == expected


def test_a_company_and_nimbles_other_shapes() -> None:
    company = {
        "id": "c1",
        "record_type": "company",
        "fields": {"company name": [{"value": "Acme Corp"}], "domain": [{"value": "acme.example"}]},
        "tags": [{"tag": "customer", "id": "t1"}],  # the older {tag, id} form
        "last_contacted": {"tstamp": "2026-11-01T10:00:00Z", "type": "email"},
        "is_important": True,
        "avatar_url": "https://example.com/a.png",
        "privacy": {"read": {"user_ids": [], "group_ids": []}},
    }
    assert compact_record(company) == {
        "id": "c1",
        "type": "company",
        "name": "Acme Corp",
        "domain": "acme.example",
        "tags": ["customer"],
        "last_contacted": "2026-11-01T10:00:00Z",
        "is_important": True,
    }


def test_a_person_whose_employer_comes_from_employers_info() -> None:
    person = {
        "id": "p1",
        "record_type": "person",
        "fields": {"last name": [{"value": "Doe"}], "contact employment": [{"value": "not json"}]},
        "employers_info": [{"company_name": "Globex", "contact_id": "c2"}],
    }
    assert compact_record(person) == {"id": "p1", "type": "person", "name": "Doe", "company": "Globex"}


DEAL = {
    "deal_id": "d1",
    "deal_number": 7,
    "currency": "USD",
    "owner": {"user_id": "u1", "name": "Sam Seller"},
    "fields_values": [{"field_id": "f1", "values": [{"value": "Acme renewal"}]}],
    "fields_values_with_names": [
        {"field_name": "deal_name", "values": [{"value": "Acme renewal"}]},
        {"field_name": "amount", "values": [{"value": "12000", "is_primary": True}]},
    ],
    "stage_transitions": [
        {
            "pipeline_id": "p1",
            "pipeline_name": "Enterprise",
            "transitions": [{"to_stage": {"stage_id": "s1", "name": "Lead"}}, {"to_stage": {"name": "Won"}}],
        }
    ],
    "related_contacts": [{"contact": {"id": "c1", "name": "Ada Lovelace"}, "note": ""}],
    "tags": ["renewal"],
    "final_probability": 100,
    "privacy": None,
    "files": [{"file_id": "x", "file_name": "contract.pdf"}],
}


def test_a_deal_in_compact_form() -> None:
    assert compact_deal(DEAL) == {
        "id": "d1",
        "name": "Acme renewal",
        "amount": "12000",
        "currency": "USD",
        "pipeline": "Enterprise",
        "stage": "Won",
        "owner": "Sam Seller",
        "contacts": ["Ada Lovelace"],
        "tags": ["renewal"],
        "probability": 100,
    }
    assert compact_record(DEAL) == compact_deal(DEAL)


def test_notes_become_a_short_plain_text_preview() -> None:
    note = {
        "id": "n1",
        "note": "<p>Called <b>Jane</b>:</p><ul><li>wants a demo</li></ul>" + "x" * 400,
        "contacts": [{"id": "c1", "name": "Jane Smith"}],
        "author_name": "Sam Seller",
        "owner": {"name": "Sam"},
        "created": "2026-11-02T09:00:00Z",
        "updated": "2026-11-02T09:00:00Z",
    }
    projected = compact_note(note)
    assert projected["text"].startswith("Called Jane : wants a demo")
    assert len(projected["text"]) == 280 and projected["text"].endswith("…")
    assert projected["contacts"] == ["Jane Smith"] and projected["author"] == "Sam Seller"
    deal_note = {"note_id": "n2", "title": "Pricing", "body": "Discount 10%", "creator": {"name": "Sam"}}
    assert compact_record(deal_note) == {"id": "n2", "title": "Pricing", "text": "Discount 10%", "author": "Sam"}


def test_unknown_shapes_pass_through_and_groups_are_descended() -> None:
    pipeline = {"pipeline_id": "p1", "name": "Enterprise", "stages": []}
    assert compact(pipeline) is pipeline
    assert compact(["a", 1, None]) == ["a", 1, None]
    group = {"stage": {"name": "Won"}, "deals": [DEAL], "meta": {"next_page_url": None}}
    assert compact(group) == {**group, "deals": [compact_deal(DEAL)]}


def test_compact_saves_most_of_the_tokens(toolkit: NimbleToolkit) -> None:
    page = toolkit.call("list_all_nimble_contacts", {"limit": 30}).result
    assert len(json.dumps(compact(page))) < len(json.dumps(page)) / 3


# -- auto-paging with a budget ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_items", "largest", "size"),
    [(5, 100, 5), (100, 100, 100), (150, 100, 75), (101, 100, 50), (250, 100, 83), (1, 100, 1)],
)
def test_page_size_fills_the_budget_with_equal_pages(max_items: int, largest: int, size: int) -> None:
    assert page_size(max_items, largest) == size
    assert size * -(-max_items // largest) <= max_items


def pages_of(items: list[int], seen: list[dict[str, Any]]) -> Any:
    """A fake list endpoint over ``items``: offset cursors, any page size."""

    def call(args: dict[str, Any]) -> Result:
        seen.append(dict(args))
        start = int(args.get("next_cursor") or 0)
        end = start + args["limit"]
        return Result(items[start:end], str(end) if end < len(items) else None)

    return call


def test_collect_never_skips_an_item_across_budgeted_calls() -> None:
    items = list(range(23))
    seen: list[dict[str, Any]] = []
    call = pages_of(items, seen)
    got: list[int] = []
    arguments: dict[str, Any] = {"keyword": "x", "limit": 99}
    while True:
        result = collect_with(call, arguments, max_items=10, largest_page=4)
        assert len(result.result) <= 10
        got += result.result
        if not result.truncated:
            assert result.next_cursor is None
            break
        arguments = {"keyword": "x", "next_cursor": result.next_cursor}
    assert got == items
    assert {a["limit"] for a in seen} == {3}  # 10 items, at most 4 a page: equal pages of 3
    assert all(a["keyword"] == "x" for a in seen)


def test_collect_reports_truncation_only_when_more_exists() -> None:
    whole = collect_with(pages_of(list(range(6)), []), {}, max_items=6, largest_page=3)
    assert whole.result == list(range(6)) and not whole.truncated and whole.next_cursor is None
    cut = collect_with(pages_of(list(range(7)), []), {}, max_items=6, largest_page=3)
    assert cut.result == list(range(6)) and cut.truncated and cut.next_cursor == "6"


def test_acollect_matches_collect() -> None:
    items = list(range(9))
    sync = pages_of(items, [])

    async def call(args: dict[str, Any]) -> Result:
        return sync(args)

    result = asyncio.run(acollect_with(call, {}, max_items=4, largest_page=2))
    assert result == collect_with(pages_of(items, []), {}, max_items=4, largest_page=2)


def test_collect_on_the_sandbox(toolkit: NimbleToolkit) -> None:
    everyone = [c["id"] for c in toolkit.paginate("list_all_nimble_contacts", {"limit": 100})]
    first = collect(toolkit, "list_all_nimble_contacts", max_items=5)
    assert [c["id"] for c in first.result] == everyone[:5] and first.truncated
    rest = collect(toolkit, "list_all_nimble_contacts", {"next_cursor": first.next_cursor}, max_items=100)
    assert [c["id"] for c in rest.result] == everyone[5:] and not rest.truncated


def test_a_page_numbered_cursor_keeps_its_page_size(toolkit: NimbleToolkit) -> None:
    everyone = [c["id"] for c in toolkit.paginate("list_all_nimble_contacts", {"limit": 100})]
    first = collect(toolkit, "list_all_nimble_contacts", max_items=4)
    # A smaller budget than the cursor's pages of 4 still gets a whole page: nothing is skipped.
    second = collect(toolkit, "list_all_nimble_contacts", {"next_cursor": first.next_cursor}, max_items=2)
    third = collect(toolkit, "list_all_nimble_contacts", {"next_cursor": second.next_cursor}, max_items=9)
    got = [c["id"] for r in (first, second, third) for c in r.result]
    assert got == everyone[: len(got)] and len(second.result) == 4 and len(third.result) == 8


def test_collect_refuses_single_record_operations_and_bad_budgets(toolkit: NimbleToolkit) -> None:
    with pytest.raises(UsageError, match="not a list operation"):
        collect(toolkit, "list_all_nimble_me", max_items=5)
    with pytest.raises(UsageError, match="positive integer"):
        collect(toolkit, "list_all_nimble_contacts", max_items=0)


def test_truncated_is_in_the_json_form_only_when_true() -> None:
    assert Result([1], "c", truncated=True).to_dict() == {"result": [1], "next_cursor": "c", "truncated": True}
    assert Result([1], None).to_dict() == {"result": [1], "next_cursor": None}
