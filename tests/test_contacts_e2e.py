"""Every contacts-side operation end to end through ``NimbleToolkit.sandbox().call``.

Each case makes one successful call and one failing call; every answer the sandbox gives (success
or error) must validate against the official spec's response schema for its status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from catalog_support import contacts_side
from spec_support import Recorder, recorded_toolkit

from nimble_tools import (
    InvalidArgumentsError,
    NimbleToolkit,
    NimbleToolsError,
    NotAcceptableError,
    NotFoundError,
    Result,
    ValidationFailedError,
)
from nimble_tools.readers import tag_names

MISSING = "5e00000000000000000000ff"


@dataclass
class Env:
    toolkit: NimbleToolkit
    recorder: Recorder
    ids: dict[str, str]

    def call(self, name: str, arguments: dict[str, Any]) -> Result:
        return self.toolkit.call(name, arguments)


@pytest.fixture
def env() -> Env:
    toolkit, recorder = recorded_toolkit()

    def find(first: str) -> str:
        query = {"field": "first name", "operator": "is", "value": first}
        return str(toolkit.call("list_all_nimble_contacts_search", {"query": query}).result[0]["id"])

    ids = {"ada": find("Ada"), "jane": find("Jane")}
    ids["note"] = toolkit.call("list_all_nimble_contact_notes", {"contact_id": ids["ada"]}).result[0]["id"]
    tab = toolkit.call("create_a_nimble_contact_field_tab", {"tab_name": "Deal info", "contact_types": ["person"]})
    ids["tab"] = tab.result["tab_id"]
    group = toolkit.call("create_a_nimble_contact_fields_group", {"name": "Money", "tab_id": ids["tab"]})
    ids["group"] = group.result["members"][0]["group_id"]
    choices = [{"id": "g", "value": "Gold"}, {"id": "s", "value": "Silver"}]
    field = toolkit.call(
        "create_a_nimble_contact_field",
        {"name": "Tier", "field_kind": "choice", "tab_id": ids["tab"], "group_id": ids["group"], "choices": choices},
    )
    ids["field"] = field.result["members"][0]["fields"][0]["field_id"]
    email = toolkit.call("get_single_nimble_contact_by_id", {"id": ids["ada"]}).result["resources"][0]
    ids["email_field"] = email["fields"]["email"][0]["field_id"]
    recorder.exchanges.clear()
    return Env(toolkit, recorder, ids)


Args = Callable[[Env], dict[str, Any]]
Check = Callable[[Env, Result], None]


@dataclass
class Case:
    name: str
    args: Args
    check: Check
    bad: Args
    error: type[NimbleToolsError]


def _ok(env: Env, result: Result) -> None:
    assert result.result is not None


def _one_contact(first: str) -> Check:
    def check(env: Env, result: Result) -> None:
        assert result.result["resources"][0]["fields"]["first name"][0]["value"] == first

    return check


def _has_items(env: Env, result: Result) -> None:
    assert isinstance(result.result, list) and result.result


def _tab_named(name: str) -> Check:
    def check(env: Env, result: Result) -> None:
        assert result.result["tab_name"] == name

    return check


def _gone(tool: str, key: str) -> Check:
    def check(env: Env, result: Result) -> None:
        with pytest.raises(NotFoundError):
            env.call(tool, {"id": env.ids[key]})

    return check


def _field_is_primary(position: int, expected: bool) -> Check:
    def check(env: Env, result: Result) -> None:
        record = env.call("get_single_nimble_contact_by_id", {"id": env.ids["ada"]}).result["resources"][0]
        assert bool(record["fields"]["email"][position].get("is_primary")) is expected

    return check


def _tier_options(env: Env) -> list[str]:
    tabs = env.call("list_all_nimble_contact_fields", {}).result["tabs"]
    tab = next(t for t in tabs if t["tab_id"] == env.ids["tab"])
    return [c["value"] for c in tab["members"][0]["fields"][0]["field_type"]["values"]["values"]]


def _add_second_email(env: Env) -> dict[str, Any]:
    env.call(
        "update_a_nimble_contact_by_id",
        {"id": env.ids["ada"], "fields": {"emails": [{"value": "ada@home.example", "modifier": "personal"}]}},
    )
    return {"contact_id": env.ids["ada"], "field_id": env.ids["email_field"], "position": 1}


def _mark_then_unset(env: Env) -> dict[str, Any]:
    args = _add_second_email(env)
    env.call("nimble_contact_fields_set_primary", args)
    return args


CASES = [
    Case(
        "list_all_nimble_me", lambda e: {}, lambda e, r: r.result["user_id"], lambda e: {"x": 1}, InvalidArgumentsError
    ),
    Case(
        "list_all_nimble_contacts",
        lambda e: {"limit": 5, "record_type": "person"},
        lambda e, r: (len(r.result) == 5 and r.next_cursor) or pytest.fail("no page"),
        lambda e: {"sort": "nickname:asc"},
        ValidationFailedError,
    ),
    Case(
        "list_all_nimble_contacts_search",
        lambda e: {"query": {"field": "names", "operator": "contain", "value": "zoe"}},
        lambda e, r: r.result[0]["fields"]["first name"][0]["value"] == "Zoë" or pytest.fail("accent folding"),
        lambda e: {"query": {"field": "email", "operator": "gt", "value": 3}},
        InvalidArgumentsError,
    ),
    Case(
        "nimble_contacts_contact_ids",
        lambda e: {"record_type": "company"},
        lambda e, r: len(r.result) == 6 or pytest.fail(str(r.result)),
        lambda e: {"keyword": "acme", "query": {"field": "tag", "operator": "is", "value": "vip"}},
        InvalidArgumentsError,
    ),
    Case(
        "nimble_contacts_standard",
        lambda e: {"ids": [e.ids["ada"], MISSING, e.ids["jane"]]},
        # like live Nimble, an id that does not exist is left out, with no error
        lambda e, r: [c["id"] for c in r.result["resources"]] == [e.ids["ada"], e.ids["jane"]] or pytest.fail("ids"),
        lambda e: {"ids": [MISSING] * 31},
        InvalidArgumentsError,
    ),
    Case(
        "get_single_nimble_contact_by_id",
        lambda e: {"id": e.ids["ada"]},
        _one_contact("Ada"),
        lambda e: {"id": MISSING},
        NotFoundError,
    ),
    Case(
        "create_a_nimble_contact",
        lambda e: {"fields": {"first_name": "Ann", "emails": [{"value": "ann@new.example"}]}, "tags": ["lead"]},
        lambda e, r: tag_names(r.result) == ["lead"] or pytest.fail(str(r.result["tags"])),
        lambda e: {"fields": {"emails": [{"value": "ann@new.example"}]}},
        InvalidArgumentsError,
    ),
    Case(
        "update_a_nimble_contact_by_id",
        lambda e: {"id": e.ids["ada"], "fields": {"last_name": "King"}},
        lambda e, r: r.result["fields"]["last name"][0]["value"] == "King" or pytest.fail("not renamed"),
        lambda e: {"id": MISSING, "fields": {"last_name": "King"}},
        NotFoundError,
    ),
    Case(
        "delete_a_nimble_contact_by_id",
        lambda e: {"id": e.ids["jane"]},
        _gone("get_single_nimble_contact_by_id", "jane"),
        lambda e: {"id": MISSING},
        NotFoundError,
    ),
    Case(
        "nimble_contacts_bulk",
        lambda e: {"query": {"field": "tag", "operator": "is", "value": "europe"}},
        lambda e, r: len(r.result["data"]["ids"]) == 3 or pytest.fail(str(r.result)),
        lambda e: {"record_type": "all"},
        InvalidArgumentsError,
    ),
    Case(
        "nimble_contacts_assign_tags",
        lambda e: {"id": e.ids["ada"], "tags": ["speaker"]},
        lambda e, r: tag_names(r.result) == ["speaker"] or pytest.fail("tags not replaced"),
        lambda e: {"id": MISSING, "tags": ["x"]},
        NotFoundError,
    ),
    Case(
        "nimble_contacts_proceedings",
        lambda e: {"contact_id": e.ids["ada"], "direction": "past", "limit": 1},
        lambda e, r: (len(r.result) == 1 and r.next_cursor) or pytest.fail("cursor"),
        lambda e: {"contact_id": MISSING, "direction": "past"},
        NotFoundError,
    ),
    Case(
        "nimble_contacts_proceeding_providers",
        lambda e: {},
        lambda e, r: r.result["providers"] or pytest.fail("no providers"),
        lambda e: {"unexpected": True},
        InvalidArgumentsError,
    ),
    Case(
        "list_all_nimble_contact_notes",
        lambda e: {"contact_id": e.ids["ada"]},
        lambda e, r: len(r.result) == 2 or pytest.fail(str(r.result)),
        lambda e: {"contact_id": MISSING},
        NotFoundError,
    ),
    Case(
        "create_a_nimble_contact_note",
        lambda e: {"contact_ids": [e.ids["ada"], e.ids["jane"]], "note": "<p>Lunch</p>"},
        lambda e, r: r.result["note_preview"] == "Lunch" or pytest.fail(r.result["note_preview"]),
        lambda e: {"contact_ids": [e.ids["ada"], MISSING], "note": "x"},
        NotFoundError,
    ),
    Case(
        "nimble_contact_notes_create_for_contact",
        lambda e: {"contact_id": e.ids["jane"], "note": "Signed"},
        lambda e, r: [c["id"] for c in r.result["contacts"]] == [e.ids["jane"]] or pytest.fail("link"),
        lambda e: {"contact_id": MISSING, "note": "x"},
        NotFoundError,
    ),
    Case(
        "nimble_contact_notes_create_with_id",
        lambda e: {"id": MISSING, "contact_ids": [e.ids["ada"]], "note": "Mine"},
        lambda e, r: r.result["id"] == MISSING or pytest.fail("id"),
        lambda e: {"id": e.ids["note"], "contact_ids": [e.ids["ada"]], "note": "dup"},
        ValidationFailedError,
    ),
    Case(
        "get_single_nimble_contact_note_by_id",
        lambda e: {"id": e.ids["note"]},
        lambda e, r: r.result["author_name"] == "Sandbox Admin" or pytest.fail("author"),
        lambda e: {"id": MISSING},
        NotFoundError,
    ),
    Case(
        "update_a_nimble_contact_note_by_id",
        lambda e: {"id": e.ids["note"], "contact_ids": [e.ids["jane"]], "note": "Moved"},
        lambda e, r: [c["id"] for c in r.result["contacts"]] == [e.ids["jane"]] or pytest.fail("relink"),
        lambda e: {"id": e.ids["note"], "contact_ids": [], "note": "x"},
        InvalidArgumentsError,
    ),
    Case(
        "delete_a_nimble_contact_note_by_id",
        lambda e: {"id": e.ids["note"]},
        _gone("get_single_nimble_contact_note_by_id", "note"),
        lambda e: {"id": MISSING},
        NotFoundError,
    ),
    Case(
        "list_all_nimble_contact_fields",
        lambda e: {},
        lambda e, r: len(r.result["tabs"]) == 6 or pytest.fail("tabs"),
        lambda e: {"tab": "x"},
        InvalidArgumentsError,
    ),
    Case(
        "create_a_nimble_contact_field",
        lambda e: {"name": "Budget", "field_kind": "number", "number_type": "financial", "tab_id": e.ids["tab"]},
        lambda e, r: r.result["members"][0]["name"] == "Budget" or pytest.fail("placement"),
        lambda e: {"name": "Budget", "field_kind": "number", "number_type": "integer", "tab_id": MISSING},
        NotFoundError,
    ),
    Case(
        "update_a_nimble_contact_field_by_id",
        lambda e: {"id": e.ids["field"], "name": "Level", "remove_from_group": True},
        lambda e, r: r.result["members"][0]["name"] == "Level" or pytest.fail(str(r.result["members"][0])),
        lambda e: {"id": MISSING, "name": "Level"},
        NotFoundError,
    ),
    Case(
        "delete_a_nimble_contact_field_by_id",
        lambda e: {"id": e.ids["field"]},
        lambda e, r: e.call("list_all_nimble_contact_fields", {}).result["tabs"][0] or None,
        lambda e: {"id": MISSING},
        NotFoundError,
    ),
    Case(
        "nimble_contact_fields_set_primary",
        _add_second_email,
        _field_is_primary(1, True),
        lambda e: {"contact_id": e.ids["ada"], "field_id": e.ids["email_field"], "position": 5},
        ValidationFailedError,
    ),
    Case(
        "nimble_contact_fields_unset_primary",
        _mark_then_unset,
        _field_is_primary(1, False),
        lambda e: {"contact_id": e.ids["ada"], "field_id": MISSING, "position": 0},
        NotFoundError,
    ),
    Case(
        "create_a_nimble_contact_fields_group",
        lambda e: {"name": "Billing", "tab_id": e.ids["tab"], "insert_after": e.ids["group"]},
        lambda e, r: [m["name"] for m in r.result["members"]] == ["Money", "Billing"] or pytest.fail("order"),
        lambda e: {"name": "Billing", "tab_id": e.ids["tab"], "insert_after": MISSING},
        ValidationFailedError,
    ),
    Case(
        "update_a_nimble_contact_fields_group_by_id",
        lambda e: {"id": e.ids["group"], "name": "Finance"},
        lambda e, r: r.result["members"][0]["name"] == "Finance" or pytest.fail("rename"),
        lambda e: {"id": MISSING, "name": "x"},
        NotFoundError,
    ),
    Case(
        "delete_a_nimble_contact_fields_group_by_id",
        lambda e: {"id": e.ids["group"]},
        lambda e, r: _tier_gone(e),
        lambda e: {"id": MISSING},
        NotFoundError,
    ),
    Case(
        "create_a_nimble_contact_field_tab",
        lambda e: {"tab_name": "Finance", "contact_types": ["company"]},
        _tab_named("Finance"),
        lambda e: {"tab_name": "Finance", "contact_types": []},
        InvalidArgumentsError,
    ),
    Case(
        "update_a_nimble_contact_field_tab_by_id",
        lambda e: {"id": e.ids["tab"], "tab_name": "Deals", "contact_types": ["person", "company"]},
        lambda e, r: r.result["contact_types"] == ["person", "company"] or pytest.fail("types"),
        lambda e: {"id": _standard_tab(e), "tab_name": "Mine"},
        ValidationFailedError,
    ),
    Case(
        "delete_a_nimble_contact_field_tab_by_id",
        lambda e: {"id": e.ids["tab"]},
        lambda e, r: _tier_gone(e),
        lambda e: {"id": _standard_tab(e)},
        ValidationFailedError,
    ),
    Case(
        "create_a_nimble_contact_field_choice",
        lambda e: {"field_id": e.ids["field"], "option_id": "b", "value": "Bronze", "insert_after": "s"},
        lambda e, r: _tier_options(e) == ["Gold", "Silver", "Bronze"] or pytest.fail(str(_tier_options(e))),
        lambda e: {"field_id": e.ids["field"], "option_id": "g", "value": "Again"},
        ValidationFailedError,
    ),
    Case(
        "update_a_nimble_contact_field_choice_by_id",
        lambda e: {"field_id": e.ids["field"], "id": "s", "value": "Platinum", "move_to_first": True},
        lambda e, r: _tier_options(e) == ["Platinum", "Gold"] or pytest.fail(str(_tier_options(e))),
        lambda e: {"field_id": e.ids["field"], "id": "nope", "value": "x"},
        NotFoundError,
    ),
    Case(
        "delete_a_nimble_contact_field_choice_by_id",
        lambda e: {"field_id": e.ids["field"], "id": "s"},
        lambda e, r: _tier_options(e) == ["Gold"] or pytest.fail(str(_tier_options(e))),
        lambda e: {"field_id": e.ids["email_field"], "id": "1"},
        ValidationFailedError,
    ),
    Case(
        "list_all_nimble_contact_pipelines",
        lambda e: {},
        lambda e, r: r.result["pipelines"][0]["stages"][0]["name"] == "New lead" or pytest.fail("stages"),
        lambda e: {"archived": True},
        InvalidArgumentsError,
    ),
    Case(
        "list_all_nimble_activities",
        lambda e: {"direction": "pending", "limit": 1, "include_total": True},
        lambda e, r: (len(r.result) == 1 and r.next_cursor and r.raw["meta"]["total"] == 3) or pytest.fail(""),
        lambda e: {"direction": "soon"},
        InvalidArgumentsError,
    ),
    Case(
        "create_a_nimble_task",
        lambda e: {"subject": "Send deck", "due_date": "2030-01-02", "related": {"contacts": [e.ids["ada"]]}},
        lambda e, r: r.result["related"]["contacts"][0]["id"] == e.ids["ada"] or pytest.fail("related"),
        lambda e: {"subject": "x", "related": {"contacts": [MISSING]}},
        NotFoundError,
    ),
    Case(
        "list_all_nimble_message_drafts",
        lambda e: {},
        lambda e, r: r.result[0]["specification"]["subject"] == "Our proposal" or pytest.fail(""),
        lambda e: {"limit": 0},
        InvalidArgumentsError,
    ),
    Case(
        "create_a_nimble_message_draft",
        lambda e: {"subject": "Hello", "recipients": [{"identifier": "ada.lovelace@engines.example"}]},
        lambda e, r: r.result["recipients"][0]["contact"]["name"] == "Ada Lovelace" or pytest.fail(""),
        lambda e: {"recipients": [{"identifier": "not an address"}]},
        InvalidArgumentsError,
    ),
]


def _standard_tab(env: Env) -> str:
    tabs = env.call("list_all_nimble_contact_fields", {}).result["tabs"]
    return str(next(t["tab_id"] for t in tabs if t["is_standard"]))


def _tier_gone(env: Env) -> None:
    tabs = env.call("list_all_nimble_contact_fields", {}).result["tabs"]
    names = [f["name"] for t in tabs for m in t["members"] for f in (m.get("fields") or [m])]
    assert "Tier" not in names


def test_cases_cover_every_operation() -> None:
    assert sorted(c.name for c in CASES) == sorted(contacts_side())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_success(env: Env, case: Case) -> None:
    result = env.call(case.name, case.args(env))
    case.check(env, result)
    env.recorder.assert_conforms()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_failure(env: Env, case: Case) -> None:
    before = len(env.recorder.exchanges)
    with pytest.raises(case.error) as raised:
        env.call(case.name, case.bad(env))
    text = raised.value.for_model()  # what a model reads
    if issubclass(case.error, InvalidArgumentsError):
        assert len(env.recorder.exchanges) == before, "bad input must send no request"
        assert case.name in str(raised.value) and case.name in text
    else:
        last = env.recorder.exchanges[-1]
        # a read of a missing id answers 200 with no resources, as live Nimble does: still NotFoundError
        assert last.status >= 400 or (isinstance(raised.value, NotFoundError) and last.body == {"resources": []})
        assert raised.value.message in text, text
        assert f"HTTP {last.status}" in text if last.status >= 400 else "was found" in text, text
    env.recorder.assert_conforms()


def test_preflight_refuses_while_values_exist(env: Env) -> None:
    env.call(
        "update_a_nimble_contact_by_id",
        {"id": env.ids["ada"], "fields": {"other_fields": [{"name": "tier", "value": "g"}]}},
    )
    with pytest.raises(NotAcceptableError) as raised:
        env.call("delete_a_nimble_contact_field_by_id", {"id": env.ids["field"]})
    assert raised.value.body["errors"][0]["total"] == 1
    env.call("delete_a_nimble_contact_field_by_id", {"id": env.ids["field"], "preflight_checks": False})
    record = env.call("get_single_nimble_contact_by_id", {"id": env.ids["ada"]}).result["resources"][0]
    assert "Tier" not in record["fields"]
    env.recorder.assert_conforms()
