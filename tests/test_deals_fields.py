"""Deal fields end to end: the field and column catalogues, custom fields, choices and groups."""

from __future__ import annotations

from typing import Any

import pytest
from deals_support import new_deal, pipeline, raises_api, refused_before_sending, second_user_toolkit, stage, value_of

from nimble_tools import InvalidArgumentsError, NimbleToolkit
from nimble_tools.sandbox._deal_query import SEARCH_FIELDS

MISSING = "0123456789abcdef01234567"


def tab(catalogue: dict[str, Any], pipeline_id: str) -> list[dict[str, Any]]:
    """The members of a pipeline's field tab in a field catalogue answer."""
    members: list[dict[str, Any]] = next(
        t["members"] for t in catalogue["pipelines_tabs"] if t["pipeline_id"] == pipeline_id
    )
    return members


def names(members: list[dict[str, Any]]) -> list[str]:
    return [m["field"]["field_name"] if m["type"] == "field" else f"[{m['group_name']}]" for m in members]


def field_id(members: list[dict[str, Any]], name: str) -> str:
    for member in members:
        inner = member["fields"] if member["type"] == "group" else [member]
        for field in inner:
            if field["field"]["field_name"] == name:
                return str(field["field"]["field_id"])
    raise AssertionError(f"no field {name}")


@pytest.fixture
def pid(deal_toolkit: NimbleToolkit) -> str:
    return str(pipeline(deal_toolkit, "Partnerships")["pipeline_id"])


def test_field_catalogue(deal_toolkit: NimbleToolkit, pid: str) -> None:
    catalogue = deal_toolkit.call("list_all_nimble_deal_fields").result
    assert [f["field_name"] for f in catalogue["standard_fields"]] == [
        "name",
        "probability",
        "description",
        "amount",
        "expected_close_date",
        "actual_close_date",
    ]
    assert names(tab(catalogue, pid)) == ["Source", "Seats", "[Contract]"]
    source = tab(catalogue, pid)[0]["field"]
    assert [c["id"] for c in source["possible_values"]["values"]] == ["inbound", "outbound", "referral"]
    refused_before_sending(deal_toolkit, lambda: deal_toolkit.call("list_all_nimble_deal_fields", {"pipeline": pid}))


def test_column_catalogue_names_the_search_fields(deal_toolkit: NimbleToolkit, pid: str) -> None:
    groups = deal_toolkit.call("list_all_nimble_deal_column_catalogue").result
    assert [g["human_readable_name"] for g in groups] == ["Deal", "Partnerships"]
    columns = {c["id"]: c for c in groups[0]["columns"]}
    assert columns["stage"]["search_field"]["search_name"] == "stage"
    sortable = {c["human_readable_name"] for c in groups[0]["columns"] if c["sortable"]}
    assert sortable == {"Name", "Amount", "Probability", "Expected close date", "Actual close date"}
    search_names = {c["search_field"]["search_name"] for g in groups for c in g["columns"] if "search_field" in c}
    custom = {c["id"] for c in groups[1]["columns"]}
    assert search_names - custom <= set(SEARCH_FIELDS)  # every advertised name works in a deal query
    source = next(c for c in groups[1]["columns"] if c["human_readable_name"] == "Source")
    assert source["presentation"]["type"] == "select-box"
    # A custom field's search_name is its id, and searching by it finds the deals holding a value.
    found = deal_toolkit.call(
        "create_a_nimble_deals_tag",
        {"tags": ["ref"], "query": {source["search_field"]["search_name"]: {"is": "referral"}}},
    ).result
    assert found["push_data"]["total"] == 1
    refused_before_sending(deal_toolkit, lambda: deal_toolkit.call("list_all_nimble_deal_column_catalogue", {"a": 1}))


def test_create_fields(deal_toolkit: NimbleToolkit, pid: str) -> None:
    answer = deal_toolkit.call(
        "create_a_nimble_deal_pipeline_field",
        {"pipeline_id": pid, "name": "Budget", "field_kind": "number", "number_type": "financial", "currency": "EUR"},
    ).result
    members = tab(answer, pid)
    assert names(members)[-1] == "Budget"
    assert members[-1]["field"]["presentation"] == {"number_type": "financial", "currency": "EUR"}
    first = deal_toolkit.call(
        "create_a_nimble_deal_pipeline_field",
        {"pipeline_id": pid, "name": "Website", "field_kind": "string", "validation": "url", "move_to_first": True},
    ).result
    assert names(tab(first, pid))[0] == "Website"
    contract = next(m for m in tab(first, pid) if m["type"] == "group")
    grouped = deal_toolkit.call(
        "create_a_nimble_deal_pipeline_field",
        {"pipeline_id": pid, "name": "Auto-renew", "field_kind": "boolean", "group_id": contract["group_id"]},
    ).result
    group = next(m for m in tab(grouped, pid) if m["type"] == "group")
    assert [f["field"]["field_name"] for f in group["fields"]] == ["Renewal date", "Auto-renew"]

    # The new url field checks deal values.
    partners = pipeline(deal_toolkit, "Partnerships")
    site = field_id(tab(first, pid), "Website")
    deal = {
        "name": "D",
        "pipeline_id": pid,
        "stage_id": stage(partners, "Pilot"),
        "owner_id": partners["creator"]["user_id"],
    }
    raises_api(deal_toolkit, "create_a_nimble_deal", {**deal, "fields": [{"field": site, "values": ["nope"]}]}, 409)
    created = deal_toolkit.call(
        "create_a_nimble_deal", {**deal, "fields": [{"field": site, "values": ["https://x.example"]}]}
    )
    assert value_of(created.result, "Website") == "https://x.example"


def test_create_field_failures(deal_toolkit: NimbleToolkit, pid: str) -> None:
    for arguments, field in (
        ({"name": "C", "field_kind": "choice"}, "choices"),
        ({"name": "N", "field_kind": "number"}, "number_type"),
        ({"name": "N", "field_kind": "number", "number_type": "decimal"}, "fraction_digits"),
        ({"name": "S", "field_kind": "string", "number_type": "integer"}, "number_type"),
        ({"name": "B", "field_kind": "boolean", "validation": "email"}, "validation"),
        (
            {"name": "D", "field_kind": "datetime", "date_format": "%d", "ignore_specific_time": True},
            "ignore_specific_time",
        ),
        (
            {"name": "C", "field_kind": "choice", "choices": [{"id": "a", "value": "A"}, {"id": "a", "value": "B"}]},
            "choices",
        ),
        ({"name": "X", "field_kind": "string", "move_to_first": True, "insert_after": MISSING}, "move_to_first"),
    ):
        error = refused_before_sending(
            deal_toolkit,
            lambda a=arguments: deal_toolkit.call("create_a_nimble_deal_pipeline_field", {"pipeline_id": pid, **a}),
        )
        assert isinstance(error, InvalidArgumentsError) and error.errors[0][0] == field, error.errors
    error = raises_api(
        deal_toolkit,
        "create_a_nimble_deal_pipeline_field",
        {"pipeline_id": pid, "name": "seats", "field_kind": "string"},
        406,
    )
    assert error.body["type"] == "field_name_exists"
    raises_api(
        deal_toolkit,
        "create_a_nimble_deal_pipeline_field",
        {"pipeline_id": pid, "name": "Y", "field_kind": "string", "insert_after": MISSING},
        409,
    )
    raises_api(
        deal_toolkit,
        "create_a_nimble_deal_pipeline_field",
        {"pipeline_id": MISSING, "name": "Y", "field_kind": "user"},
        404,
    )


def test_update_field(deal_toolkit: NimbleToolkit, pid: str) -> None:
    members = tab(deal_toolkit.call("list_all_nimble_deal_fields").result, pid)
    seats, renewal = field_id(members, "Seats"), field_id(members, "Renewal date")
    answer = deal_toolkit.call(
        "update_a_nimble_deal_pipeline_field_by_id",
        {"pipeline_id": pid, "id": seats, "name": "Licences", "number_type": "decimal", "fraction_digits": 1},
    ).result
    licences = next(m for m in tab(answer, pid) if m["type"] == "field" and m["field"]["field_id"] == seats)
    assert licences["field"]["field_name"] == "Licences"
    assert licences["field"]["presentation"] == {"number_type": "decimal", "fraction_digits": 1}
    out = deal_toolkit.call(
        "update_a_nimble_deal_pipeline_field_by_id",
        {"pipeline_id": pid, "id": renewal, "remove_from_group": True, "move_to_first": True},
    ).result
    assert names(tab(out, pid))[0] == "Renewal date"
    back = deal_toolkit.call(
        "update_a_nimble_deal_pipeline_field_by_id",
        {
            "pipeline_id": pid,
            "id": renewal,
            "group_id": next(m["group_id"] for m in tab(out, pid) if m["type"] == "group"),
        },
    ).result
    assert names(tab(back, pid)) == ["Source", "Licences", "[Contract]"]
    error = raises_api(
        deal_toolkit,
        "update_a_nimble_deal_pipeline_field_by_id",
        {"pipeline_id": pid, "id": renewal, "number_type": "integer"},
        409,
    )
    assert "presentation" in error.field_errors  # type: ignore[attr-defined]  # a date field takes no number settings
    raises_api(
        deal_toolkit, "update_a_nimble_deal_pipeline_field_by_id", {"pipeline_id": pid, "id": MISSING, "name": "x"}, 404
    )
    refused_before_sending(
        deal_toolkit,
        lambda: deal_toolkit.call("update_a_nimble_deal_pipeline_field_by_id", {"pipeline_id": pid, "id": seats}),
    )


def test_delete_field_preflight(deal_toolkit: NimbleToolkit, pid: str) -> None:
    members = tab(deal_toolkit.call("list_all_nimble_deal_fields").result, pid)
    seats = field_id(members, "Seats")
    error = raises_api(
        deal_toolkit, "delete_a_nimble_deal_pipeline_field_by_id", {"pipeline_id": pid, "id": seats}, 406
    )
    failure = error.body["errors"][0]
    assert failure["type"] == "field_in_use" and failure["total"] == 2
    deal_toolkit.call(
        "delete_a_nimble_deal_pipeline_field_by_id", {"pipeline_id": pid, "id": seats, "preflight_checks": False}
    )
    assert "Seats" not in names(tab(deal_toolkit.call("list_all_nimble_deal_fields").result, pid))
    deals = deal_toolkit.call("list_all_nimble_deals", {"limit": 100}).result
    assert all(seats not in d["fields_values"] for d in deals)  # the values went with the field
    raises_api(deal_toolkit, "delete_a_nimble_deal_pipeline_field_by_id", {"pipeline_id": pid, "id": seats}, 404)
    unused = field_id(members, "Renewal date")
    deal_toolkit.call("delete_a_nimble_deal_pipeline_field_by_id", {"pipeline_id": pid, "id": unused})  # not in use


def test_choices(deal_toolkit: NimbleToolkit, pid: str) -> None:
    source = field_id(tab(deal_toolkit.call("list_all_nimble_deal_fields").result, pid), "Source")
    path = {"pipeline_id": pid, "field_id": source}

    def choices(answer: dict[str, Any]) -> list[str]:
        field = next(m["field"] for m in tab(answer, pid) if m["type"] == "field" and m["field"]["field_id"] == source)
        return [f"{c['id']}={c['value']}" for c in field["possible_values"]["values"]]

    added = deal_toolkit.call(
        "create_a_nimble_deal_pipeline_choice",
        {**path, "option_id": "event", "value": "Event", "insert_after": "inbound"},
    ).result
    assert choices(added) == ["inbound=Inbound", "event=Event", "outbound=Outbound", "referral=Referral"]
    moved = deal_toolkit.call(
        "update_a_nimble_deal_pipeline_choice_by_id",
        {**path, "id": "event", "value": "Trade show", "move_to_first": True},
    ).result
    assert choices(moved)[0] == "event=Trade show"
    raises_api(deal_toolkit, "create_a_nimble_deal_pipeline_choice", {**path, "option_id": "event", "value": "x"}, 409)
    raises_api(deal_toolkit, "update_a_nimble_deal_pipeline_choice_by_id", {**path, "id": "nope", "value": "x"}, 404)
    seats = field_id(tab(moved, pid), "Seats")
    error = raises_api(
        deal_toolkit,
        "create_a_nimble_deal_pipeline_choice",
        {"pipeline_id": pid, "field_id": seats, "option_id": "a", "value": "A"},
        406,
    )
    assert error.body["type"] == "not_a_choice_field"

    # "referral" is used by one seeded deal: refused by default, cleared from it with preflight_checks false.
    error = raises_api(deal_toolkit, "delete_a_nimble_deal_pipeline_choice_by_id", {**path, "id": "referral"}, 406)
    assert error.body["errors"][0]["type"] == "choice_in_use"
    deal_toolkit.call(
        "delete_a_nimble_deal_pipeline_choice_by_id", {**path, "id": "referral", "preflight_checks": False}
    )
    deals = deal_toolkit.call("list_all_nimble_deals", {"limit": 100}).result
    assert all(d["fields_values"].get(source, [{}])[0].get("value") != "referral" for d in deals)
    deal_toolkit.call("delete_a_nimble_deal_pipeline_choice_by_id", {**path, "id": "event"})
    raises_api(deal_toolkit, "delete_a_nimble_deal_pipeline_choice_by_id", {**path, "id": "event"}, 404)
    refused_before_sending(
        deal_toolkit, lambda: deal_toolkit.call("update_a_nimble_deal_pipeline_choice_by_id", {**path, "id": "inbound"})
    )


def test_groups(deal_toolkit: NimbleToolkit, pid: str) -> None:
    created = deal_toolkit.call(
        "create_a_nimble_deal_pipeline_fields_group",
        {
            "pipeline_id": pid,
            "group_name": "Billing",
            "move_to_first": True,
            "fields": [
                {"name": "PO number", "field_kind": "string"},
                {"name": "Net days", "field_kind": "number", "number_type": "integer"},
            ],
        },
    ).result
    members = tab(created, pid)
    assert names(members) == ["[Billing]", "Source", "Seats", "[Contract]"]
    billing = members[0]
    assert billing["logo_id"] == "1" and [f["field"]["field_name"] for f in billing["fields"]] == [
        "PO number",
        "Net days",
    ]
    renamed = deal_toolkit.call(
        "update_a_nimble_deal_pipeline_fields_group_by_id",
        {
            "pipeline_id": pid,
            "id": billing["group_id"],
            "group_name": "Invoicing",
            "insert_after": field_id(members, "Seats"),
        },
    ).result
    assert names(tab(renamed, pid)) == ["Source", "Seats", "[Invoicing]", "[Contract]"]
    deal_toolkit.call(
        "delete_a_nimble_deal_pipeline_fields_group_by_id", {"pipeline_id": pid, "id": billing["group_id"]}
    )
    after = tab(deal_toolkit.call("list_all_nimble_deal_fields").result, pid)
    assert names(after) == ["Source", "Seats", "PO number", "Net days", "[Contract]"]  # its fields stay, ungrouped
    raises_api(
        deal_toolkit,
        "delete_a_nimble_deal_pipeline_fields_group_by_id",
        {"pipeline_id": pid, "id": billing["group_id"]},
        404,
    )
    raises_api(
        deal_toolkit,
        "update_a_nimble_deal_pipeline_fields_group_by_id",
        {"pipeline_id": pid, "id": MISSING, "logo_id": "2"},
        404,
    )
    error = raises_api(
        deal_toolkit,
        "create_a_nimble_deal_pipeline_fields_group",
        {"pipeline_id": pid, "group_name": "Dup", "fields": [{"name": "source", "field_kind": "string"}]},
        406,
    )
    assert error.body["type"] == "field_name_exists"
    refused_before_sending(
        deal_toolkit,
        lambda: deal_toolkit.call(
            "create_a_nimble_deal_pipeline_fields_group",
            {"pipeline_id": pid, "group_name": "G", "fields": [{"name": "A", "field_kind": "string"}] * 2},
        ),
    )
    refused_before_sending(
        deal_toolkit,
        lambda: deal_toolkit.call(
            "update_a_nimble_deal_pipeline_fields_group_by_id", {"pipeline_id": pid, "id": MISSING}
        ),
    )


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("create_a_nimble_deal_pipeline_field", {"name": "X", "field_kind": "string"}),
        ("update_a_nimble_deal_pipeline_field_by_id", {"id": "{field}", "name": "X"}),
        ("delete_a_nimble_deal_pipeline_field_by_id", {"id": "{field}"}),
        ("create_a_nimble_deal_pipeline_choice", {"field_id": "{field}", "option_id": "x", "value": "X"}),
        ("update_a_nimble_deal_pipeline_choice_by_id", {"field_id": "{field}", "id": "inbound", "value": "X"}),
        ("delete_a_nimble_deal_pipeline_choice_by_id", {"field_id": "{field}", "id": "inbound"}),
        ("create_a_nimble_deal_pipeline_fields_group", {"group_name": "G"}),
        ("update_a_nimble_deal_pipeline_fields_group_by_id", {"id": "{group}", "group_name": "G"}),
        ("delete_a_nimble_deal_pipeline_fields_group_by_id", {"id": "{group}"}),
    ],
)
def test_changing_fields_needs_the_permission(
    deal_toolkit: NimbleToolkit, pid: str, name: str, arguments: dict[str, str]
) -> None:
    members = tab(deal_toolkit.call("list_all_nimble_deal_fields").result, pid)
    ids = {"field": field_id(members, "Source"), "group": next(m["group_id"] for m in members if m["type"] == "group")}
    filled = {"pipeline_id": pid, **{k: v.format(**ids) for k, v in arguments.items()}}
    other = second_user_toolkit(deal_toolkit)
    raises_api(other, name, filled, 403)
    assert new_deal(deal_toolkit)  # nothing changed for the admin
