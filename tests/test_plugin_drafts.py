"""Email drafts: the right address, filled placeholders, one draft per retry."""

from __future__ import annotations

from typing import Any

import pytest
from nimble_tools_drafts import fill_placeholders
from nimble_tools_drafts._action import choose_address

from nimble_tools import InvalidArgumentsError, NimbleToolkit, RetryPolicy
from nimble_tools.sandbox import FaultPlan, Sandbox

DRAFT = "nimble_draft_email_to_contact"
ADA = "ada.lovelace@engines.example"


def drafts(box: Sandbox) -> list[dict[str, Any]]:
    return list(box.state.table("drafts").quiet_values())


def ada_id(box: Sandbox) -> str:
    return next(
        str(r["id"])
        for r in box.state.table("contacts").quiet_values()
        if ADA in [e["value"] for e in r["fields"].get("email", [])]
    )


def test_drafts_once_with_filled_placeholders_and_escaped_text(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    arguments = {
        "email": f" {ADA.upper()} ",
        "subject": "Pilot at {{company}}",
        "body": "Hi {{first_name|there}},\nthanks <3 for the call, {{ title }}.",
    }
    first = toolkit.call(DRAFT, arguments).result
    assert first["decision"] == "drafted"
    assert (first["to"], first["subject"]) == (ADA, "Pilot at Analytical Engines")
    assert first["body"] == "Hi Ada,<br>thanks &lt;3 for the call, CTO."
    saved = box.state.table("drafts").quiet_get(first["draft_id"])
    assert saved is not None
    assert saved["specification"]["recipients"] == [{"account_type": "email", "identifier": ADA}]
    assert saved["specification"]["body"] == first["body"]
    again = toolkit.call(DRAFT, arguments).result
    assert (again["decision"], again["draft_id"]) == ("already_drafted", first["draft_id"])
    assert sum(1 for d in drafts(box) if d["specification"]["subject"] == "Pilot at Analytical Engines") == 1


def test_by_contact_id_uses_the_contact_address_and_html_values_are_escaped(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    contact_id = ada_id(box)
    box.state.table("contacts")[contact_id]["fields"]["first name"][0]["value"] = "Ada <b>"
    result = toolkit.call(
        DRAFT,
        {"contact_id": contact_id, "subject": "Hello", "body": "<p>Dear {{first_name}}</p>", "body_format": "html"},
    ).result
    assert (result["decision"], result["to"]) == ("drafted", ADA)
    assert result["body"] == "<p>Dear Ada &lt;b&gt;</p>"


def test_missing_data_without_default_drafts_nothing(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    created = toolkit.call(
        "create_a_nimble_contact",
        {"fields": {"first name": [{"value": "Solo"}], "email": [{"value": "solo@x.example"}]}},
    ).result
    before = len(drafts(box))
    result = toolkit.call(DRAFT, {"contact_id": created["id"], "subject": "Hi", "body": "At {{company}}"}).result
    assert (result["decision"], result["missing"]) == ("missing_data", ["company"])
    assert len(drafts(box)) == before


@pytest.mark.parametrize(
    ("arguments", "decision"),
    [
        ({"email": "nobody@x.example"}, "no_contact"),
        ({"email_kind": "personal"}, "no_address"),
    ],
    ids=["unknown-email", "no-address-of-that-kind"],
)
def test_nothing_drafted_when_there_is_no_one_to_write_to(
    toolkit: NimbleToolkit, arguments: dict[str, Any], decision: str
) -> None:
    box = toolkit.emulator
    assert box is not None
    base: dict[str, Any] = {"contact_id": ada_id(box), "subject": "Hi", "body": "Hello"}
    if "email" in arguments:
        base.pop("contact_id")
    result = toolkit.call(DRAFT, {**base, **arguments}).result
    assert result["decision"] == decision
    assert all(d["specification"]["subject"] != "Hi" for d in drafts(box))


def test_address_choice() -> None:
    record = {
        "fields": {
            "email": [
                {"value": "w@x.example", "modifier": "work"},
                {"value": "p@x.example", "modifier": "personal", "is_primary": True},
            ]
        }
    }
    assert choose_address(record, None) == "p@x.example"
    assert choose_address(record, "work") == "w@x.example"
    assert choose_address(record, "other") is None
    assert fill_placeholders("{{first_name|friend}} {{email}}", {"email": "a&b@x"}, escape=True) == (
        "friend a&amp;b@x",
        [],
    )


@pytest.mark.parametrize(
    ("arguments", "fix"),
    [
        ({"subject": "Hi", "body": "x"}, "exactly one of contact_id and email"),
        ({"email": ADA, "contact_id": "a" * 24, "subject": "Hi", "body": "x"}, "exactly one"),
        ({"email": ADA, "subject": "Hi", "body": "{{nickname}}"}, r"unknown placeholders \['nickname'\]"),
        ({"email": "nope", "subject": "Hi", "body": "x"}, "not an email address"),
        ({"email": ADA, "subject": "Hi", "body": "x", "cc": ["bad"]}, "not an email address"),
    ],
    ids=["no-target", "two-targets", "placeholder", "email", "cc"],
)
def test_bad_input_is_refused_before_any_request(toolkit: NimbleToolkit, arguments: dict[str, Any], fix: str) -> None:
    box = toolkit.emulator
    assert box is not None
    before = box.request_count
    with pytest.raises(InvalidArgumentsError, match=fix):
        toolkit.call(DRAFT, arguments)
    assert box.request_count == before


def test_a_lost_answer_saves_one_draft() -> None:
    box = Sandbox()
    toolkit = NimbleToolkit.sandbox(emulator=box, retry=RetryPolicy(backoff_base=0))
    box.inject_faults(FaultPlan(server_error=1.0, lost_reply=1.0, methods=frozenset({"POST"})))
    arguments = {"email": ADA, "subject": "Once", "body": "Only once"}
    result = toolkit.call(DRAFT, arguments).result
    assert result["decision"] == "drafted" and "answer was lost" in result["explanation"]
    box.inject_faults(None)
    assert toolkit.call(DRAFT, arguments).result["decision"] == "already_drafted"
    assert sum(1 for d in drafts(box) if d["specification"]["subject"] == "Once") == 1
