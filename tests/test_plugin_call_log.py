"""Call-log injection: the right contact, a readable note, exactly one note per call id."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from nimble_tools_call_log._note import MAX_TRANSCRIPT, has_marker

from nimble_tools import InvalidArgumentsError, NimbleAPIError, NimbleToolkit, NotFoundError, RetryPolicy
from nimble_tools.sandbox import FaultPlan, Sandbox

LOG = "nimble_log_call"
ADA = "ada.lovelace@engines.example"


def call(**changes: Any) -> dict[str, Any]:
    base = {
        "call_id": "call-001",
        "email": ADA,
        "direction": "outbound",
        "time": "2026-11-30T14:05:00Z",
        "duration_seconds": 750,
        "outcome": "connected",
        "sentiment": "positive",
        "summary": "Agreed on a pilot.\nSend the contract by Friday.",
        "transcript": "Ada: Hello?\nMe: Hi Ada, <about the pilot>",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def notes_for(box: Sandbox, call_id: str) -> list[dict[str, Any]]:
    return [n for n in box.state.table("contact_notes").quiet_values() if has_marker(n, call_id)]


def contact_by_email(box: Sandbox, email: str) -> dict[str, Any]:
    return next(
        r
        for r in box.state.table("contacts").quiet_values()
        if email in [e["value"] for e in r["fields"].get("email", [])]
    )


def test_logs_one_readable_note_and_a_repeat_adds_nothing(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    first = toolkit.call(LOG, call()).result
    assert first["decision"] == "logged"
    assert first["contact_id"] == contact_by_email(box, ADA)["id"]
    assert first["matched_on"] == ["email"]
    note = toolkit.call("get_single_nimble_contact_note_by_id", {"id": first["note_id"]}).result
    assert note["note"] == (
        "<p><strong>Outbound call · 30 Nov 2026, 14:05 UTC · 12 min 30 s</strong></p>\n"
        "<p>Outcome: connected · Sentiment: positive</p>\n"
        "<p><strong>Summary</strong><br>Agreed on a pilot.<br>Send the contract by Friday.</p>\n"
        "<p><strong>Transcript</strong><br>Ada: Hello?<br>Me: Hi Ada, &lt;about the pilot&gt;</p>\n"
        "<p>Call ID: call-001</p>"
    )
    assert (
        note["note_preview"] == "Outbound call, 12 min 30 s, connected: Agreed on a pilot. Send the contract by Friday."
    )
    assert [c["id"] for c in note["contacts"]] == [first["contact_id"]]

    again = toolkit.call(LOG, call(summary="Same call, retried.")).result
    assert (again["decision"], again["note_id"]) == ("already_logged", first["note_id"])
    assert len(notes_for(box, "call-001")) == 1
    # a call id that only starts like another is a different call
    assert toolkit.call(LOG, call(call_id="call-0011")).result["decision"] == "logged"


def test_finds_the_caller_by_phone_in_any_format(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    person = contact_by_email(box, ADA)
    phone = person["fields"]["phone"][0]["value"]  # stored as "+1 415 555 NNNN"
    digits = "".join(ch for ch in phone if ch.isdigit())[1:]
    result = toolkit.call(LOG, call(email=None, phone=f"{digits[:3]}.{digits[3:6]}.{digits[6:]}", country="US")).result
    assert (result["decision"], result["contact_id"], result["matched_on"]) == ("logged", person["id"], ["phone"])


def test_by_contact_id_and_an_unknown_id_is_an_error(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    person = contact_by_email(box, ADA)
    assert toolkit.call(LOG, call(email=None, contact_id=person["id"])).result["decision"] == "logged"
    with pytest.raises(NotFoundError):
        toolkit.call(LOG, call(call_id="other", email=None, contact_id="0" * 24))
    assert notes_for(box, "other") == []


def test_ambiguous_caller_gets_no_note(toolkit: NimbleToolkit) -> None:
    for last in ("One", "Two"):
        toolkit.call(
            "create_a_nimble_contact",
            {"fields": {"last name": [{"value": last}], "phone": [{"value": "+1 212 200 0009", "modifier": "work"}]}},
        )
    result = toolkit.call(LOG, call(email=None, phone="+12122000009")).result
    assert result["decision"] == "ambiguous"
    assert len(result["candidates"]) == 2
    assert notes_for(toolkit.emulator, "call-001") == []  # type: ignore[arg-type]


def test_unknown_caller_is_created_only_when_asked(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    stranger = call(email=None, phone="+44 20 7946 0000", call_id="c-new")
    assert toolkit.call(LOG, stranger).result["decision"] == "no_contact"
    assert notes_for(box, "c-new") == []
    created = toolkit.call(
        LOG, {**stranger, "create_contact_if_missing": True, "caller_first_name": "Sam", "caller_company": "Newco"}
    ).result
    assert created["decision"] == "logged"
    assert created["contact"]["decision"] == "created"
    again = toolkit.call(
        LOG, {**stranger, "create_contact_if_missing": True, "caller_first_name": "Sam", "caller_company": "Newco"}
    ).result
    assert (again["decision"], again["contact_id"]) == ("already_logged", created["contact_id"])
    assert (
        sum(
            1
            for r in box.state.table("contacts").quiet_values()
            if r["fields"].get("first name", [{}])[0].get("value") == "Sam"
        )
        == 1
    )


@pytest.mark.parametrize(
    ("changes", "fix"),
    [
        ({"email": None}, "give contact_id, phone or email"),
        ({"call_id": "has space"}, "call_id"),
        ({"create_contact_if_missing": True}, "needs caller_first_name or caller_last_name"),
        ({"direction": "sideways"}, "direction"),
        ({"time": "yesterday"}, "time"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"email": None, "phone": "12345"}, "write it with its country code"),
        ({"summary": "   "}, "summary is empty"),
    ],
    ids=["no-contact-key", "call-id", "create-without-name", "direction", "time", "duration", "phone", "summary"],
)
def test_bad_input_is_refused_before_any_request(toolkit: NimbleToolkit, changes: dict[str, Any], fix: str) -> None:
    box = toolkit.emulator
    assert box is not None
    before = box.request_count
    with pytest.raises(InvalidArgumentsError, match=fix) as caught:
        toolkit.call(LOG, call(**changes))
    assert LOG in str(caught.value)
    assert box.request_count == before


def test_long_transcripts_are_cut_with_a_note_of_how_much(toolkit: NimbleToolkit) -> None:
    result = toolkit.call(LOG, call(transcript="x" * (MAX_TRANSCRIPT + 1234))).result
    note = toolkit.call("get_single_nimble_contact_note_by_id", {"id": result["note_id"]}).result["note"]
    assert "[… transcript cut here: 1,234 more characters]" in note
    assert note.endswith("<p>Call ID: call-001</p>")


def test_reading_for_the_marker_stops_at_notes_older_than_the_call(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    person = contact_by_email(box, ADA)
    notes = box.state.table("contact_notes")
    for n in range(250):  # a long history, all written a year before the call
        note_id = f"{n:024x}"
        notes[note_id] = {
            "id": note_id,
            "note": f"<p>old {n}</p>",
            "note_preview": f"old {n}",
            "contact_ids": [person["id"]],
            "owner_id": box.state.me_id,
            "created": "2025-11-01T10:00:00.000Z",
            "updated": "2025-11-01T10:00:00.000Z",
        }
    before = box.request_count
    assert toolkit.call(LOG, call(time="2026-11-30T14:05:00Z")).result["decision"] == "logged"
    assert box.request_count - before == 3  # find the contact, one page of notes, create


def test_async_call_matches_the_sync_one() -> None:
    toolkit = NimbleToolkit.sandbox()
    assert asyncio.run(toolkit.acall(LOG, call())).result["decision"] == "logged"
    assert asyncio.run(toolkit.acall(LOG, call())).result["decision"] == "already_logged"


def test_exactly_one_note_per_call_under_server_errors_and_timeouts() -> None:
    box = Sandbox()
    toolkit = NimbleToolkit.sandbox(emulator=box, retry=RetryPolicy(backoff_base=0))
    box.inject_faults(FaultPlan(seed=77, server_error=0.2, timeout=0.1, disconnect=0.05, lost_reply=0.6))
    outcomes: dict[str, list[str]] = {}
    for n in range(30):
        for attempt in range(3):  # every call delivered three times, as a retrying webhook would
            try:
                decision = toolkit.call(LOG, call(call_id=f"call-{n}", summary=f"Call {n}, try {attempt}")).result
                outcomes.setdefault(f"call-{n}", []).append(decision["decision"])
            except NimbleAPIError as error:  # a lookup that failed after all retries: the caller retries
                outcomes.setdefault(f"call-{n}", []).append(type(error).__name__)
    assert box.faults is not None and box.faults.counts()["server_error/after"] > 0
    box.inject_faults(None)
    for n in range(30):
        final = toolkit.call(LOG, call(call_id=f"call-{n}")).result
        assert final["decision"] in ("logged", "already_logged"), outcomes[f"call-{n}"]
        assert len(notes_for(box, f"call-{n}")) == 1, outcomes[f"call-{n}"]
    assert any(o.count("logged") + o.count("already_logged") >= 2 for o in outcomes.values())
