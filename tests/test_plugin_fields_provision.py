"""Custom-field provisioning: plan, apply once, keep, report drift, survive lost answers."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
from nimble_tools_fields_provision import choice_id

from nimble_tools import InvalidArgumentsError, NimbleAPIError, NimbleToolkit, RetryPolicy
from nimble_tools.sandbox import FaultPlan, Sandbox

PROVISION = "nimble_provision_custom_fields"
SPEC: dict[str, Any] = {
    "tab": "Sales data",
    "contact_types": ["person"],
    "groups": [
        {
            "name": "Qualification",
            "fields": [
                {"name": "Budget", "kind": "number", "number_type": "financial", "currency": "USD"},
                {"name": "Temperature", "kind": "choice", "choices": ["Cold", "Warm", "Hot"]},
            ],
        },
        {"name": "Sources", "fields": [{"name": "Referrer", "kind": "string"}]},
    ],
    "fields": [{"name": "Sales notes", "kind": "long_string"}],
}


def layout(toolkit: NimbleToolkit) -> dict[str, Any]:
    body: dict[str, Any] = toolkit.call("list_all_nimble_contact_fields").result
    return body


def tabs_named(toolkit: NimbleToolkit, name: str) -> list[dict[str, Any]]:
    return [t for t in layout(toolkit)["tabs"] if t["tab_name"] == name]


def members(tab: dict[str, Any]) -> dict[str, Any]:
    """{group name: [field names]} and {None: [loose field names]}."""
    out: dict[Any, list[str]] = {}
    for member in tab["members"]:
        if member["type"] == "group":
            out[member["name"]] = [f["name"] for f in member["fields"]]
        else:
            out.setdefault(None, []).append(member["name"])
    return out


def test_dry_run_plans_and_changes_nothing(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    before_layout, before = layout(toolkit), box.request_count
    result = toolkit.call(PROVISION, {**SPEC, "dry_run": True}).result
    assert box.request_count - before == 1
    assert layout(toolkit) == before_layout
    assert [(a["action"], a.get("group"), a.get("field")) for a in result["plan"]] == [
        ("create_tab", None, None),
        ("create_group", "Qualification", None),
        ("create_group", "Sources", None),
        ("create_field", None, "Sales notes"),
        ("create_field", "Qualification", "Budget"),
        ("create_field", "Qualification", "Temperature"),
        ("create_field", "Sources", "Referrer"),
    ]
    assert (result["applied"], result["remaining"], result["dry_run"]) == ([], [], True)


def test_apply_creates_in_order_then_a_rerun_keeps_everything(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    result = toolkit.call(PROVISION, SPEC).result
    assert result["applied"] == result["plan"] and result["remaining"] == []
    [tab] = tabs_named(toolkit, "Sales data")
    assert tab["contact_types"] == ["person"]
    assert members(tab) == {"Qualification": ["Budget", "Temperature"], "Sources": ["Referrer"], None: ["Sales notes"]}
    temperature = next(
        f for m in tab["members"] if m["type"] == "group" for f in m["fields"] if f["name"] == "Temperature"
    )
    assert temperature["field_type"]["values"]["values"] == [
        {"id": choice_id(c), "value": c} for c in ("Cold", "Warm", "Hot")
    ]

    before = box.request_count
    again = toolkit.call(PROVISION, SPEC).result
    assert box.request_count - before == 1
    assert (again["plan"], again["applied"], again["drift"]) == ([], [], [])
    assert sorted(again["kept"]) == ["Budget", "Referrer", "Sales notes", "Temperature"]
    assert again["explanation"] == "Nimble now has every field of the spec."


def test_missing_options_are_added_and_differences_reported_not_fixed(toolkit: NimbleToolkit) -> None:
    toolkit.call(PROVISION, SPEC)
    changed = copy.deepcopy(SPEC)
    qualification = changed["groups"][0]["fields"]
    qualification[1]["choices"] = ["Cold", "Hot", "Closed"]  # Warm exists in Nimble only, Closed is new
    qualification[0]["kind"] = "string"  # Budget is a number in Nimble
    qualification[0].pop("number_type"), qualification[0].pop("currency")
    changed["fields"] = []
    changed["groups"][1]["fields"] = []
    changed["groups"].append({"name": "Moved", "fields": [{"name": "Referrer", "kind": "string"}]})
    result = toolkit.call(PROVISION, changed).result
    assert [(a["action"], a.get("group"), a.get("choice")) for a in result["applied"]] == [
        ("create_group", "Moved", None),
        ("add_choice", "Qualification", "Closed"),
    ]
    drift = {d["field"]: d["problems"] for d in result["drift"]}
    assert drift["Budget"] == ["is number in Nimble but string in the spec (a field's kind cannot change)"]
    assert drift["Temperature"] == ["has options the spec does not list (kept): ['Warm']"]
    assert drift["Referrer"] == [
        "is in tab 'Sales data', group 'Sources', the spec puts it in tab 'Sales data', group 'Moved'"
    ]
    [tab] = tabs_named(toolkit, "Sales data")
    assert members(tab)["Sources"] == ["Referrer"]  # not moved
    temperature = next(
        f for m in tab["members"] if m["type"] == "group" for f in m["fields"] if f["name"] == "Temperature"
    )
    assert [v["value"] for v in temperature["field_type"]["values"]["values"]] == ["Cold", "Warm", "Hot", "Closed"]


def test_a_standard_field_name_is_drift(toolkit: NimbleToolkit) -> None:
    result = toolkit.call(PROVISION, {"tab": "Mine", "fields": [{"name": "Email", "kind": "string"}]}).result
    assert result["drift"][0]["problems"] == ["is one of Nimble's standard fields; pick another name"]
    assert [a["action"] for a in result["applied"]] == ["create_tab"]


@pytest.mark.parametrize(
    ("spec", "fix"),
    [
        ({"tab": "T"}, "declares no group and no field"),
        ({"tab": "T", "fields": [{"name": "C", "kind": "choice"}]}, "needs choices"),
        ({"tab": "T", "fields": [{"name": "N", "kind": "number"}]}, "needs number_type"),
        ({"tab": "T", "fields": [{"name": "N", "kind": "number", "number_type": "decimal"}]}, "needs fraction_digits"),
        ({"tab": "T", "fields": [{"name": "S", "kind": "string", "choices": ["a"]}]}, "choice fields only"),
        ({"tab": "T", "fields": [{"name": "A", "kind": "string"}, {"name": "a", "kind": "string"}]}, "repeated"),
        ({"tab": "T", "fields": [{"name": "C", "kind": "choice", "choices": ["x", "X"]}]}, "lists an option twice"),
        ({"tab": "T", "fields": [{"name": "D", "kind": "date"}]}, "kind"),
    ],
    ids=["empty", "choices", "number", "fraction", "not-choice", "repeated", "option-twice", "kind"],
)
def test_bad_specs_are_refused_before_any_request(toolkit: NimbleToolkit, spec: dict[str, Any], fix: str) -> None:
    box = toolkit.emulator
    assert box is not None
    before = box.request_count
    with pytest.raises(InvalidArgumentsError, match=fix):
        toolkit.call(PROVISION, spec)
    assert box.request_count == before


def test_async_apply_matches_sync() -> None:
    toolkit = NimbleToolkit.sandbox()
    result = asyncio.run(toolkit.acall(PROVISION, SPEC)).result
    assert len(result["applied"]) == 7
    assert asyncio.run(toolkit.acall(PROVISION, SPEC)).result["plan"] == []


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_lost_answers_create_nothing_twice(seed: int) -> None:
    box = Sandbox()
    toolkit = NimbleToolkit.sandbox(emulator=box, retry=RetryPolicy(backoff_base=0))
    box.inject_faults(FaultPlan(seed=seed, server_error=0.3, timeout=0.1, lost_reply=0.7))
    try:
        first = toolkit.call(PROVISION, SPEC).result
    except NimbleAPIError:  # a read that failed after all retries: the caller runs it again
        first = None
    assert box.faults is not None
    box.inject_faults(None)
    finish = toolkit.call(PROVISION, SPEC).result  # completes whatever the faults left undone
    assert finish["remaining"] == [] and finish["drift"] == []
    assert toolkit.call(PROVISION, SPEC).result["plan"] == []
    [tab] = tabs_named(toolkit, "Sales data")  # one tab, whatever answers were lost
    assert [m["name"] for m in tab["members"] if m["type"] == "group"] == ["Qualification", "Sources"]
    assert members(tab) == {"Qualification": ["Budget", "Temperature"], "Sources": ["Referrer"], None: ["Sales notes"]}
    if first is not None and first["remaining"]:
        assert first["error"]


# --- deal pipelines -------------------------------------------------------------------------------

DEAL_SPEC: dict[str, Any] = {
    "groups": [
        {
            "name": "Commercials",
            "fields": [
                {"name": "Contract value", "kind": "number", "number_type": "financial", "currency": "EUR"},
                {"name": "Billing", "kind": "choice", "choices": ["Monthly", "Yearly"]},
            ],
        }
    ],
    "fields": [{"name": "Signed on", "kind": "datetime"}],
}


def deal_tabs(toolkit: NimbleToolkit) -> dict[str, dict[str, Any]]:
    body = toolkit.call("list_all_nimble_deal_fields").result
    return {t["pipeline_id"]: t for t in body["pipelines_tabs"]}


def deal_members(tab: dict[str, Any]) -> dict[Any, list[str]]:
    out: dict[Any, list[str]] = {}
    for member in tab["members"]:
        if member["type"] == "group":
            out[member["group_name"]] = [f["field"]["field_name"] for f in member["fields"]]
        else:
            out.setdefault(None, []).append(member["field"]["field_name"])
    return out


def pipeline_with(toolkit: NimbleToolkit, *, fields: bool) -> str:
    return next(pid for pid, tab in deal_tabs(toolkit).items() if bool(tab["members"]) is fields)


def test_a_deal_pipeline_gets_its_fields_once(toolkit: NimbleToolkit) -> None:
    pipeline_id = pipeline_with(toolkit, fields=False)
    result = toolkit.call(PROVISION, {**DEAL_SPEC, "pipeline_id": pipeline_id}).result
    assert [a["action"] for a in result["applied"]] == ["create_group", "create_field", "create_field", "create_field"]
    assert result["remaining"] == [] and result["drift"] == []
    tab = deal_tabs(toolkit)[pipeline_id]
    assert deal_members(tab) == {"Commercials": ["Contract value", "Billing"], None: ["Signed on"]}
    again = toolkit.call(PROVISION, {**DEAL_SPEC, "pipeline_id": pipeline_id}).result
    assert again["plan"] == [] and sorted(again["kept"]) == ["Billing", "Contract value", "Signed on"]


def test_a_deal_pipeline_with_fields_gets_options_and_reports_drift(toolkit: NimbleToolkit) -> None:
    pipeline_id = pipeline_with(toolkit, fields=True)
    tab = deal_tabs(toolkit)[pipeline_id]
    source = next(m["field"] for m in tab["members"] if m["type"] == "field" and m["field"]["field_type"] == "choice")
    labels = [v["value"] for v in source["possible_values"]["values"]]
    spec = {
        "pipeline_id": pipeline_id,
        "fields": [
            {"name": source["field_name"], "kind": "choice", "choices": [*labels, "Partner"]},
            {"name": "Amount", "kind": "string"},
        ],
    }
    result = toolkit.call(PROVISION, spec).result
    assert [(a["action"], a["choice"]) for a in result["applied"]] == [("add_choice", "Partner")]
    assert result["drift"] == [
        {
            "field": "Amount",
            "field_id": result["drift"][0]["field_id"],
            "problems": ["is one of Nimble's standard fields; pick another name"],
        }
    ]
    after = next(
        m["field"]
        for m in deal_tabs(toolkit)[pipeline_id]["members"]
        if m["type"] == "field" and m["field"]["field_id"] == source["field_id"]
    )
    assert [v["value"] for v in after["possible_values"]["values"]] == [*labels, "Partner"]


def test_an_unknown_pipeline_changes_nothing(toolkit: NimbleToolkit) -> None:
    result = toolkit.call(PROVISION, {**DEAL_SPEC, "pipeline_id": "b" * 24}).result
    assert (result["plan"], result["applied"]) == ([], [])
    assert "No deal pipeline" in result["explanation"]


@pytest.mark.parametrize(
    ("spec", "fix"),
    [
        ({"fields": [{"name": "A", "kind": "string"}]}, "give tab .* or pipeline_id"),
        ({"tab": "T", "pipeline_id": "a" * 24, "fields": [{"name": "A", "kind": "string"}]}, "not both"),
        ({"pipeline_id": "a" * 24, "fields": [{"name": "A", "kind": "string", "multiples": True}]}, "remove multiples"),
        ({"tab": "T", "fields": [{"name": "M", "kind": "number", "number_type": "financial"}]}, "needs currency"),
    ],
    ids=["no-target", "two-targets", "deal-multiples", "financial"],
)
def test_target_rules(toolkit: NimbleToolkit, spec: dict[str, Any], fix: str) -> None:
    with pytest.raises(InvalidArgumentsError, match=fix):
        toolkit.call(PROVISION, spec)


def test_deal_fields_survive_lost_answers() -> None:
    box = Sandbox()
    toolkit = NimbleToolkit.sandbox(emulator=box, retry=RetryPolicy(backoff_base=0))
    pipeline_id = pipeline_with(toolkit, fields=False)
    box.inject_faults(FaultPlan(seed=9, server_error=0.4, lost_reply=0.8, methods=frozenset({"POST"})))
    toolkit.call(PROVISION, {**DEAL_SPEC, "pipeline_id": pipeline_id})
    box.inject_faults(None)
    assert toolkit.call(PROVISION, {**DEAL_SPEC, "pipeline_id": pipeline_id}).result["remaining"] == []
    tab = deal_tabs(toolkit)[pipeline_id]
    assert [m["group_name"] for m in tab["members"] if m["type"] == "group"] == ["Commercials"]
    assert deal_members(tab) == {"Commercials": ["Contract value", "Billing"], None: ["Signed on"]}
