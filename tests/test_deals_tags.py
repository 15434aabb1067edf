"""Deal tags end to end: list, bulk add (by ids or search), rename and delete by name."""

from __future__ import annotations

from deals_support import deal_named, me, new_deal, raises_api, refused_before_sending, second_user_toolkit

from nimble_tools import InvalidArgumentsError, NimbleToolkit, UnsafePathValueError


def tags_of(toolkit: NimbleToolkit, deal_id: str) -> list[str]:
    tags: list[str] = toolkit.call("get_single_nimble_deal_by_id", {"id": deal_id}).result["tags"]
    return tags


def test_list_tags(deal_toolkit: NimbleToolkit) -> None:
    names = [t["name"] for t in deal_toolkit.call("list_all_nimble_deals_tags").result]
    assert names == ["enterprise", "europe", "healthcare", "partner", "renewal"]
    assert [t["name"] for t in deal_toolkit.call("list_all_nimble_deals_tags", {"starts_with": "E"}).result] == [
        "enterprise",
        "europe",
    ]
    assert len(deal_toolkit.call("list_all_nimble_deals_tags", {"limit": 2}).result) == 2
    refused_before_sending(deal_toolkit, lambda: deal_toolkit.call("list_all_nimble_deals_tags", {"limit": 0}))


def test_bulk_add_by_ids_answers_with_the_operation_record(deal_toolkit: NimbleToolkit) -> None:
    first, second = new_deal(deal_toolkit, tags=["q3"]), new_deal(deal_toolkit, name="Other")
    answer = deal_toolkit.call(
        "create_a_nimble_deals_tag", {"tags": ["hot", "Q3"], "deal_ids": [first["deal_id"], second["deal_id"]]}
    ).result
    push = answer["push_data"]
    assert push["total"] == push["processed"] == 2 and push["is_completed"] is True and push["errors"] == []
    assert len(push["operation_id"]) == 24
    assert tags_of(deal_toolkit, first["deal_id"]) == ["q3", "hot"]  # existing tags stay, no duplicates
    assert tags_of(deal_toolkit, second["deal_id"]) == ["hot", "Q3"]
    assert "hot" in [t["name"] for t in deal_toolkit.call("list_all_nimble_deals_tags").result]


def test_bulk_add_by_search(deal_toolkit: NimbleToolkit) -> None:
    query = {"and": [{"pipeline": {"is": "Sales"}}, {"amount": {"gte": 18000}}, {"not": [{"stage": {"is": "Won"}}]}]}
    push = deal_toolkit.call("create_a_nimble_deals_tag", {"tags": ["big"], "query": query}).result["push_data"]
    assert push["total"] == 2
    for name in ("Globex - 50 seats", "Nordic Timber - annual plan"):
        assert "big" in deal_named(deal_toolkit, name)["tags"]
    assert "big" not in deal_named(deal_toolkit, "Analytical Engines - expansion")["tags"]


def test_bulk_add_refusals(deal_toolkit: NimbleToolkit) -> None:
    deal_id = new_deal(deal_toolkit)["deal_id"]
    for arguments, field in (
        ({"tags": ["x"]}, "deal_ids"),
        ({"tags": ["x"], "deal_ids": [deal_id], "query": {"tag": {"is": "a"}}}, "deal_ids"),
        ({"tags": [], "deal_ids": [deal_id]}, "tags"),
        ({"tags": ["x"], "query": {"tag": "vip"}}, "query"),
        ({"tags": ["x"], "query": {"tag": {"like": "vip"}}}, "query"),
        ({"tags": ["x"], "query": {"and": []}}, "query"),
        ({"tags": ["x"], "query": {"created": {"day_month_range": {}}}}, "query.condition"),
        ({"tags": ["x"], "query": {"field": "amount", "operator": "in"}}, "query.condition"),
    ):
        error = refused_before_sending(
            deal_toolkit, lambda a=arguments: deal_toolkit.call("create_a_nimble_deals_tag", a)
        )
        assert isinstance(error, InvalidArgumentsError) and error.errors[0][0] == field, error
    # Well-formed, so it is sent; the sandbox takes day_month_range (a birthday operator) on no deal field.
    birthday_like = {"created": {"day_month_range": {"start_date": "01/03", "end_date": "31/03"}}}
    error = raises_api(deal_toolkit, "create_a_nimble_deals_tag", {"tags": ["x"], "query": birthday_like}, 409)
    assert "created" in error.field_errors  # type: ignore[attr-defined]
    recent = {"tags": ["fresh"], "query": {"created": {"in_the_last": {"unit": "day", "quantity": 4}}}}
    assert deal_toolkit.call("create_a_nimble_deals_tag", recent).result["push_data"]["total"] == 2


def test_bulk_add_with_structured_conditions(deal_toolkit: NimbleToolkit) -> None:
    query = {
        "join": "and",
        "conditions": [
            {"field": "pipeline", "operator": "is", "value": "Sales"},
            {"field": "amount", "operator": "range", "start": 10000, "end": 20000},
        ],
    }
    push = deal_toolkit.call("create_a_nimble_deals_tag", {"tags": ["mid"], "query": query}).result["push_data"]
    assert push["total"] == 2  # Acme (12000) and Nordic Timber (18000)
    assert "mid" in deal_named(deal_toolkit, "Acme Corp - CRM rollout")["tags"]


def test_bulk_add_preflight_refuses_deals_the_user_cannot_edit(deal_toolkit: NimbleToolkit) -> None:
    admin = me(deal_toolkit)
    locked = new_deal(deal_toolkit, privacy={"read": None, "edit": {"user_ids": [admin], "group_ids": []}})
    mine = deal_named(deal_toolkit, "Initech - onboarding")  # owned by the second user
    other = second_user_toolkit(deal_toolkit)
    ids = [locked["deal_id"], mine["deal_id"]]
    error = raises_api(
        other, "create_a_nimble_deals_tag", {"tags": ["x"], "deal_ids": ids, "preflight_checks": True}, 406
    )
    failure = error.body["errors"][0]
    assert failure["type"] == "non_editable_deals" and failure["total"] == 1
    assert failure["nse_query"]["and"][1] == {"_id": {"in": [locked["deal_id"]]}}
    assert "x" not in tags_of(deal_toolkit, mine["deal_id"])  # nothing was tagged
    push = other.call("create_a_nimble_deals_tag", {"tags": ["x"], "deal_ids": ids}).result["push_data"]
    assert push["errors"][0]["count"] == 1  # without preflight the locked deal is skipped
    assert "x" in tags_of(deal_toolkit, mine["deal_id"]) and "x" not in tags_of(deal_toolkit, locked["deal_id"])


def test_rename_everywhere(deal_toolkit: NimbleToolkit) -> None:
    tagged = [d for d in deal_toolkit.call("list_all_nimble_deals", {"limit": 100}).result if "europe" in d["tags"]]
    assert len(tagged) == 2
    assert (
        deal_toolkit.call("update_a_nimble_deals_tag_by_id", {"id": "Europe", "new_tag": "EMEA / Europe"}).result
        is None
    )
    for deal in tagged:
        assert "EMEA / Europe" in tags_of(deal_toolkit, deal["deal_id"])
    names = [t["name"] for t in deal_toolkit.call("list_all_nimble_deals_tags").result]
    assert "EMEA / Europe" in names and "europe" not in names
    # A name with "/" and "?" travels encoded in the path and cannot change the route.
    deal_toolkit.call("update_a_nimble_deals_tag_by_id", {"id": "EMEA / Europe", "new_tag": "emea?x=1"})
    assert "emea?x=1" in [t["name"] for t in deal_toolkit.call("list_all_nimble_deals_tags").result]


def test_rename_failures(deal_toolkit: NimbleToolkit) -> None:
    error = raises_api(deal_toolkit, "update_a_nimble_deals_tag_by_id", {"id": "europe", "new_tag": "Partner"}, 406)
    assert error.body["type"] == "tag_already_exists"
    raises_api(deal_toolkit, "update_a_nimble_deals_tag_by_id", {"id": "no such tag", "new_tag": "x"}, 404)
    error = refused_before_sending(
        deal_toolkit, lambda: deal_toolkit.call("update_a_nimble_deals_tag_by_id", {"id": "..", "new_tag": "x"})
    )
    assert isinstance(error, UnsafePathValueError)


def test_delete_unlinks_from_every_deal(deal_toolkit: NimbleToolkit) -> None:
    tagged = [
        d["deal_id"]
        for d in deal_toolkit.call("list_all_nimble_deals", {"limit": 100}).result
        if "enterprise" in d["tags"]
    ]
    assert len(tagged) == 3
    assert deal_toolkit.call("delete_a_nimble_deals_tag_by_id", {"id": "enterprise"}).result is None
    assert all("enterprise" not in tags_of(deal_toolkit, d) for d in tagged)
    assert "enterprise" not in [t["name"] for t in deal_toolkit.call("list_all_nimble_deals_tags").result]
    raises_api(deal_toolkit, "delete_a_nimble_deals_tag_by_id", {"id": "enterprise"}, 404)


def test_delete_preflight(deal_toolkit: NimbleToolkit) -> None:
    admin = me(deal_toolkit)
    new_deal(deal_toolkit, tags=["locked"], privacy={"read": None, "edit": {"user_ids": [admin], "group_ids": []}})
    other = second_user_toolkit(deal_toolkit)
    error = raises_api(other, "delete_a_nimble_deals_tag_by_id", {"id": "locked", "preflight_checks": True}, 406)
    assert error.body["errors"][0]["type"] == "non_editable_deals"
    assert "locked" in [t["name"] for t in deal_toolkit.call("list_all_nimble_deals_tags").result]
