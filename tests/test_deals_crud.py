"""Deals end to end against the sandbox: create, read, update, delete, list, won-last-month, overdue.

Every successful answer is also checked against the spec by the ``deal_toolkit`` fixture.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from deals_support import (
    deal_named,
    make_toolkit,
    me,
    new_deal,
    pipeline,
    raises_api,
    refused_before_sending,
    second_user_toolkit,
    stage,
    value_of,
)

from nimble_tools import AuthenticationError, InvalidArgumentsError, NimbleToolkit

MISSING = "0123456789abcdef01234567"


def test_create_read_update_delete(deal_toolkit: NimbleToolkit) -> None:
    created = new_deal(
        deal_toolkit,
        name="Acme renewal",
        amount=12000,
        description="Two-year renewal",
        expected_close_date="2030-06-30",
        tags=["renewal", "Renewal", "q3"],
        related_external_contacts=[{"contact_info": "cfo@acme.example", "note": "signs"}],
    )
    assert value_of(created, "name") == "Acme renewal"
    assert value_of(created, "amount") == "12000"
    assert value_of(created, "expected_close_date") == "2030-06-30"
    assert created["tags"] == ["renewal", "q3"]  # the same tag twice counts once
    assert created["final_probability"] == 10  # the stage's default probability
    assert created["currency"] == "USD"  # the pipeline's default currency
    assert created["stage_transitions"]["transitions"][0]["from_stage"] is None
    assert created["is_editable"] is True

    fetched = deal_toolkit.call("get_single_nimble_deal_by_id", {"id": created["deal_id"]}).result
    assert fetched["deal_id"] == created["deal_id"] and fetched["deal_number"] == created["deal_number"]

    updated = deal_toolkit.call(
        "update_a_nimble_deal_by_id",
        {"id": created["deal_id"], "probability": 65, "fields": [{"field": "description", "values": []}]},
    ).result
    assert updated["final_probability"] == 65
    assert value_of(updated, "description") is None  # values [] cleared it
    assert value_of(updated, "name") == "Acme renewal"  # untouched fields stay

    deal_toolkit.call("delete_a_nimble_deal_by_id", {"id": created["deal_id"]})
    raises_api(deal_toolkit, "get_single_nimble_deal_by_id", {"id": created["deal_id"]}, 404)
    raises_api(deal_toolkit, "delete_a_nimble_deal_by_id", {"id": created["deal_id"]}, 404)


def test_create_refuses_an_incomplete_deal_before_sending(deal_toolkit: NimbleToolkit) -> None:
    sales = pipeline(deal_toolkit)
    base = {"pipeline_id": sales["pipeline_id"], "stage_id": stage(sales, "Proposal"), "owner_id": me(deal_toolkit)}
    for missing in ("pipeline_id", "stage_id", "owner_id"):
        arguments = {"name": "X", **{k: v for k, v in base.items() if k != missing}}
        error = refused_before_sending(deal_toolkit, lambda a=arguments: deal_toolkit.call("create_a_nimble_deal", a))
        assert isinstance(error, InvalidArgumentsError)
        assert error.errors == [(missing, "required, but missing")]
        assert "create_a_nimble_deal" in str(error)
    error = refused_before_sending(deal_toolkit, lambda: deal_toolkit.call("create_a_nimble_deal", base))
    assert "name: required, but missing" in str(error)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"name": ""}, "name"),
        ({"name": "X", "amount": -5}, "amount"),
        ({"name": "X", "probability": 101}, "probability"),
        ({"name": "X", "currency": "dollars"}, "currency"),
        ({"name": "X", "fields": [{"field": "name", "values": ["Y"]}]}, "fields.0.field"),
        ({"name": "X", "fields": [{"field": "colour", "values": ["red"]}]}, "fields.0.field"),
        ({"name": "X", "stage_id": "stage-1"}, "stage_id"),
    ]
    for extra, field in bad:
        arguments = {**base, **extra}
        error = refused_before_sending(deal_toolkit, lambda a=arguments: deal_toolkit.call("create_a_nimble_deal", a))
        assert isinstance(error, InvalidArgumentsError)
        assert [f for f, _ in error.errors] == [field], error.errors


def test_create_is_checked_by_nimble_rules(deal_toolkit: NimbleToolkit) -> None:
    sales, partners = pipeline(deal_toolkit), pipeline(deal_toolkit, "Partnerships")
    owner = me(deal_toolkit)
    base = {"name": "X", "pipeline_id": sales["pipeline_id"], "stage_id": stage(sales, "Proposal"), "owner_id": owner}
    raises_api(deal_toolkit, "create_a_nimble_deal", {**base, "pipeline_id": MISSING}, 404)
    error = raises_api(deal_toolkit, "create_a_nimble_deal", {**base, "stage_id": stage(partners, "Intro")}, 409)
    assert "stage_id" in error.field_errors  # type: ignore[attr-defined]
    error = raises_api(deal_toolkit, "create_a_nimble_deal", {**base, "owner_id": MISSING}, 409)
    assert "owner_id" in error.field_errors  # type: ignore[attr-defined]
    # "Intro" has no default probability, so the deal must bring its own.
    intro = {**base, "pipeline_id": partners["pipeline_id"], "stage_id": stage(partners, "Intro")}
    error = raises_api(deal_toolkit, "create_a_nimble_deal", intro, 409)
    assert "probability" in error.field_errors  # type: ignore[attr-defined]
    assert new_deal(deal_toolkit, **{**intro, "probability": 15})["final_probability"] == 15
    raises_api(deal_toolkit, "create_a_nimble_deal", {**base, "related_contacts": [{"contact_id": MISSING}]}, 409)


def test_custom_field_values_are_checked_and_named(deal_toolkit: NimbleToolkit) -> None:
    partners = pipeline(deal_toolkit, "Partnerships")
    fields = {m["field"]["field_name"]: m["field"] for m in partners["tabs"][0]["members"] if m["type"] == "field"}
    base = {
        "name": "Reseller",
        "pipeline_id": partners["pipeline_id"],
        "stage_id": stage(partners, "Pilot"),
        "owner_id": me(deal_toolkit),
    }
    source, seats = fields["Source"]["field_id"], fields["Seats"]["field_id"]
    deal = new_deal(
        deal_toolkit, **base, fields=[{"field": source, "values": ["outbound"]}, {"field": seats, "values": ["40"]}]
    )
    assert deal["fields_values"][source] == [{"value": "outbound", "is_primary": True}]
    assert value_of(deal, "Source") == "outbound" and value_of(deal, "Seats") == "40"
    error = raises_api(
        deal_toolkit, "create_a_nimble_deal", {**base, "fields": [{"field": source, "values": ["Outbound"]}]}, 409
    )
    assert "not a choice id" in str(error)  # choice fields store the option id, not its label
    raises_api(deal_toolkit, "create_a_nimble_deal", {**base, "fields": [{"field": seats, "values": ["many"]}]}, 409)
    sales_field = {"field": source, "values": ["outbound"]}
    sales = pipeline(deal_toolkit)
    other = {**base, "pipeline_id": sales["pipeline_id"], "stage_id": stage(sales, "Proposal"), "fields": [sales_field]}
    raises_api(deal_toolkit, "create_a_nimble_deal", other, 409)  # a field of another pipeline


def test_stage_moves_are_recorded_and_closing_sets_the_close_date(deal_toolkit: NimbleToolkit) -> None:
    sales = pipeline(deal_toolkit)
    deal = new_deal(deal_toolkit, amount=500)
    moved = deal_toolkit.call(
        "update_a_nimble_deal_by_id", {"id": deal["deal_id"], "stage_id": stage(sales, "Negotiation")}
    ).result
    assert [t["to_stage"]["name"] for t in moved["stage_transitions"]["transitions"]] == [
        "Qualification",
        "Negotiation",
    ]
    assert value_of(moved, "actual_close_date") is None
    won = deal_toolkit.call(
        "update_a_nimble_deal_by_id", {"id": deal["deal_id"], "stage_id": stage(sales, "Won")}
    ).result
    assert value_of(won, "actual_close_date") is not None
    assert won["stage_transitions"]["before_final_stage"]["name"] == "Negotiation"
    assert won["final_probability"] == 100
    reopened = deal_toolkit.call(
        "update_a_nimble_deal_by_id", {"id": deal["deal_id"], "stage_id": stage(sales, "Proposal")}
    ).result
    assert value_of(reopened, "actual_close_date") is None
    assert reopened["stage_transitions"]["before_final_stage"] is None


def test_moving_to_another_pipeline(deal_toolkit: NimbleToolkit) -> None:
    partners = pipeline(deal_toolkit, "Partnerships")
    deal = new_deal(deal_toolkit)
    refused_before_sending(
        deal_toolkit,
        lambda: deal_toolkit.call(
            "update_a_nimble_deal_by_id", {"id": deal["deal_id"], "pipeline_id": partners["pipeline_id"]}
        ),
    )
    moved = deal_toolkit.call(
        "update_a_nimble_deal_by_id",
        {"id": deal["deal_id"], "pipeline_id": partners["pipeline_id"], "stage_id": stage(partners, "Pilot")},
    ).result
    assert moved["stage_transitions"]["pipeline_name"] == "Partnerships"
    wrong = {"id": deal["deal_id"], "stage_id": stage(pipeline(deal_toolkit), "Proposal")}
    raises_api(deal_toolkit, "update_a_nimble_deal_by_id", wrong, 409)  # a stage of the old pipeline


def test_update_failures(deal_toolkit: NimbleToolkit) -> None:
    deal = new_deal(deal_toolkit)
    refused_before_sending(
        deal_toolkit, lambda: deal_toolkit.call("update_a_nimble_deal_by_id", {"id": deal["deal_id"]})
    )
    raises_api(deal_toolkit, "update_a_nimble_deal_by_id", {"id": MISSING, "amount": 1}, 404)
    error = raises_api(
        deal_toolkit,
        "update_a_nimble_deal_by_id",
        {"id": deal["deal_id"], "fields": [{"field": "name", "values": []}]},
        409,
    )
    assert "name" in error.field_errors  # type: ignore[attr-defined]


def test_private_deals_are_refused_to_other_users(deal_toolkit: NimbleToolkit) -> None:
    admin = me(deal_toolkit)
    private = new_deal(
        deal_toolkit,
        name="Secret",
        privacy={"read": {"user_ids": [admin], "group_ids": []}, "edit": {"user_ids": [admin], "group_ids": []}},
    )
    assert private["privacy"]["read"] == {"user_ids": [admin], "group_ids": []}
    other = second_user_toolkit(deal_toolkit)
    deal_id = private["deal_id"]
    error = raises_api(other, "get_single_nimble_deal_by_id", {"id": deal_id}, 403)
    assert error.body == {"message": "You don't have access to this deal"}
    raises_api(other, "update_a_nimble_deal_by_id", {"id": deal_id, "amount": 1}, 403)
    raises_api(other, "delete_a_nimble_deal_by_id", {"id": deal_id}, 403)
    listed = {d["deal_id"] for d in other.call("list_all_nimble_deals", {"limit": 100}).result}
    assert deal_id not in listed
    assert deal_named(deal_toolkit, "Secret")["deal_id"] == deal_id  # its owner still sees it


def test_list_sorts_and_limits(deal_toolkit: NimbleToolkit) -> None:
    by_amount = deal_toolkit.call("list_all_nimble_deals", {"sort": "amount:desc", "limit": 3}).result
    amounts = [float(value_of(d, "amount") or 0) for d in by_amount]
    assert len(by_amount) == 3 and amounts == sorted(amounts, reverse=True)
    assert amounts[0] == 30000
    names = [value_of(d, "name") for d in deal_toolkit.call("list_all_nimble_deals", {"limit": 100}).result]
    assert names == sorted(names, key=lambda n: (n or "").casefold()) and len(names) == 10
    error = raises_api(deal_toolkit, "list_all_nimble_deals", {"sort": "created:desc"}, 409)
    assert "can't be used for sorting" in str(error)
    refused_before_sending(deal_toolkit, lambda: deal_toolkit.call("list_all_nimble_deals", {"sort": "amount"}))


def test_won_last_month(deal_toolkit: NimbleToolkit) -> None:
    seeded = deal_toolkit.call("nimble_deals_won_deals_last_month").result
    assert seeded == {"last_month_won_amount": 33000, "last_month_won_count": 2}
    deal = new_deal(deal_toolkit, amount=999)
    deal_toolkit.call(
        "update_a_nimble_deal_by_id", {"id": deal["deal_id"], "stage_id": stage(pipeline(deal_toolkit), "Won")}
    )
    assert deal_toolkit.call("nimble_deals_won_deals_last_month").result == seeded  # won this month: not counted
    refused_before_sending(deal_toolkit, lambda: deal_toolkit.call("nimble_deals_won_deals_last_month", {"month": 1}))
    assert deal_toolkit.emulator is not None
    bad = make_toolkit(deal_toolkit.emulator, api_key="wrong")
    with pytest.raises(AuthenticationError):
        bad.call("nimble_deals_won_deals_last_month")


def test_overdue_activities(deal_toolkit: NimbleToolkit) -> None:
    globex = deal_named(deal_toolkit, "Globex - 50 seats")
    assert deal_toolkit.emulator is not None
    now = deal_toolkit.emulator.state.now()

    def task(subject: str, days_late: int, **extra: Any) -> None:
        due = (now - timedelta(days=days_late)).strftime("%Y-%m-%dT%H:%M:%SZ")
        arguments = {"subject": subject, "due_date": due, "related": {"deals": [globex["deal_id"]]}, **extra}
        deal_toolkit.call("create_a_nimble_task", arguments)

    assert deal_toolkit.call("nimble_deals_overdue", {"id": globex["deal_id"]}).result == []
    task("Follow-up call with procurement", 1)
    task("Send revised proposal", 4, is_important=True)
    task("Quarterly review", -5)  # due in five days: not overdue
    task("Security questionnaire", 9, completed_time=now.strftime("%Y-%m-%dT%H:%M:%SZ"))  # done
    activities = deal_toolkit.call("nimble_deals_overdue", {"id": globex["deal_id"]}).result
    assert [a["name"] for a in activities] == ["Send revised proposal", "Follow-up call with procurement"]
    assert activities[0]["new_related_deals"][0]["deal_id"] == globex["deal_id"]
    assert activities[0]["new_related_deals"][0]["name"] == "Globex - 50 seats"
    tasks = deal_toolkit.call("nimble_deals_overdue", {"id": globex["deal_id"], "types": ["task", "call"]}).result
    assert len(tasks) == 2
    assert deal_toolkit.call("nimble_deals_overdue", {"id": globex["deal_id"], "types": ["call"]}).result == []
    assert len(deal_toolkit.call("nimble_deals_overdue", {"id": globex["deal_id"], "limit": 1}).result) == 1
    assert deal_toolkit.call("nimble_deals_overdue", {"id": new_deal(deal_toolkit)["deal_id"]}).result == []
    raises_api(deal_toolkit, "nimble_deals_overdue", {"id": MISSING}, 404)
    refused_before_sending(deal_toolkit, lambda: deal_toolkit.call("nimble_deals_overdue", {"id": MISSING, "limit": 0}))
