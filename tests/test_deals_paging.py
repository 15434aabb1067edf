"""The pipeline board views and their paging: per-group ``meta.next_page_url`` behind one opaque cursor."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from deals_support import (
    deal_named,
    me,
    new_deal,
    pipeline,
    raises_api,
    refused_before_sending,
    second_user_toolkit,
    stage,
    value_of,
)

from nimble_tools import InvalidArgumentsError, NimbleToolkit, encode_cursor

BY_STAGE = "list_all_nimble_pipeline_deals_by_stages"
BY_OWNER = "list_all_nimble_pipeline_deals_by_owner"
PID = "5f0c1e2d3a4b5c6d7e8f9012"


def deal_names(groups: list[dict[str, Any]]) -> list[str]:
    return [value_of(d, "name") or "" for g in groups for d in g["deals"]]


def test_board_by_stage_first_page(deal_toolkit: NimbleToolkit) -> None:
    sales = pipeline(deal_toolkit)
    page = deal_toolkit.call(BY_STAGE, {"pipeline_id": sales["pipeline_id"], "limit": 1})
    assert [g["stage"]["name"] for g in page.result] == ["Qualification", "Proposal", "Negotiation", "Won", "Lost"]
    assert [len(g["deals"]) for g in page.result] == [1, 1, 1, 1, 1]
    assert page.result[0]["meta"]["next_page_url"] is not None  # Qualification has 2 deals
    assert page.result[2]["meta"]["next_page_url"] is None  # Negotiation has 1
    assert page.result[0]["meta"]["total_amount"] == [{"currency": "USD", "count": 16000}]
    assert page.result[0]["meta"]["total_new_count"] == 0  # none entered less than 3 days ago
    assert page.next_cursor
    new_deal(deal_toolkit)
    again = deal_toolkit.call(
        BY_STAGE, {"pipeline_id": sales["pipeline_id"], "stage_id": stage(sales, "Qualification")}
    )
    assert again.result[0]["meta"]["total_new_count"] == 1


def test_the_cursor_walks_every_stage_to_its_end(deal_toolkit: NimbleToolkit) -> None:
    sales = pipeline(deal_toolkit)
    for index in range(5):
        new_deal(deal_toolkit, name=f"Extra {index}", amount=index)
    arguments = {"pipeline_id": sales["pipeline_id"], "limit": 2, "sort": "amount:asc"}
    pages = []
    page = deal_toolkit.call(BY_STAGE, arguments)
    pages.append(page.result)
    while page.next_cursor:
        page = deal_toolkit.call(BY_STAGE, {**arguments, "next_cursor": page.next_cursor})
        assert len(page.result) == 1  # a continuation returns the one stage it continues
        pages.append(page.result)
    seen = [name for groups in pages for name in deal_names(groups)]
    all_deals = [
        value_of(d, "name")
        for d in deal_toolkit.call("list_all_nimble_deals", {"limit": 100}).result
        if d["stage_transitions"]["pipeline_id"] == sales["pipeline_id"]
    ]
    assert sorted(seen) == sorted(all_deals) and len(seen) == len(set(seen)) == 13
    qualification = [
        n for groups in pages for g in groups if g["stage"]["name"] == "Qualification" for n in deal_names([g])
    ]
    assert qualification[:3] == ["Extra 0", "Extra 1", "Extra 2"]  # sort holds across pages
    assert len(pages) == 4  # the first page, then Qualification's pages 2 to 4 (7 deals, 2 a page)
    collected = list(deal_toolkit.paginate(BY_STAGE, arguments))
    assert sorted(deal_names(collected)) == sorted(seen)


def test_board_filters(deal_toolkit: NimbleToolkit) -> None:
    sales = pipeline(deal_toolkit)
    pid = sales["pipeline_id"]
    one = deal_toolkit.call(BY_STAGE, {"pipeline_id": pid, "stage_id": stage(sales, "Proposal")}).result
    assert [g["stage"]["name"] for g in one] == ["Proposal"] and len(one[0]["deals"]) == 2
    big = deal_toolkit.call(BY_STAGE, {"pipeline_id": pid, "query": {"amount": {"gt": 15000}}}).result
    assert sorted(deal_names(big)) == [
        "Analytical Engines - expansion",
        "Globex - 50 seats",
        "Nordic Timber - annual plan",
    ]
    stuck = deal_toolkit.call(BY_STAGE, {"pipeline_id": pid, "stuck": True}).result
    # Umbrella (20 days in Qualification, 14 expected) and Nordic Timber (15 days in Negotiation, 7 expected).
    assert sorted(deal_names(stuck)) == ["Nordic Timber - annual plan", "Umbrella Health - pilot"]
    fresh = deal_toolkit.call(BY_STAGE, {"pipeline_id": pid, "stuck": False}).result
    assert "Umbrella Health - pilot" not in deal_names(fresh) and "Acme Corp - CRM rollout" in deal_names(fresh)


def test_board_by_owner(deal_toolkit: NimbleToolkit) -> None:
    sales = pipeline(deal_toolkit)
    page = deal_toolkit.call(BY_OWNER, {"pipeline_id": sales["pipeline_id"], "limit": 2})
    assert [g["owner"]["name"] for g in page.result] == ["Sam Seller", "Sandbox Admin"]
    assert [len(g["deals"]) for g in page.result] == [2, 2]
    groups = list(deal_toolkit.paginate(BY_OWNER, {"pipeline_id": sales["pipeline_id"], "limit": 2}))
    owned = {g["owner"]["name"]: 0 for g in groups}
    for group in groups:
        owned[group["owner"]["name"]] += len(group["deals"])
    assert owned == {"Sam Seller": 3, "Sandbox Admin": 5}
    raises_api(deal_toolkit, BY_OWNER, {"pipeline_id": PID}, 404)


def test_board_failures(deal_toolkit: NimbleToolkit) -> None:
    pid = pipeline(deal_toolkit)["pipeline_id"]
    raises_api(deal_toolkit, BY_STAGE, {"pipeline_id": PID}, 404)
    raises_api(deal_toolkit, BY_STAGE, {"pipeline_id": pid, "stage_id": PID}, 404)
    raises_api(deal_toolkit, BY_STAGE, {"pipeline_id": pid, "sort": "deal_number:asc"}, 409)
    raises_api(deal_toolkit, BY_OWNER, {"pipeline_id": pid, "sort": "created:asc"}, 409)
    for arguments in ({"sort": "amount"}, {"query": {"or": "x"}}, {"limit": 0}, {"limit": 101}):
        refused_before_sending(deal_toolkit, lambda a=arguments: deal_toolkit.call(BY_STAGE, {"pipeline_id": pid, **a}))


def test_private_deals_stay_off_other_users_boards(deal_toolkit: NimbleToolkit) -> None:
    admin = me(deal_toolkit)
    new_deal(deal_toolkit, name="Hidden", privacy={"read": {"user_ids": [admin], "group_ids": []}, "edit": None})
    other = second_user_toolkit(deal_toolkit)
    pid = pipeline(deal_toolkit)["pipeline_id"]
    assert "Hidden" in deal_names(list(deal_toolkit.paginate(BY_STAGE, {"pipeline_id": pid})))
    assert "Hidden" not in deal_names(list(other.paginate(BY_STAGE, {"pipeline_id": pid})))


# --- cursor safety --------------------------------------------------------------------------------------


def test_a_cursor_cannot_switch_pipelines(deal_toolkit: NimbleToolkit) -> None:
    sales, partners = pipeline(deal_toolkit), pipeline(deal_toolkit, "Partnerships")
    cursor = deal_toolkit.call(BY_STAGE, {"pipeline_id": sales["pipeline_id"], "limit": 1}).next_cursor
    error = refused_before_sending(
        deal_toolkit,
        lambda: deal_toolkit.call(BY_STAGE, {"pipeline_id": partners["pipeline_id"], "next_cursor": cursor}),
    )
    assert isinstance(error, InvalidArgumentsError) and error.errors[0][0] == "next_cursor"
    assert "same arguments" in str(error)
    error = refused_before_sending(
        deal_toolkit, lambda: deal_toolkit.call(BY_OWNER, {"pipeline_id": sales["pipeline_id"], "next_cursor": cursor})
    )
    assert "belongs to tool" in str(error)


@pytest.mark.parametrize(
    "pending",
    [
        [{"path": "/api/v1/contacts", "query": []}],
        [{"path": "/api/v2/deals/pipelines/{pid}/deals/../../../../v1/myself", "query": []}],
        [{"path": "/api/v2/deals/pipelines/{pid}/deals", "query": [["access_token", "stolen"]]}],
        [{"path": "/api/v2/deals/pipelines/{pid}/deals", "query": "page=2"}],
        [{"path": 7, "query": []}],
        [],
    ],
)
@pytest.mark.parametrize("sealed", [False, True], ids=["unsealed", "sealed-by-the-toolkit"])
def test_forged_cursors_are_refused_before_sending(
    deal_toolkit: NimbleToolkit, pending: list[dict[str, Any]], sealed: bool
) -> None:
    # Unsealed, the seal refuses it; sealed with the toolkit's own key (as if the key leaked), the
    # values the board reads from it are still checked.
    pid = pipeline(deal_toolkit)["pipeline_id"]
    forged = [{k: v.replace("{pid}", pid) if isinstance(v, str) else v for k, v in entry.items()} for entry in pending]
    cursor = encode_cursor(BY_STAGE, {"pending": forged})
    if sealed:
        cursor = deal_toolkit._cursors.seal(BY_STAGE, cursor)
    error = refused_before_sending(
        deal_toolkit, lambda: deal_toolkit.call(BY_STAGE, {"pipeline_id": pid, "next_cursor": cursor})
    )
    assert isinstance(error, InvalidArgumentsError) and error.errors[0][0] == "next_cursor"


def test_garbage_cursor(deal_toolkit: NimbleToolkit) -> None:
    pid = pipeline(deal_toolkit)["pipeline_id"]
    garbage = base64.urlsafe_b64encode(b"not json").decode()
    refused_before_sending(
        deal_toolkit, lambda: deal_toolkit.call(BY_STAGE, {"pipeline_id": pid, "next_cursor": garbage})
    )


# --- against a fake Nimble, to pin what travels ---------------------------------------------------------


def fake_nimble(pages: dict[str, dict[str, Any]], seen: list[httpx.Request]) -> NimbleToolkit:
    """A toolkit whose transport answers from ``pages`` (by query string) and records each request."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=pages[request.url.query.decode()])

    return NimbleToolkit(
        "key", base_url="https://app.nimble.com", transport=httpx.MockTransport(handler), autoload_plugins=False
    )


def group(name: str, deals: list[str], next_url: str | None) -> dict[str, Any]:
    return {"stage": {"name": name}, "deals": [{"deal_id": d} for d in deals], "meta": {"next_page_url": next_url}}


def test_relative_and_absolute_next_page_urls_are_followed_on_our_own_host() -> None:
    path = f"/api/v2/deals/pipelines/{PID}/deals"
    pages = {
        "sort=name%3Aasc": {
            "stages": [
                group("A", ["a1"], f"https://elsewhere.example{path}?stage_id=A&cursor=xyz"),
                group("B", ["b1"], f"{path}?stage_id=B&skip=1"),
                group("C", ["c1"], "https://evil.example/api/v1/myself?x=1"),  # another endpoint: never followed
            ]
        },
        "stage_id=A&cursor=xyz": {"stages": [group("A", ["a2"], None)]},
        "stage_id=B&skip=1": {"stages": [group("B", ["b2"], f"{path}?stage_id=B&skip=2")]},
        "stage_id=B&skip=2": {"stages": [group("B", ["b3"], None)]},
    }
    seen: list[httpx.Request] = []
    toolkit = fake_nimble(pages, seen)
    groups = list(toolkit.paginate(BY_STAGE, {"pipeline_id": PID}))
    assert [d["deal_id"] for g in groups for d in g["deals"]] == ["a1", "b1", "c1", "a2", "b2", "b3"]
    assert {r.url.host for r in seen} == {"app.nimble.com"}
    assert {r.url.path for r in seen} == {path}
    assert all(r.headers["authorization"] == "Bearer key" for r in seen)
    assert [parse_qs(urlsplit(str(r.url)).query).get("stage_id") for r in seen] == [None, ["A"], ["B"], ["B"]]


def test_a_cursor_is_opaque_and_carries_no_host() -> None:
    path = f"/api/v2/deals/pipelines/{PID}/owners"
    pages = {"sort=name%3Aasc&limit=1": {"groups": [group("u", ["x"], f"https://app.nimble.com{path}?owner=u&p=2")]}}
    toolkit = fake_nimble(pages, [])
    cursor = toolkit.call(BY_OWNER, {"pipeline_id": PID, "limit": 1}).next_cursor
    assert cursor is not None
    inner = cursor.rpartition(".")[0]  # the content; after the dot, the toolkit's seal
    decoded = json.loads(base64.urlsafe_b64decode(inner + "=" * (-len(inner) % 4)))
    assert decoded == {"op": BY_OWNER, "s": {"pending": [{"path": path, "query": [["owner", "u"], ["p", "2"]]}]}}
    assert "nimble.com" not in json.dumps(decoded)


def test_the_limit_of_a_continuation_can_change() -> None:
    path = f"/api/v2/deals/pipelines/{PID}/deals"
    pages = {
        "sort=name%3Aasc": {"stages": [group("A", ["a1"], f"{path}?stage_id=A&limit=10&page=2")]},
        "stage_id=A&limit=50&page=2": {"stages": [group("A", ["a2"], None)]},
    }
    seen: list[httpx.Request] = []
    toolkit = fake_nimble(pages, seen)
    cursor = toolkit.call(BY_STAGE, {"pipeline_id": PID}).next_cursor
    follow = toolkit.call(BY_STAGE, {"pipeline_id": PID, "limit": 50, "next_cursor": cursor})
    assert follow.next_cursor is None and follow.result[0]["deals"] == [{"deal_id": "a2"}]


def test_seeded_globex_is_on_the_board(deal_toolkit: NimbleToolkit) -> None:
    globex = deal_named(deal_toolkit, "Globex - 50 seats")
    board = deal_toolkit.call(BY_STAGE, {"pipeline_id": globex["stage_transitions"]["pipeline_id"]}).result
    proposal = next(g for g in board if g["stage"]["name"] == "Proposal")
    assert globex["deal_id"] in [d["deal_id"] for d in proposal["deals"]]


@pytest.mark.anyio
async def test_async_paging_matches_sync(deal_toolkit: NimbleToolkit) -> None:
    pid = pipeline(deal_toolkit)["pipeline_id"]
    arguments = {"pipeline_id": pid, "limit": 1}
    groups = [g async for g in deal_toolkit.apaginate(BY_STAGE, arguments)]
    assert deal_names(groups) == deal_names(list(deal_toolkit.paginate(BY_STAGE, arguments)))
    first = await deal_toolkit.acall(BY_STAGE, arguments)
    assert first.next_cursor == deal_toolkit.call(BY_STAGE, arguments).next_cursor
    await deal_toolkit.aclose()
