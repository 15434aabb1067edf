"""Deal pipelines end to end: CRUD, the delete cascade, archiving, lost reasons, stages, permissions."""

from __future__ import annotations

from typing import Any

import pytest
from deals_support import deal_named, new_deal, pipeline, raises_api, refused_before_sending, second_user_toolkit, stage

from nimble_tools import InvalidArgumentsError, NimbleToolkit

MISSING = "0123456789abcdef01234567"


def create(toolkit: NimbleToolkit, **extra: Any) -> dict[str, Any]:
    arguments = {"name": "Renewals", "stages": [{"name": "Open", "default_probability": 30}, {"name": "Quoted"}]}
    created: dict[str, Any] = toolkit.call("create_a_nimble_deals_pipeline", {**arguments, **extra}).result
    return created


def test_list_and_get(deal_toolkit: NimbleToolkit) -> None:
    pipelines = deal_toolkit.call("list_all_nimble_deals_pipelines").result
    assert [p["name"] for p in pipelines] == ["Sales", "Partnerships"]
    sales = pipelines[0]
    assert sales["is_default"] is True and sales["default_currency"] == "USD"
    assert [(s["name"], s["role"]["name"]) for s in sales["stages"]][-2:] == [("Won", "won"), ("Lost", "lost")]
    fetched = deal_toolkit.call("get_single_nimble_deals_pipeline_by_id", {"id": sales["pipeline_id"]}).result
    assert fetched == sales
    raises_api(deal_toolkit, "get_single_nimble_deals_pipeline_by_id", {"id": MISSING}, 404)
    refused_before_sending(deal_toolkit, lambda: deal_toolkit.call("list_all_nimble_deals_pipelines", {"x": 1}))


def test_create_with_stages_reasons_and_fields(deal_toolkit: NimbleToolkit) -> None:
    created = create(
        deal_toolkit,
        description="Yearly renewals",
        color="#00aa00",
        default_currency="eur",
        lost_reasons=["Price", "Churned"],
        custom_fields=[{"name": "Seats", "field_kind": "number", "number_type": "integer"}],
        field_groups=[{"group_name": "Contract", "fields": [{"name": "Ends", "field_kind": "datetime"}]}],
    )
    assert [s["name"] for s in created["stages"]] == ["Open", "Quoted", "Won", "Lost"]
    assert created["stages"][0]["default_probability"] == 30 and created["stages"][1]["default_probability"] is None
    assert [r["text"] for r in created["lost_reasons"]] == ["Price", "Churned"]
    assert created["default_currency"] == "EUR" and created["is_default"] is False
    members = created["tabs"][0]["members"]
    assert [m["type"] for m in members] == ["field", "group"]
    assert members[1]["fields"][0]["field"]["presentation"] == {"date_format": None, "ignore_specific_time": False}
    assert created in deal_toolkit.call("list_all_nimble_deals_pipelines").result


def test_create_refusals(deal_toolkit: NimbleToolkit) -> None:
    for arguments, field in (
        ({"name": "X", "stages": []}, "stages"),
        ({"name": "X", "stages": [{"name": "A"}, {"name": "a"}]}, "stages"),
        ({"name": "X", "stages": [{"name": "A"}], "color": "green"}, "color"),
        ({"name": "X", "stages": [{"name": "A", "default_probability": 120}]}, "stages.0.default_probability"),
        (
            {"name": "X", "stages": [{"name": "A"}], "custom_fields": [{"name": "N", "field_kind": "number"}]},
            "custom_fields.0.number_type",
        ),
    ):
        error = refused_before_sending(
            deal_toolkit, lambda a=arguments: deal_toolkit.call("create_a_nimble_deals_pipeline", a)
        )
        assert isinstance(error, InvalidArgumentsError) and error.errors[0][0] == field, error.errors
    raises_api(deal_toolkit, "create_a_nimble_deals_pipeline", {"name": "sales", "stages": [{"name": "A"}]}, 409)


def test_update(deal_toolkit: NimbleToolkit) -> None:
    created = create(deal_toolkit)
    updated = deal_toolkit.call(
        "update_a_nimble_deals_pipeline_by_id",
        {"id": created["pipeline_id"], "name": "Renewals 2025", "color": "#ff0000"},
    ).result
    assert (updated["name"], updated["color"], updated["description"]) == ("Renewals 2025", "#ff0000", "")
    refused_before_sending(
        deal_toolkit, lambda: deal_toolkit.call("update_a_nimble_deals_pipeline_by_id", {"id": created["pipeline_id"]})
    )
    raises_api(deal_toolkit, "update_a_nimble_deals_pipeline_by_id", {"id": MISSING, "name": "x"}, 404)
    raises_api(
        deal_toolkit, "update_a_nimble_deals_pipeline_by_id", {"id": created["pipeline_id"], "name": "Sales"}, 409
    )


def test_delete_cascades_to_every_deal_in_the_pipeline(deal_toolkit: NimbleToolkit) -> None:
    sales = pipeline(deal_toolkit)
    in_sales = [
        d["deal_id"]
        for d in deal_toolkit.call("list_all_nimble_deals", {"limit": 100}).result
        if d["stage_transitions"]["pipeline_id"] == sales["pipeline_id"]
    ]
    assert len(in_sales) == 8
    globex = deal_named(deal_toolkit, "Globex - 50 seats")["deal_id"]
    partner_deal = deal_named(deal_toolkit, "Initech - reseller pilot")["deal_id"]
    assert deal_toolkit.emulator is not None
    state = deal_toolkit.emulator.state
    assert any(n["deal_id"] == globex for n in state.table("deal_notes").values())

    assert deal_toolkit.call("delete_a_nimble_deals_pipeline_by_id", {"id": sales["pipeline_id"]}).result is None

    for deal_id in in_sales:
        raises_api(deal_toolkit, "get_single_nimble_deal_by_id", {"id": deal_id}, 404)
    assert not any(n["deal_id"] == globex for n in state.table("deal_notes").values())
    assert deal_toolkit.call("get_single_nimble_deal_by_id", {"id": partner_deal}).result  # other pipelines untouched
    assert [p["name"] for p in deal_toolkit.call("list_all_nimble_deals_pipelines").result] == ["Partnerships"]
    raises_api(deal_toolkit, "delete_a_nimble_deals_pipeline_by_id", {"id": sales["pipeline_id"]}, 404)


def test_the_delete_description_warns_about_the_cascade(deal_toolkit: NimbleToolkit) -> None:
    operation = deal_toolkit.operations["delete_a_nimble_deals_pipeline_by_id"]
    assert operation.destructive
    assert "EVERY DEAL IN IT" in operation.description and "nimble_deals_pipelines_archive" in operation.description


def test_archive_and_unarchive(deal_toolkit: NimbleToolkit) -> None:
    sales = pipeline(deal_toolkit)
    pid = sales["pipeline_id"]
    assert deal_toolkit.call("nimble_deals_pipelines_archive", {"id": pid}).result is None
    assert pipeline(deal_toolkit)["archived_at"] is not None
    error = raises_api(
        deal_toolkit,
        "create_a_nimble_deal",
        {
            "name": "x",
            "pipeline_id": pid,
            "stage_id": stage(sales, "Proposal"),
            "owner_id": sales["creator"]["user_id"],
        },
        406,
    )
    assert error.body["type"] == "pipeline_archived"
    assert deal_named(deal_toolkit, "Globex - 50 seats")  # archiving keeps the deals
    assert deal_toolkit.call("nimble_deals_pipelines_unarchive", {"id": pid}).result is None
    assert pipeline(deal_toolkit)["archived_at"] is None
    assert new_deal(deal_toolkit)["deal_id"]
    raises_api(deal_toolkit, "nimble_deals_pipelines_archive", {"id": MISSING}, 404)
    raises_api(deal_toolkit, "nimble_deals_pipelines_unarchive", {"id": MISSING}, 404)


def test_lost_reasons(deal_toolkit: NimbleToolkit) -> None:
    pid = pipeline(deal_toolkit)["pipeline_id"]
    updated = deal_toolkit.call(
        "nimble_deals_pipelines_add_pipeline_lost_reason", {"pipeline_id": pid, "reason": "Budget cut"}
    ).result
    assert [r["text"] for r in updated["lost_reasons"]][-1] == "Budget cut"
    error = raises_api(
        deal_toolkit, "nimble_deals_pipelines_add_pipeline_lost_reason", {"pipeline_id": pid, "reason": "price"}, 406
    )
    assert error.body == {"message": "Lost reason 'price' already exists", "error_type": "lost_reason_exists"}
    deal_toolkit.call("nimble_deals_pipelines_archive", {"id": pid})
    error = raises_api(
        deal_toolkit, "nimble_deals_pipelines_add_pipeline_lost_reason", {"pipeline_id": pid, "reason": "New"}, 406
    )
    assert error.body["error_type"] == "pipeline_archived"
    refused_before_sending(
        deal_toolkit,
        lambda: deal_toolkit.call(
            "nimble_deals_pipelines_add_pipeline_lost_reason", {"pipeline_id": pid, "reason": ""}
        ),
    )


def test_stages(deal_toolkit: NimbleToolkit) -> None:
    sales = pipeline(deal_toolkit)
    pid = sales["pipeline_id"]
    added = deal_toolkit.call("create_a_nimble_pipeline_stage", {"pipeline_id": pid, "name": "Contract"}).result
    assert [s["name"] for s in added["stages"]] == [
        "Qualification",
        "Proposal",
        "Negotiation",
        "Contract",
        "Won",
        "Lost",
    ]
    early = deal_toolkit.call(
        "create_a_nimble_pipeline_stage",
        {"pipeline_id": pid, "name": "Demo", "insert_after": stage(sales, "Qualification"), "expected_days": 5},
    ).result
    assert [s["name"] for s in early["stages"]][:3] == ["Qualification", "Demo", "Proposal"]
    demo = stage(early, "Demo")
    edited = deal_toolkit.call(
        "update_a_nimble_pipeline_stage_by_id", {"pipeline_id": pid, "id": demo, "default_probability": 25}
    ).result
    assert next(s for s in edited["stages"] if s["stage_id"] == demo)["default_probability"] == 25

    error = raises_api(
        deal_toolkit,
        "create_a_nimble_pipeline_stage",
        {"pipeline_id": pid, "name": "After won", "insert_after": stage(sales, "Won")},
        409,
    )
    assert "insert_after" in error.field_errors  # type: ignore[attr-defined]
    raises_api(deal_toolkit, "create_a_nimble_pipeline_stage", {"pipeline_id": MISSING, "name": "x"}, 404)
    raises_api(
        deal_toolkit, "update_a_nimble_pipeline_stage_by_id", {"pipeline_id": pid, "id": MISSING, "name": "x"}, 404
    )
    refused_before_sending(
        deal_toolkit,
        lambda: deal_toolkit.call("update_a_nimble_pipeline_stage_by_id", {"pipeline_id": pid, "id": demo}),
    )


def test_deleting_a_stage_archives_it(deal_toolkit: NimbleToolkit) -> None:
    sales = pipeline(deal_toolkit)
    pid, proposal = sales["pipeline_id"], stage(sales, "Proposal")
    globex = deal_named(deal_toolkit, "Globex - 50 seats")
    assert (
        deal_toolkit.call("delete_a_nimble_pipeline_stage_by_id", {"pipeline_id": pid, "id": proposal}).result is None
    )
    archived = next(s for s in pipeline(deal_toolkit)["stages"] if s["stage_id"] == proposal)
    assert archived["archived_at"] is not None  # still listed, now archived
    kept = deal_toolkit.call("get_single_nimble_deal_by_id", {"id": globex["deal_id"]}).result
    assert kept["stage_transitions"]["transitions"][-1]["to_stage"]["stage_id"] == proposal
    error = raises_api(
        deal_toolkit, "update_a_nimble_deal_by_id", {"id": new_deal(deal_toolkit)["deal_id"], "stage_id": proposal}, 406
    )
    assert error.body["type"] == "stage_archived"
    error = raises_api(
        deal_toolkit, "delete_a_nimble_pipeline_stage_by_id", {"pipeline_id": pid, "id": stage(sales, "Won")}, 406
    )
    assert error.body["type"] == "final_stage"
    raises_api(deal_toolkit, "delete_a_nimble_pipeline_stage_by_id", {"pipeline_id": pid, "id": MISSING}, 404)


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("create_a_nimble_deals_pipeline", {"name": "Mine", "stages": [{"name": "A"}]}),
        ("update_a_nimble_deals_pipeline_by_id", {"id": "{pid}", "name": "Mine"}),
        ("delete_a_nimble_deals_pipeline_by_id", {"id": "{pid}"}),
        ("nimble_deals_pipelines_archive", {"id": "{pid}"}),
        ("nimble_deals_pipelines_unarchive", {"id": "{pid}"}),
        ("nimble_deals_pipelines_add_pipeline_lost_reason", {"pipeline_id": "{pid}", "reason": "x"}),
        ("create_a_nimble_pipeline_stage", {"pipeline_id": "{pid}", "name": "x"}),
        ("update_a_nimble_pipeline_stage_by_id", {"pipeline_id": "{pid}", "id": "{sid}", "name": "x"}),
        ("delete_a_nimble_pipeline_stage_by_id", {"pipeline_id": "{pid}", "id": "{sid}"}),
    ],
)
def test_managing_pipelines_needs_the_permission(
    deal_toolkit: NimbleToolkit, name: str, arguments: dict[str, Any]
) -> None:
    sales = pipeline(deal_toolkit)
    ids = {"pid": sales["pipeline_id"], "sid": stage(sales, "Proposal")}
    filled = {k: v.format(**ids) if isinstance(v, str) else v for k, v in arguments.items()}
    other = second_user_toolkit(deal_toolkit)
    error = raises_api(other, name, filled, 403)
    assert error.body == {"message": "You don't have permission to manage pipelines"}
    assert other.call("list_all_nimble_deals_pipelines").result  # reading is allowed


def test_confirming_a_pipeline_delete_shows_how_many_deals_go(deal_toolkit: NimbleToolkit) -> None:
    from nimble_tools.policies import ConfirmationRequiredError, ConfirmDestructivePolicy

    sales = pipeline(deal_toolkit)
    for index in range(11):  # more than one page of the first stage
        new_deal(deal_toolkit, name=f"Bulk {index}")
    deal_toolkit.call(
        "delete_a_nimble_pipeline_stage_by_id", {"pipeline_id": sales["pipeline_id"], "id": stage(sales, "Proposal")}
    )
    deal_toolkit.register_plugin(ConfirmDestructivePolicy(), name="confirm")
    with pytest.raises(ConfirmationRequiredError) as held:
        deal_toolkit.call("delete_a_nimble_deals_pipeline_by_id", {"id": sales["pipeline_id"]})
    # 8 seeded + 11 new, including the 2 deals of the archived Proposal stage: all of them would go.
    assert "19 deal(s)" in held.value.preview
    assert deal_named(deal_toolkit, "Globex - 50 seats")  # nothing was deleted
    deal_toolkit.call(
        "delete_a_nimble_deals_pipeline_by_id", {"id": sales["pipeline_id"]}, confirm_token=held.value.confirm_token
    )
    raises_api(deal_toolkit, "get_single_nimble_deals_pipeline_by_id", {"id": sales["pipeline_id"]}, 404)
