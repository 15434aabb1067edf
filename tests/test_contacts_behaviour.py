"""Nimble's rules and the sandbox's stateful behaviour on the contacts side."""

from __future__ import annotations

import json
from typing import Any

import pytest
from spec_support import Recorder, recorded_toolkit

from nimble_tools import InvalidArgumentsError, NimbleToolkit, NotAcceptableError, ValidationFailedError
from nimble_tools.readers import tag_names


@pytest.fixture
def box() -> tuple[NimbleToolkit, Recorder]:
    return recorded_toolkit()


def contact(toolkit: NimbleToolkit, contact_id: str) -> dict[str, Any]:
    return dict(toolkit.call("get_single_nimble_contact_by_id", {"id": contact_id}).result["resources"][0])


def make_person(toolkit: NimbleToolkit, **fields: Any) -> str:
    return str(toolkit.call("create_a_nimble_contact", {"fields": {"first_name": "Kim", **fields}}).result["id"])


def test_update_merges_by_modifier_and_replace_replaces(box: tuple[NimbleToolkit, Recorder]) -> None:
    toolkit, recorder = box
    kim = make_person(
        toolkit,
        emails=[{"value": "kim@work.example"}, {"value": "kim@home.example", "modifier": "personal"}],
    )
    toolkit.call("update_a_nimble_contact_by_id", {"id": kim, "fields": {"emails": [{"value": "kim@new.example"}]}})
    emails = {(e["modifier"], e["value"]) for e in contact(toolkit, kim)["fields"]["email"]}
    assert emails == {("work", "kim@new.example"), ("personal", "kim@home.example")}
    toolkit.call(
        "update_a_nimble_contact_by_id",
        {"id": kim, "fields": {"emails": [{"value": "kim@only.example", "modifier": "other"}]}, "replace": True},
    )
    assert [e["value"] for e in contact(toolkit, kim)["fields"]["email"]] == ["kim@only.example"]
    toolkit.call(
        "update_a_nimble_contact_by_id",
        {"id": kim, "fields": {"other_fields": [{"name": "email", "modifier": "other", "value": None}]}},
    )
    assert "email" not in contact(toolkit, kim)["fields"]
    recorder.assert_conforms()


def test_update_cannot_leave_a_person_nameless(box: tuple[NimbleToolkit, Recorder]) -> None:
    toolkit, recorder = box
    kim = make_person(toolkit)
    with pytest.raises(ValidationFailedError) as raised:
        toolkit.call(
            "update_a_nimble_contact_by_id",
            {"id": kim, "fields": {"other_fields": [{"name": "first name", "value": None}]}},
        )
    assert "first name" in raised.value.field_errors
    recorder.assert_conforms()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"fields": {"emails": [{"value": "x@y.example"}]}}, "first_name or fields.last_name"),
        ({"record_type": "company", "fields": {"domain": "acme.example"}}, "company needs a name"),
        ({"fields": {"first_name": "A", "company_name": "Acme"}}, "belong to company records"),
        ({"fields": {"first_name": "A"}, "tags": ["1", "2", "3", "4", "5", "6"]}, "at most 5 tags"),
        ({"fields": {"first_name": "A", "emails": [{"value": "not-an-email"}]}}, "not an email address"),
        ({"fields": {"first_name": "A", "birthday": "1990-01-02"}}, "MM/DD/YYYY or MM/DD"),
        (
            {
                "fields": {
                    "first_name": "A",
                    "employment": [{"title": "CTO", "end_date": "01/2020", "is_present": True}],
                }
            },
            "exclude each other",
        ),
        ({"fields": {"first_name": "A", "employment": [{"start_date": "01/2020"}]}}, "company_name or title"),
        ({"fields": {"first_name": "A", "addresses": [{"modifier": "home"}]}}, "at least one of street"),
        (
            {"fields": {"first_name": "A", "other_fields": [{"name": "address", "value": "Main St"}]}},
            "pass them in addresses",
        ),
        ({"fields": {"first_name": "A", "other_fields": [{"name": "First Name", "value": "B"}]}}, "given twice"),
        ({"fields": {"firstname": "Ann"}}, "unknown field"),
    ],
)
def test_create_rules_fail_before_any_request(
    box: tuple[NimbleToolkit, Recorder], arguments: dict[str, Any], message: str
) -> None:
    toolkit, recorder = box
    with pytest.raises(InvalidArgumentsError, match=message) as raised:
        toolkit.call("create_a_nimble_contact", arguments)
    assert "create_a_nimble_contact" in str(raised.value)
    assert not recorder.exchanges


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"record_type": "person", "fields": {"email": [{"value": "a@b.example", "modifier": "work"}]}}, "first name"),
        ({"record_type": "company", "fields": {"domain": [{"value": "new.example"}]}}, "company name"),
        ({"fields": {"first name": [{"value": "A"}], "phone": [{"value": "1", "modifier": "pager"}]}}, "phone"),
        ({"fields": {"first name": [{"value": "A"}], "rating": [{"value": "9"}]}}, "rating"),
        ({"fields": {"first name": [{"value": "A"}], "nickname": [{"value": "x"}]}}, "nickname"),
        (
            {
                "record_type": "company",
                "fields": {"company name": [{"value": "B"}], "domain": [{"value": "acme.example"}]},
            },
            "domain",
        ),
    ],
)
def test_sandbox_answers_409_with_per_field_errors(
    box: tuple[NimbleToolkit, Recorder], body: dict[str, Any], field: str
) -> None:
    toolkit, recorder = box
    with pytest.raises(ValidationFailedError) as raised:
        toolkit.request("POST", "/api/v1/contact", json=body)
    assert field in raised.value.field_errors
    assert raised.value.body["errors"][field][0]["message"]
    recorder.assert_conforms()


def test_fields_are_encoded_as_nimble_wants(box: tuple[NimbleToolkit, Recorder]) -> None:
    toolkit, recorder = box
    kim = make_person(
        toolkit,
        addresses=[{"city": "Lyon", "country": "France", "modifier": "home"}],
        employment=[{"company_name": "Globex", "title": "CFO", "start_date": "05/2024", "is_present": True}],
        other_fields=[{"name": "linkedin", "value": "https://linkedin.example/kim"}],
    )
    fields = contact(toolkit, kim)["fields"]
    assert json.loads(fields["address"][0]["value"]) == {"city": "Lyon", "country": "France"}
    assert fields["address"][0]["modifier"] == "home"
    job = json.loads(fields["contact employment"][0]["value"])
    assert job == {"company_name": "Globex", "title": "CFO", "start_date": "05/2024", "is_present": True}
    record = contact(toolkit, kim)
    globex = toolkit.call("nimble_contacts_contact_ids", {"keyword": "globex", "record_type": "company"}).result[0]
    assert record["employers_info"] == [{"company_name": "Globex", "contact_id": globex}]
    assert kim in contact(toolkit, globex)["children"]
    recorder.assert_conforms()


def test_tags_assignment_replaces_the_set(box: tuple[NimbleToolkit, Recorder]) -> None:
    toolkit, recorder = box
    kim = str(
        toolkit.call("create_a_nimble_contact", {"fields": {"first_name": "Kim"}, "tags": ["a,b", "c"]}).result["id"]
    )
    assert tag_names(contact(toolkit, kim)) == ["a,b", "c"]  # a comma inside a tag survives the escaping
    toolkit.call("nimble_contacts_assign_tags", {"id": kim, "tags": ["d", "d", "e"]})
    assert tag_names(contact(toolkit, kim)) == ["d", "e"]
    toolkit.call("nimble_contacts_assign_tags", {"id": kim, "tags": []})
    assert contact(toolkit, kim)["tags"] == []
    recorder.assert_conforms()


def test_standard_listing_takes_at_most_30_ids(box: tuple[NimbleToolkit, Recorder]) -> None:
    toolkit, recorder = box
    ids = toolkit.call("nimble_contacts_contact_ids", {"limit": 30}).result
    assert len(toolkit.call("nimble_contacts_standard", {"ids": ids}).result["resources"]) == 18
    with pytest.raises(InvalidArgumentsError, match="split them into batches of 30"):
        toolkit.call("nimble_contacts_standard", {"ids": [*ids, *ids]})
    with pytest.raises(ValidationFailedError, match="at most 30"):
        toolkit.request("GET", "/api/v1/contact", {"id": ",".join([*ids, *ids])})
    recorder.assert_conforms()


def test_pages_carry_meta_and_cursors_walk_them(box: tuple[NimbleToolkit, Recorder]) -> None:
    toolkit, recorder = box
    first = toolkit.call("list_all_nimble_contacts", {"limit": 7})
    assert first.raw["meta"] == {"page": 1, "pages": 3, "per_page": 7, "total": 18}
    everyone = list(toolkit.paginate("nimble_contacts_contact_ids", {"limit": 7}))
    assert len(everyone) == len(set(everyone)) == 18
    recorder.assert_conforms()


def test_bulk_delete_with_preflight_refuses_non_editable(box: tuple[NimbleToolkit, Recorder]) -> None:
    toolkit, recorder = box
    other = next(u for u in toolkit.emulator.state.users if u != toolkit.emulator.state.me_id)  # type: ignore[union-attr]
    locked = toolkit.call(
        "create_a_nimble_contact",
        {
            "fields": {"first_name": "Locked"},
            "tags": ["doomed"],
            "owner_id": other,
            "privacy": {"read": None, "edit": {"user_ids": [other], "group_ids": []}},
        },
    ).result["id"]
    make_person(toolkit, last_name="Free")
    toolkit.call(
        "nimble_contacts_assign_tags",
        {"id": toolkit.call("nimble_contacts_contact_ids", {"keyword": "free"}).result[0], "tags": ["doomed"]},
    )
    query = {"field": "tag", "operator": "is", "value": "doomed"}
    with pytest.raises(NotAcceptableError) as raised:
        toolkit.call("nimble_contacts_bulk", {"query": query, "preflight_checks": True})
    error = raised.value.body["errors"][0]
    assert error["type"] == "non_editable_contacts" and error["total"] == 1 and locked in json.dumps(error["nse_query"])
    deleted = toolkit.call("nimble_contacts_bulk", {"query": query}).result["data"]["ids"]
    assert len(deleted) == 1 and locked not in deleted
    recorder.assert_conforms()


def test_notes_link_1_to_10_contacts_and_list_per_contact(box: tuple[NimbleToolkit, Recorder]) -> None:
    toolkit, recorder = box
    ids = toolkit.call("nimble_contacts_contact_ids", {"limit": 11}).result
    with pytest.raises(InvalidArgumentsError, match="at most 10"):
        toolkit.call("create_a_nimble_contact_note", {"contact_ids": ids, "note": "x"})
    with pytest.raises(ValidationFailedError, match="between 1 and 10"):
        toolkit.request("POST", "/api/v1/contacts/notes", json={"contact_ids": ids, "note": "x", "note_preview": "x"})
    note = toolkit.call("create_a_nimble_contact_note", {"contact_ids": ids[:3], "note": "<p>Team &amp; lunch</p>"})
    assert note.result["note_preview"] == "Team & lunch"
    for contact_id in ids[:3]:
        listed = toolkit.call("list_all_nimble_contact_notes", {"contact_id": contact_id}).result
        assert note.result["id"] in [n["id"] for n in listed]
    for _ in range(6):
        toolkit.call("nimble_contact_notes_create_for_contact", {"contact_id": ids[0], "note": "again"})
    page = toolkit.call("list_all_nimble_contact_notes", {"contact_id": ids[0]})
    assert page.raw["meta"]["has_more"] is True and len(page.result) == 5 and page.next_cursor
    toolkit.call("delete_a_nimble_contact_by_id", {"id": ids[1]})
    assert [
        c["id"]
        for c in toolkit.call("get_single_nimble_contact_note_by_id", {"id": note.result["id"]}).result["contacts"]
    ] == [
        ids[0],
        ids[2],
    ]
    recorder.assert_conforms()


def test_drafts_page_from_zero(box: tuple[NimbleToolkit, Recorder]) -> None:
    toolkit, recorder = box
    for index in range(4):
        toolkit.call("create_a_nimble_message_draft", {"subject": f"Draft {index}"})
    first = toolkit.call("list_all_nimble_message_drafts", {"limit": 2})
    assert first.raw["meta"]["page"] == 0 and first.raw["meta"]["total"] == 5
    rest = list(toolkit.paginate("list_all_nimble_message_drafts", {"limit": 2}))
    assert len(rest) == 5
    recorder.assert_conforms()


def test_proceedings_and_activities_page_by_cursor(box: tuple[NimbleToolkit, Recorder]) -> None:
    toolkit, recorder = box
    ada = toolkit.call("nimble_contacts_contact_ids", {"keyword": "lovelace"}).result[0]
    past = list(toolkit.paginate("nimble_contacts_proceedings", {"contact_id": ada, "direction": "past", "limit": 1}))
    kinds = [p["proceeding_type"]["type_id"] for p in past]
    assert kinds.count("contact_note") == 2 and kinds.count("task") == 1
    notes_only = toolkit.call(
        "nimble_contacts_proceedings",
        {"contact_id": ada, "direction": "past", "types": ["contact_note"], "notes_search": "pricing"},
    ).result
    assert [p["description"] for p in notes_only] == ["Sent pricing"]
    pending = list(toolkit.paginate("list_all_nimble_activities", {"direction": "pending", "limit": 1}))
    assert [a["name"] for a in pending] == ["Call back about the invoice", "Send the proposal", "Book a demo"]
    recorder.assert_conforms()


def test_mass_delete_preview_counts_a_structured_selection() -> None:
    from nimble_tools.policies import ConfirmationRequiredError, ConfirmDestructivePolicy

    toolkit = NimbleToolkit.sandbox(plugins=[ConfirmDestructivePolicy()])
    arguments = {"query": {"field": "tag", "operator": "is", "value": "europe"}, "record_type": "person"}
    with pytest.raises(ConfirmationRequiredError) as held:
        toolkit.call("nimble_contacts_bulk", arguments)
    assert "3 contact(s)" in held.value.preview
    deleted = toolkit.call("nimble_contacts_bulk", arguments, confirm_token=held.value.confirm_token)
    assert len(deleted.result["data"]["ids"]) == 3
