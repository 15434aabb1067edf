"""Dedupe-then-create, single and bulk: decisions, requests used, retries, faults."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from typing import Any

import pytest
from nimble_tools_action_support import try_normalise_phone
from nimble_tools_dedupe import ImportProgress, Lead, import_leads, import_leads_async
from nimble_tools_dedupe._bulk import make_batches

from nimble_tools import ConfigurationError, InvalidArgumentsError, NimbleToolkit, RetryPolicy
from nimble_tools.readers import tag_names
from nimble_tools.sandbox import FaultPlan, Sandbox, seed_contacts, synthetic_person

FIND = "nimble_find_or_create_contact"


def make_toolkit(box: Sandbox | None = None) -> NimbleToolkit:
    return NimbleToolkit.sandbox(emulator=box or Sandbox(), retry=RetryPolicy(backoff_base=0, max_attempts=4))


def people(box: Sandbox) -> list[dict[str, Any]]:
    return [r for r in box.state.table("contacts").quiet_values() if r["record_type"] == "person"]


def emails_in(box: Sandbox) -> Counter[str]:
    return Counter(e["value"].strip().lower() for r in people(box) for e in r["fields"].get("email", []))


def create_person(toolkit: NimbleToolkit, **fields: str) -> str:
    wire = {
        name.replace("_", " "): [{"value": value, "modifier": "work" if "@" in value else ""}]
        for name, value in fields.items()
    }
    contact_id: str = toolkit.call("create_a_nimble_contact", {"fields": wire}).result["id"]
    return contact_id


def lead_for(number: int, **changes: Any) -> dict[str, Any]:
    person = synthetic_person(number)
    lead = {
        "first_name": person["first"],
        "last_name": person["last"],
        "email": person["email"],
        "phone": person["phone"],
        "company": person["company"],
        "title": person["title"],
    }
    lead.update(changes)
    return {k: v for k, v in lead.items() if v is not None}


# --- one lead -----------------------------------------------------------------------------------


def test_matches_email_trimmed_and_lower_cased_in_one_request(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    before = box.request_count
    result = toolkit.call(
        FIND, {"first_name": "Ada", "last_name": "L", "email": "  ADA.Lovelace@Engines.example "}
    ).result
    assert result["decision"] == "matched"
    assert result["matched_on"] == ["email"]
    assert result["candidates"][0]["name"] == "Ada Lovelace"
    assert box.request_count - before == 1


def test_matches_a_phone_stored_in_another_format(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    stored = next(r for r in people(box) if r["fields"]["first name"][0]["value"] == "Grace")
    phone = stored["fields"]["phone"][0]["value"]  # "+1 415 555 NNNN"
    national = f"({phone[3:6]}) {phone[7:10]}-{phone[11:]}"
    result = toolkit.call(FIND, {"first_name": "G.", "phone": national, "country": "us"}).result
    assert (result["decision"], result["contact_id"], result["matched_on"]) == ("matched", stored["id"], ["phone"])


def test_matches_name_and_company_accent_and_case_blind(toolkit: NimbleToolkit) -> None:
    result = toolkit.call(FIND, {"first_name": "zoe", "last_name": "DURAND", "company": "acme corp"}).result
    assert result["decision"] == "matched"
    assert result["matched_on"] == ["name_company"]
    assert result["candidates"][0]["name"] == "Zoë Durand"


def test_creates_once_and_a_retry_matches_what_it_created(toolkit: NimbleToolkit) -> None:
    lead = {"first_name": "Nia", "last_name": "Okoro", "email": "Nia@Okoro.example", "phone": "020 7946 0958"}
    lead |= {"country": "GB", "company": "Okoro Ltd", "title": "CEO", "tags": ["webinar", "a,b"]}
    lead["other_fields"] = [{"name": "LinkedIn", "value": "https://linkedin.example/nia"}]
    first = toolkit.call(FIND, lead).result
    assert first["decision"] == "created"
    record = toolkit.call("get_single_nimble_contact_by_id", {"id": first["contact_id"]}).result["resources"][0]
    assert record["fields"]["email"][0]["value"] == "nia@okoro.example"
    assert record["fields"]["phone"][0]["value"] == "+442079460958"
    assert "Okoro Ltd" in record["fields"]["contact employment"][0]["value"]
    assert tag_names(record) == ["webinar", "a,b"]
    assert record["fields"]["linkedin"][0]["value"] == "https://linkedin.example/nia"
    again = toolkit.call(FIND, lead).result
    assert (again["decision"], again["contact_id"]) == ("matched", first["contact_id"])
    assert again["matched_on"] == ["email", "phone", "name_company"]
    assert emails_in(toolkit.emulator)["nia@okoro.example"] == 1  # type: ignore[arg-type]


def test_ambiguous_never_creates(toolkit: NimbleToolkit) -> None:
    a = create_person(toolkit, first_name="Twin", email="twin@x.example")
    b = create_person(toolkit, first_name="Twin", last_name="Two", email="TWIN@x.example")
    box = toolkit.emulator
    assert box is not None
    count = len(box.state.table("contacts"))
    result = toolkit.call(FIND, {"first_name": "Twin", "email": "twin@x.example"}).result
    assert result["decision"] == "ambiguous"
    assert result["contact_id"] is None
    assert {c["id"] for c in result["candidates"]} == {a, b}
    assert len(box.state.table("contacts")) == count


def test_the_strongest_key_decides_and_the_rest_are_listed(toolkit: NimbleToolkit) -> None:
    by_email = create_person(toolkit, first_name="Email", email="strong@x.example")
    by_phone = create_person(toolkit, first_name="Phone", phone="+1 212 200 0001")
    result = toolkit.call(FIND, {"first_name": "X", "email": "strong@x.example", "phone": "+12122000001"}).result
    assert (result["decision"], result["contact_id"], result["matched_on"]) == ("matched", by_email, ["email"])
    assert {c["id"]: c["matched_on"] for c in result["candidates"]} == {by_email: ["email"], by_phone: ["phone"]}


def test_fill_empty_fills_only_what_is_missing(toolkit: NimbleToolkit) -> None:
    contact_id = create_person(toolkit, first_name="Sparse", email="sparse@x.example")
    lead = {"first_name": "Sparse", "email": "sparse@x.example", "phone": "+1 212 200 0002", "company": "Fill Co"}
    result = toolkit.call(FIND, {**lead, "fill_empty": True}).result
    assert (result["decision"], result["contact_id"]) == ("matched", contact_id)
    assert result["filled"] == ["contact employment", "phone"]
    record = toolkit.call("get_single_nimble_contact_by_id", {"id": contact_id}).result["resources"][0]
    assert record["fields"]["phone"][0]["value"] == "+12122000002"
    assert record["fields"]["first name"][0]["value"] == "Sparse"
    assert toolkit.call(FIND, {**lead, "fill_empty": True}).result["filled"] == []


def test_company_records_are_not_people(toolkit: NimbleToolkit) -> None:
    toolkit.call(
        "create_a_nimble_contact",
        {
            "record_type": "company",
            "fields": {"company name": [{"value": "Solo"}], "email": [{"value": "hi@solo.example"}]},
        },
    )
    assert toolkit.call(FIND, {"first_name": "Hi", "email": "hi@solo.example"}).result["decision"] == "created"


@pytest.mark.parametrize(
    ("arguments", "field", "fix"),
    [
        ({"email": "a@b.example"}, "arguments", "needs first_name or last_name"),
        ({"first_name": "Solo"}, "arguments", "needs an email, a phone or a company"),
        ({"first_name": "A", "email": "not-an-email"}, "arguments", "not an email address"),
        ({"first_name": "A", "phone": "555-0100"}, "arguments", "write it with its country code"),
        ({"first_name": "A", "phone": "12", "country": "DE"}, "arguments", "not a valid number in DE"),
        (
            {"first_name": "A", "email": "a@b.example", "country": "USA"},
            "country",
            "two-letter country code such as US",
        ),
        ({"first_name": "A", "email": "a@b.example", "nickname": "x"}, "nickname", "unknown field"),
        (
            {"first_name": "A", "email": "a@b.example", "other_fields": [{"name": "Email", "value": "b@c.example"}]},
            "arguments",
            "through the lead's own fields",
        ),
    ],
    ids=["no-name", "no-key", "email", "phone-no-country", "phone-invalid", "country", "unknown", "typed-field"],
)
def test_bad_leads_are_refused_before_any_request(
    toolkit: NimbleToolkit, arguments: dict[str, Any], field: str, fix: str
) -> None:
    box = toolkit.emulator
    assert box is not None
    before = box.request_count
    with pytest.raises(InvalidArgumentsError) as caught:
        toolkit.call(FIND, arguments)
    assert FIND in str(caught.value)
    assert fix in str(caught.value)
    assert any(location == field for location, _ in caught.value.errors)
    assert box.request_count == before


def test_missing_phonenumbers_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, toolkit: NimbleToolkit) -> None:
    monkeypatch.setitem(sys.modules, "phonenumbers", None)
    try_normalise_phone.cache_clear()
    with pytest.raises(ConfigurationError, match=r"pip install phonenumberslite"):
        toolkit.call(FIND, {"first_name": "A", "phone": "+12122000003"})
    # email-only matching needs no phone library
    assert toolkit.call(FIND, {"first_name": "A", "email": "nophone@x.example"}).result["decision"] == "created"


def test_registered_as_plugin_operations_with_honest_flags(toolkit: NimbleToolkit) -> None:
    for name in (FIND, "nimble_import_leads"):
        operation = toolkit.operations[name]
        assert operation.plugin == "nimble_tools_dedupe"
        assert operation.is_composite and operation.async_handler is not None
        assert (operation.read_only, operation.destructive, operation.idempotent) == (False, False, True)


# --- many leads ----------------------------------------------------------------------------------


def seeded(count: int) -> Sandbox:
    box = Sandbox(seed=False)
    seed_contacts(box.state, count)
    return box


def mixed_leads(existing: int, new: int, start_new: int = 10_000) -> list[dict[str, Any]]:
    """Existing people written differently (case, spaces, phone format), and new people."""
    leads = []
    for n in range(existing):
        person = synthetic_person(n)
        variant = n % 3
        if variant == 0:
            leads.append(lead_for(n, email=f"  {person['email'].upper()} ", phone=None))
        elif variant == 1:
            national = f"({person['phone'][2:5]}) {person['phone'][5:8]}-{person['phone'][8:]}"
            leads.append(lead_for(n, email=None, phone=national, country="US"))
        else:
            leads.append(lead_for(n, email=None, phone=None))
    leads += [lead_for(start_new + n) for n in range(new)]
    return leads


def test_bulk_import_uses_few_requests_and_accounts_for_every_lead() -> None:
    box = seeded(300)
    toolkit = make_toolkit(box)
    leads = mixed_leads(30, 70)
    leads += [lead_for(10_000, first_name="Dup"), lead_for(5, email="another@x.example")]  # repeats in the list
    progress: list[ImportProgress] = []
    before = box.request_count
    report = import_leads(toolkit, leads, on_progress=progress.append, batch_size=50)
    requests = box.request_count - before
    assert (report["total"], report["created"], report["matched"], report["ambiguous"], report["failed"]) == (
        102,
        70,
        32,
        0,
        0,
    )
    assert [lead["index"] for lead in report["leads"]] == list(range(102))
    # one search per batch of distinct leads (100 distinct, at most 50 a batch, URL-length bounded),
    # one create per new lead
    batches = make_batches([Lead.model_validate(lead) for lead in leads], range(100), 50)
    assert len(batches) <= 4
    assert requests == 70 + len(batches)
    assert report["calls"] == requests
    assert report["leads"][100]["duplicate_of"] == 30
    assert report["leads"][100]["contact_id"] == report["leads"][30]["contact_id"]
    assert report["leads"][101]["duplicate_of"] == 5
    assert [p.done for p in progress] == list(range(1, 103))
    assert progress[-1].counts == {"created": 70, "matched": 32, "ambiguous": 0, "failed": 0}
    assert max(emails_in(box).values()) == 1


def test_rerun_after_a_crash_half_way_creates_no_duplicate() -> None:
    box = seeded(100)
    toolkit = make_toolkit(box)
    leads = mixed_leads(20, 60)

    class Crash(Exception):
        pass

    def crash_half_way(progress: ImportProgress) -> None:
        if progress.done == 40:
            raise Crash

    with pytest.raises(Crash):
        import_leads(toolkit, leads, on_progress=crash_half_way, batch_size=10, concurrency=1)
    created_before = len(people(box)) - 100
    assert 0 < created_before < 60
    report = import_leads(toolkit, leads, batch_size=10, concurrency=3)
    assert report["created"] == 60 - created_before
    assert report["matched"] == 20 + created_before
    assert len(people(box)) == 160
    assert max(emails_in(box).values()) == 1


def test_async_import_matches_the_sync_one() -> None:
    box = seeded(50)
    toolkit = make_toolkit(box)
    leads = mixed_leads(10, 25)
    report = asyncio.run(import_leads_async(toolkit, leads, batch_size=7, concurrency=3))
    assert (report["created"], report["matched"], report["failed"]) == (25, 10, 0)
    assert report["calls"] == 25 + 5
    assert asyncio.run(import_leads_async(toolkit, leads))["created"] == 0


def test_a_bad_lead_names_its_position_and_nothing_is_sent(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    before = box.request_count
    with pytest.raises(InvalidArgumentsError, match=r"leads\.1: .*needs first_name or last_name"):
        toolkit.call("nimble_import_leads", {"leads": [lead_for(1), {"email": "x@y.example"}]})
    assert box.request_count == before


@pytest.mark.parametrize("run_async", [False, True], ids=["sync", "async"])
def test_bulk_import_under_server_errors_and_timeouts(run_async: bool) -> None:
    box = seeded(200)
    toolkit = make_toolkit(box)
    leads = mixed_leads(40, 80)
    plan = FaultPlan(seed=2024, server_error=0.15, timeout=0.1, disconnect=0.05, rate_limit=0.05, retry_after=0)
    box.inject_faults(plan)
    if run_async:
        report = asyncio.run(import_leads_async(toolkit, leads, batch_size=20, concurrency=2))
    else:
        report = import_leads(toolkit, leads, batch_size=20, concurrency=1)
    assert box.faults is not None and box.faults.counts()["server_error/after"] > 0
    assert box.faults.counts()["timeout/after"] + box.faults.counts()["disconnect/after"] > 0
    assert box.faults.counts()["rate_limit"] > 0
    # every lead accounted for, and no duplicate despite lost replies
    assert sorted(lead["index"] for lead in report["leads"]) == list(range(120))
    assert report["created"] + report["matched"] + report["ambiguous"] + report["failed"] == 120
    assert report["ambiguous"] == 0
    assert max(emails_in(box).values()) == 1
    for lead in report["leads"]:
        if lead["decision"] == "failed":
            assert lead["error"] and lead["explanation"]
    # a re-run (the faults gone) settles the failed ones and still duplicates nothing
    box.inject_faults(None)
    again = import_leads(toolkit, leads)
    assert (again["created"] + again["matched"], again["failed"]) == (120, 0)
    assert len(people(box)) == 200 + 80
    assert max(emails_in(box).values()) == 1
