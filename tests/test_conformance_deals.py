"""Every deals-side operation against the official spec: method, path, parameters, request bodies.

Requests are built offline from example arguments (each operation's own example, and for most a
full call here), then compared with ``tests/data/nimble-openapi.yml``: the path template, the query
arguments the spec declares, its required ones, and the JSON body against the spec's request schema.
Responses are checked by the end-to-end tests (see ``deals_support.SpecConformance``).

One documented exception: the spec prints the deal-tag rename and delete routes as
``/api/2/deals/tags/{tag_name}``; the catalog uses ``/api/v2`` (see catalog/deal_tags.py).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from catalog_support import build, catalog, deals_side, example
from deals_support import (
    assert_valid,
    seed_operations,
    spec,
    spec_operation,
    spec_parameters,
    spec_path,
    validator,
)

from nimble_tools import Operation

ID = "5f0c1e2d3a4b5c6d7e8f9012"
ID2 = "5f0c1e2d3a4b5c6d7e8f9013"
ID3 = "5f0c1e2d3a4b5c6d7e8f9014"

FIELD = {"name": "Seats", "field_kind": "number", "number_type": "integer"}
CHOICE_FIELD = {"name": "Source", "field_kind": "choice", "choices": [{"id": "web", "value": "Web"}]}
DATE_FIELD = {"name": "Renewal", "field_kind": "datetime", "date_format": "%Y-%m-%d"}

DEAL_OPERATIONS = deals_side()

# name -> a full call, with every argument the operation takes: its request must follow the spec too.
# Optional: an operation missing here is checked with its own example alone.
FULL: dict[str, dict[str, Any]] = {
    "list_all_nimble_deals": {"sort": "amount:desc", "limit": 5},
    "create_a_nimble_deal": {
        "name": "Big deal",
        "pipeline_id": ID,
        "stage_id": ID2,
        "owner_id": ID3,
        "amount": 12000.5,
        "probability": 40,
        "description": "Important",
        "expected_close_date": "2025-03-31",
        "fields": [{"field": ID, "values": ["web"]}],
        "currency": "eur",
        "privacy": {"read": None, "edit": {"user_ids": [ID3], "group_ids": []}},
        "related_contacts": [{"contact_id": ID, "note": "champion"}],
        "related_external_contacts": [{"contact_info": "cfo@acme.example"}],
        "tags": ["q3", "hot"],
    },
    "get_single_nimble_deal_by_id": {"id": ID},
    "update_a_nimble_deal_by_id": {
        "id": ID,
        "name": "Renamed",
        "pipeline_id": ID2,
        "stage_id": ID3,
        "owner_id": ID,
        "tags": [],
    },
    "delete_a_nimble_deal_by_id": {"id": ID},
    "nimble_deals_won_deals_last_month": {},
    "nimble_deals_overdue": {"id": ID, "types": ["task", "call"], "limit": 3},
    "list_all_nimble_deals_tags": {"starts_with": "q", "limit": 10},
    "create_a_nimble_deals_tag": {
        "tags": ["q3"],
        "query": {"and": [{"tag": {"is": "vip"}}, {"amount": {"gt": 5}}]},
        "preflight_checks": True,
    },
    "update_a_nimble_deals_tag_by_id": {"id": "a/b?c", "new_tag": "new"},
    "delete_a_nimble_deals_tag_by_id": {"id": "q3", "preflight_checks": True},
    "list_all_nimble_deal_column_catalogue": {},
    "list_all_nimble_deals_pipelines": {},
    "get_single_nimble_deals_pipeline_by_id": {"id": ID},
    "create_a_nimble_deals_pipeline": {
        "name": "Renewals",
        "stages": [{"name": "Open", "description": "d", "expected_days": 5, "default_probability": 20}],
        "description": "Yearly renewals",
        "color": "#00aa00",
        "default_currency": "GBP",
        "lost_reasons": ["Price"],
        "custom_fields": [FIELD, CHOICE_FIELD, {"name": "Site", "field_kind": "string", "validation": "url"}],
        "field_groups": [{"group_name": "Contract", "logo_id": "1", "fields": [DATE_FIELD]}],
    },
    "update_a_nimble_deals_pipeline_by_id": {"id": ID, "name": "New", "description": "", "color": "#123456"},
    "delete_a_nimble_deals_pipeline_by_id": {"id": ID},
    "nimble_deals_pipelines_archive": {"id": ID},
    "nimble_deals_pipelines_unarchive": {"id": ID},
    "nimble_deals_pipelines_add_pipeline_lost_reason": {"pipeline_id": ID, "reason": "Price"},
    "create_a_nimble_pipeline_stage": {
        "pipeline_id": ID,
        "name": "Demo",
        "description": "d",
        "insert_after": ID2,
        "expected_days": 3,
        "default_probability": 25,
    },
    "update_a_nimble_pipeline_stage_by_id": {
        "pipeline_id": ID,
        "id": ID2,
        "name": "D",
        "description": "x",
        "expected_days": 0,
        "default_probability": 5,
    },
    "delete_a_nimble_pipeline_stage_by_id": {"pipeline_id": ID, "id": ID2},
    "list_all_nimble_pipeline_deals_by_stages": {
        "pipeline_id": ID,
        "sort": "amount:desc",
        "query": {"tag": {"is": "vip"}},
        "stage_id": ID2,
        "stuck": True,
        "limit": 20,
    },
    "list_all_nimble_pipeline_deals_by_owner": {
        "pipeline_id": ID,
        "sort": "name:desc",
        "query": {"amount": {"gte": 1}},
        "limit": 5,
    },
    "create_a_nimble_pipeline_transition": {
        "lead_id": ID,
        "pipeline_id": ID2,
        "actual_exit_date": "2024-05-01T10:00:00Z",
        "notes": "signed",
    },
    "update_a_nimble_pipeline_transition_by_id": {
        "lead_id": ID,
        "pipeline_id": ID2,
        "actual_exit_date": "2024-05-01T10:00:00Z",
        "notes": "x",
    },
    "delete_a_nimble_pipeline_transition_by_id": {"lead_id": ID, "pipeline_id": ID2},
    "nimble_pipeline_transition_exit_lead_unsuccessfully": {
        "lead_id": ID,
        "pipeline_id": ID2,
        "lost_reason": "Price",
        "notes": "n",
        "actual_exit_date": "2024-05-01",
    },
    "nimble_pipeline_transition_unsuccessful_exit": {
        "lead_id": ID,
        "pipeline_id": ID2,
        "lost_reason": "Price",
        "notes": "n",
        "actual_exit_date": "2024-05-01",
    },
    "nimble_pipeline_transition_move_lead_stage": {"lead_id": ID, "pipeline_id": ID2, "stage_id": ID3},
    "nimble_pipeline_transition_undo_lead": {"lead_id": ID, "pipeline_id": ID2},
    "create_a_nimble_deal_file": {
        "id": ID,
        "source": "dropbox",
        "file_url": "https://dropbox.example/a.pdf",
        "file_name": "a.pdf",
        "file_size": 100,
        "icon_url": "https://dropbox.example/pdf.png",
    },
    "update_a_nimble_deal_file_by_id": {"deal_id": ID, "id": ID2, "new_file_name": "b.pdf"},
    "delete_a_nimble_deal_file_by_id": {"deal_id": ID, "id": ID2},
    "nimble_deal_file_download": {"deal_id": ID, "id": ID2},
    "create_a_nimble_deal_note": {"deal_id": ID, "title": "Call", "body": "Notes"},
    "update_a_nimble_deal_note_by_id": {"deal_id": ID, "id": ID2, "title": "T", "body": "x"},
    "delete_a_nimble_deal_note_by_id": {"deal_id": ID, "id": ID2},
    "list_all_nimble_deal_fields": {},
    "create_a_nimble_deal_pipeline_field": {
        "pipeline_id": ID,
        **FIELD,
        "number_type": "financial",
        "currency": "USD",
        "group_id": ID2,
        "move_to_first": True,
    },
    "update_a_nimble_deal_pipeline_field_by_id": {
        "pipeline_id": ID,
        "id": ID2,
        "name": "S",
        "number_type": "decimal",
        "fraction_digits": 2,
        "insert_after": ID3,
    },
    "delete_a_nimble_deal_pipeline_field_by_id": {"pipeline_id": ID, "id": ID2, "preflight_checks": False},
    "create_a_nimble_deal_pipeline_choice": {
        "pipeline_id": ID,
        "field_id": ID2,
        "option_id": "web",
        "value": "Web",
        "insert_after": "mail",
    },
    "update_a_nimble_deal_pipeline_choice_by_id": {
        "pipeline_id": ID,
        "field_id": ID2,
        "id": "web",
        "value": "Website",
        "move_to_first": True,
    },
    "delete_a_nimble_deal_pipeline_choice_by_id": {
        "pipeline_id": ID,
        "field_id": ID2,
        "id": "web",
        "preflight_checks": False,
    },
    "create_a_nimble_deal_pipeline_fields_group": {
        "pipeline_id": ID,
        "group_name": "Contract",
        "logo_id": "2",
        "insert_after": ID2,
        "fields": [FIELD],
    },
    "update_a_nimble_deal_pipeline_fields_group_by_id": {
        "pipeline_id": ID,
        "id": ID2,
        "group_name": "Terms",
        "logo_id": "3",
        "insert_after": ID3,
    },
    "delete_a_nimble_deal_pipeline_fields_group_by_id": {"pipeline_id": ID, "id": ID2},
}


@pytest.fixture(scope="module")
def operations() -> dict[str, Operation]:
    return catalog()


def test_the_full_calls_are_of_deal_operations() -> None:
    assert set(FULL) <= set(DEAL_OPERATIONS), sorted(set(FULL) - set(DEAL_OPERATIONS))


def test_every_v2_spec_operation_has_exactly_one_tool(operations: dict[str, Operation]) -> None:
    ours = {(op.method, spec_path(op.path)) for op in operations.values() if op.name in DEAL_OPERATIONS}
    documented = {
        (method.upper(), path)
        for path, item in spec()["paths"].items()
        if path.startswith(("/api/v2/", "/api/2/"))
        for method in item
        if method in ("get", "post", "put", "delete", "patch")
    }
    assert ours == documented
    assert len(ours) == len(DEAL_OPERATIONS)


@pytest.mark.parametrize("name", DEAL_OPERATIONS)
def test_method_path_and_flags_match_the_seed(operations: dict[str, Operation], name: str) -> None:
    operation = operations[name]
    seed = seed_operations().get(name)
    if seed is None:  # not among the reference's 85 tools (the spec's user deal list, new endpoints)
        assert (operation.method.lower(), spec_path(operation.path)) in {
            (method, path) for path, item in spec()["paths"].items() for method in item
        }
        return
    assert (operation.method, operation.path) == (seed["method"], seed["path"])
    assert [p if isinstance(p, str) else p["name"] for p in seed["path_params"]] == [
        f[1:-1] for f in re.findall(r"\{[^}]+\}", operation.path)
    ]
    assert operation.destructive == seed["destructive"], "destructive flag differs from the seed"
    assert operation.idempotent == seed["idempotent"], "idempotent flag differs from the seed"
    assert operation.read_only == (operation.method == "GET")
    assert operation.resource and len(operation.description) <= 1024


@pytest.mark.parametrize("name", DEAL_OPERATIONS)
@pytest.mark.parametrize("variant", ["example", "full"])
def test_requests_follow_the_spec(operations: dict[str, Operation], name: str, variant: str) -> None:
    operation = operations[name]
    documented = spec_operation(operation.method, operation.path)
    arguments = example(name) if variant == "example" else FULL.get(name, example(name))
    request = build(operation, arguments)

    # The path: our template filled in; the same route as the spec's (ids never leave the segment).
    pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(operation.path)) + "$"
    assert re.match(pattern, request.path), request.path
    spec_placeholders = re.findall(r"\{[^}]+\}", spec_path(operation.path))
    assert len(spec_placeholders) == len(re.findall(r"\{[^}]+\}", operation.path))

    # Query arguments: only declared ones, and the required ones always.
    query = {p["name"] for p in spec_parameters(operation.method, operation.path) if p["in"] == "query"}
    required = {
        p["name"] for p in spec_parameters(operation.method, operation.path) if p["in"] == "query" and p.get("required")
    }
    assert set(request.params) <= query, f"undocumented query arguments {set(request.params) - query}"
    assert required <= set(request.params), f"missing required query arguments {required - set(request.params)}"

    # The body: present exactly when the spec has one, and valid against its schema.
    body = documented.get("requestBody")
    if body is None:
        assert request.json is None, f"the spec documents no body, we send {request.json!r}"
        return
    assert request.json is not None or not body.get("required"), "the spec requires a body"
    if request.json is not None:
        assert_valid(validator(body["content"]["application/json"]["schema"]), request.json, f"{name} body")


def test_create_deal_body_carries_name_and_required_keys(operations: dict[str, Operation]) -> None:
    request = build(operations["create_a_nimble_deal"], FULL["create_a_nimble_deal"])
    assert request.json["fields_values"] == {
        "name": [{"value": "Big deal"}],
        "amount": [{"value": "12000.5"}],
        "probability": [{"value": "40"}],
        "description": [{"value": "Important"}],
        "expected_close_date": [{"value": "2025-03-31"}],
        ID: [{"value": "web"}],
    }
    assert {"pipeline_id", "stage_id", "owner_id"} <= set(request.json)
    assert request.json["currency"] == "EUR"
    assert request.json["privacy"] == {"read": None, "edit": {"user_ids": [ID3], "group_ids": []}}


def test_tag_names_are_encoded_into_the_v2_path(operations: dict[str, Operation]) -> None:
    request = build(operations["update_a_nimble_deals_tag_by_id"], {"id": "a/b?c #1", "new_tag": "x"})
    assert request.path == "/api/v2/deals/tags/a%2Fb%3Fc%20%231"
    assert spec_path(operations["update_a_nimble_deals_tag_by_id"].path) == "/api/2/deals/tags/{tag_name}"


def test_board_query_travels_as_json_text(operations: dict[str, Operation]) -> None:
    request = build(
        operations["list_all_nimble_pipeline_deals_by_stages"],
        {"pipeline_id": ID, "query": {"tag": {"is": "vip"}}, "stuck": False},
    )
    assert request.params == {"sort": "name:asc", "query": '{"tag":{"is":"vip"}}', "stuck": "false"}


def test_preflight_flags_travel_in_the_delete_body(operations: dict[str, Operation]) -> None:
    for name in ("delete_a_nimble_deal_pipeline_field_by_id", "delete_a_nimble_deal_pipeline_choice_by_id"):
        request = build(operations[name], example(name))
        assert request.params == {}
        assert request.json == {"preflight_checks": True}  # the safe default: refuse while in use
    request = build(operations["delete_a_nimble_deals_tag_by_id"], {"id": "q3"})
    assert request.json == {"preflight_checks": False}


def test_a_tour_of_every_operation_answers_as_the_spec_documents() -> None:
    """One pass through every deal-side operation on a sandbox; the plugin validates each answer and status."""
    from deals_support import make_toolkit, new_deal, pipeline, stage

    from nimble_tools.sandbox import upload_file

    toolkit = make_toolkit()
    call = toolkit.call
    sales = pipeline(toolkit)
    deal_id = new_deal(toolkit, tags=["tour"])["deal_id"]
    call("get_single_nimble_deal_by_id", {"id": deal_id})
    call("update_a_nimble_deal_by_id", {"id": deal_id, "stage_id": stage(sales, "Proposal")})
    call("list_all_nimble_deals", {})
    call("nimble_deals_won_deals_last_month")
    call("nimble_deals_overdue", {"id": deal_id})
    call("list_all_nimble_deals_tags")
    call("create_a_nimble_deals_tag", {"tags": ["t2"], "deal_ids": [deal_id]})
    call("update_a_nimble_deals_tag_by_id", {"id": "t2", "new_tag": "t3"})
    call("delete_a_nimble_deals_tag_by_id", {"id": "t3"})
    call("list_all_nimble_deal_column_catalogue")
    call("list_all_nimble_deal_fields")
    call("get_single_nimble_deals_pipeline_by_id", {"id": sales["pipeline_id"]})
    call("list_all_nimble_pipeline_deals_by_stages", {"pipeline_id": sales["pipeline_id"]})
    call("list_all_nimble_pipeline_deals_by_owner", {"pipeline_id": sales["pipeline_id"]})
    note = call("create_a_nimble_deal_note", {"deal_id": deal_id, "title": "t"}).result
    call("update_a_nimble_deal_note_by_id", {"deal_id": deal_id, "id": note["note_id"], "body": "b"})
    call("delete_a_nimble_deal_note_by_id", {"deal_id": deal_id, "id": note["note_id"]})
    assert toolkit.emulator is not None
    data_id = upload_file(toolkit.emulator, "a.txt", b"a")
    call("create_a_nimble_deal_file", {"id": deal_id, "source": "uploaded_azure", "data_id": data_id})
    file_id = call("get_single_nimble_deal_by_id", {"id": deal_id}).result["files"][0]["file_id"]
    call("update_a_nimble_deal_file_by_id", {"deal_id": deal_id, "id": file_id, "new_file_name": "b.txt"})
    call("nimble_deal_file_download", {"deal_id": deal_id, "id": file_id})
    call("delete_a_nimble_deal_file_by_id", {"deal_id": deal_id, "id": file_id})
    pid = call("create_a_nimble_deals_pipeline", {"name": "Tour", "stages": [{"name": "A"}]}).result["pipeline_id"]
    call("update_a_nimble_deals_pipeline_by_id", {"id": pid, "color": "#000000"})
    call("nimble_deals_pipelines_add_pipeline_lost_reason", {"pipeline_id": pid, "reason": "r"})
    stages = call("create_a_nimble_pipeline_stage", {"pipeline_id": pid, "name": "B"}).result["stages"]
    sid = next(s["stage_id"] for s in stages if s["name"] == "B")
    call("update_a_nimble_pipeline_stage_by_id", {"pipeline_id": pid, "id": sid, "name": "C"})
    call("delete_a_nimble_pipeline_stage_by_id", {"pipeline_id": pid, "id": sid})
    tabs = call(
        "create_a_nimble_deal_pipeline_field",
        {"pipeline_id": pid, "name": "K", "field_kind": "choice", "choices": [{"id": "a", "value": "A"}]},
    ).result["pipelines_tabs"]
    field_id = next(t for t in tabs if t["pipeline_id"] == pid)["members"][0]["field"]["field_id"]
    call("update_a_nimble_deal_pipeline_field_by_id", {"pipeline_id": pid, "id": field_id, "name": "L"})
    call(
        "create_a_nimble_deal_pipeline_choice",
        {"pipeline_id": pid, "field_id": field_id, "option_id": "b", "value": "B"},
    )
    call(
        "update_a_nimble_deal_pipeline_choice_by_id",
        {"pipeline_id": pid, "field_id": field_id, "id": "b", "value": "C"},
    )
    call("delete_a_nimble_deal_pipeline_choice_by_id", {"pipeline_id": pid, "field_id": field_id, "id": "b"})
    tabs = call("create_a_nimble_deal_pipeline_fields_group", {"pipeline_id": pid, "group_name": "G"}).result[
        "pipelines_tabs"
    ]
    group_id = next(
        m["group_id"] for t in tabs if t["pipeline_id"] == pid for m in t["members"] if m["type"] == "group"
    )
    call("update_a_nimble_deal_pipeline_fields_group_by_id", {"pipeline_id": pid, "id": group_id, "logo_id": "2"})
    call("delete_a_nimble_deal_pipeline_fields_group_by_id", {"pipeline_id": pid, "id": group_id})
    call("delete_a_nimble_deal_pipeline_field_by_id", {"pipeline_id": pid, "id": field_id})
    call("nimble_deals_pipelines_archive", {"id": pid})
    call("nimble_deals_pipelines_unarchive", {"id": pid})
    call("list_all_nimble_deals_pipelines")
    call("delete_a_nimble_deals_pipeline_by_id", {"id": pid})
    lead_pipeline = next(iter(toolkit.emulator.state.table("lead_pipelines").values()))
    lead = {
        "lead_id": call("list_all_nimble_contacts", {"limit": 1}).result[0]["id"],
        "pipeline_id": lead_pipeline["pipeline_id"],
    }
    call("nimble_pipeline_transition_move_lead_stage", {**lead, "stage_id": lead_pipeline["stages"][0]["stage_id"]})
    call("create_a_nimble_pipeline_transition", lead)
    call("update_a_nimble_pipeline_transition_by_id", {**lead, "notes": "n"})
    call("nimble_pipeline_transition_undo_lead", lead)
    call("nimble_pipeline_transition_exit_lead_unsuccessfully", lead)
    call("nimble_pipeline_transition_unsuccessful_exit", {**lead, "notes": "n"})
    call("delete_a_nimble_pipeline_transition_by_id", lead)
    call("delete_a_nimble_deal_by_id", {"id": deal_id})
    checked = toolkit.plugins.get_plugin("spec-conformance").checked
    assert sorted(set(checked)) == sorted(DEAL_OPERATIONS)
