"""The use-case sections of the tour: each runs the composite action an agent would call."""

from __future__ import annotations

from typing import Any

from nimble_tools import InvalidArgumentsError
from nimble_tools.confirmation import ConfirmationRequiredError
from nimble_tools.toolsets import resolve

from . import Tour

__all__ = ["call_log", "closed_won", "dedupe", "email_draft", "provision_fields", "safety", "tag_sync"]


def dedupe(tour: Tour) -> dict[str, Any]:
    """An existing person written differently is matched; a new one is created, once."""
    show = ("first_name", "last_name", "email")
    ada = {"first_name": "Ada", "last_name": "Lovelace", "email": "  ADA.Lovelace@engines.example"}
    found = tour.call("nimble_find_or_create_contact", ada, show=show).result
    tour.outcome(f"{found['decision']} on {', '.join(found['matched_on'])}: {found['candidates'][0]['name']}")

    katherine = {"first_name": "Katherine", "last_name": "Johnson", "email": "kj@nasa.example", "company": "NASA"}
    created = tour.call("nimble_find_or_create_contact", katherine, show=show).result
    tour.outcome(f"{created['decision']}: {created['explanation']}")
    again = tour.call("nimble_find_or_create_contact", katherine, show=show).result
    tour.outcome(f"{again['decision']} the contact just created: a retry makes no duplicate")
    return {
        "existing": found["decision"],
        "new": created["decision"],
        "retry": again["decision"],
        "same_contact": again["contact_id"] == created["contact_id"],
    }


def call_log(tour: Tour) -> dict[str, Any]:
    """A call found by the caller's phone (in another format) becomes one note; a replay adds nothing."""
    call = {
        "call_id": "pbx-20261130-0042",
        "phone": "(415) 555-3201",  # Ada's number, as the phone system writes it
        "country": "US",
        "direction": "inbound",
        "time": "2026-11-30T10:05:00Z",
        "duration_seconds": 320,
        "outcome": "connected",
        "sentiment": "positive",
        "summary": "Ada wants a quote for 40 seats before Friday.",
    }
    show = ("call_id", "phone")
    logged = tour.call("nimble_log_call", call, show=show).result
    tour.outcome(f"{logged['decision']} on the contact found by {', '.join(logged['matched_on'])}")
    tour.outcome(f"note: {logged.get('note_preview', '')!r}")
    replay = tour.call("nimble_log_call", call, show=show).result
    tour.outcome(f"{replay['decision']}: {replay['explanation']}")
    return {"first": logged["decision"], "replay": replay["decision"], "note_id": logged["note_id"]}


def closed_won(tour: Tour) -> dict[str, Any]:
    """The signed contract is attached and the deal moved to Won in one step; a repeat changes nothing."""
    deals = tour.toolkit.call("list_all_nimble_deals", {"limit": 50}).result
    deal = next(d for d in deals if _deal_name(d) == "Globex - 50 seats")
    arguments = {"deal_id": deal["deal_id"], "file_url": "https://www.dropbox.com/s/k2x9/globex-signed-order.pdf"}
    tour.say(f"  (the deal: {_deal_name(deal)!r})")
    won = tour.call("nimble_close_won_with_file", arguments, show=("file_url",)).result
    tour.outcome(
        f"{won['decision']}: stage {won['stage']['from']!r} -> {won['stage']['to']!r}, file {won['file']['file_name']}"
    )
    again = tour.call("nimble_close_won_with_file", arguments, show=("file_url",)).result
    tour.outcome(f"{again['decision']}: {again['explanation']}")
    return {"first": won["decision"], "repeat": again["decision"], "stage": won["stage"]["to"]}


def _deal_name(deal: dict[str, Any]) -> str:
    names = deal.get("fields_values_with_names", {}).get("name") or [{}]
    return str(names[0].get("value", ""))


def provision_fields(tour: Tour) -> dict[str, Any]:
    """A declared set of custom fields is planned, created, and then found in place."""
    spec = {
        "tab": "Partner program",
        "groups": [
            {
                "name": "Partnership",
                "fields": [
                    {"name": "partner tier", "kind": "choice", "choices": ["Silver", "Gold", "Platinum"]},
                    {"name": "renewal date", "kind": "datetime"},
                ],
            }
        ],
        "fields": [{"name": "partner manager", "kind": "user"}],
    }
    plan = tour.call("nimble_provision_custom_fields", {**spec, "dry_run": True}, show=("tab", "dry_run")).result
    tour.outcome("plan: " + "; ".join(_step(step) for step in plan["plan"]))
    applied = tour.call("nimble_provision_custom_fields", spec, show=("tab",)).result
    tour.outcome(f"applied {len(applied['applied'])} steps: {applied['explanation']}")
    again = tour.call("nimble_provision_custom_fields", spec, show=("tab",)).result
    tour.outcome(f"again: {len(again['plan'])} steps to do, kept {', '.join(again['kept'])}")
    return {"planned": len(plan["plan"]), "applied": len(applied["applied"]), "rerun_steps": len(again["plan"])}


def _step(step: dict[str, Any]) -> str:
    what = step.get("field") or step.get("group") or step.get("tab")
    return f"{step['action'].replace('_', ' ')} {what!r}"


def email_draft(tour: Tour) -> dict[str, Any]:
    """A personalised email is saved as a draft for a person to review; nothing is sent."""
    arguments = {
        "email": "jane.smith@globex.example",
        "subject": "Your order, {{first_name}}",
        "body": "Hi {{first_name|there}},\n\nThank you for choosing us at {{company}}. Your licences are ready.",
    }
    draft = tour.call("nimble_draft_email_to_contact", arguments, show=("email", "subject")).result
    tour.outcome(f"{draft['decision']} for {draft['to']}: {draft['subject']!r}")
    tour.outcome(f"body: {draft['body'][:80]!r}")
    return {"decision": draft["decision"], "subject": draft["subject"], "draft_id": draft["draft_id"]}


def tag_sync(tour: Tour) -> dict[str, Any]:
    """Customers get a newsletter tag and lose 'vip'; their other tags stay."""
    customers = tour.toolkit.call("nimble_contacts_contact_ids", {"query": {"tag": {"is": "customer"}}}).result
    arguments = {"contact_ids": customers, "add": ["newsletter"], "remove": ["vip"]}
    report = tour.call("nimble_sync_contact_tags", arguments, show=("add", "remove")).result
    tour.outcome(f"{report['changed']} changed, {report['unchanged']} unchanged, in {report['calls']} requests")
    first = report["contacts"][0]
    tour.outcome(f"e.g. {first['contact_id']}: +{first['added']} -{first['removed']}, now {first['tags']}")
    again = tour.call("nimble_sync_contact_tags", arguments, show=("add", "remove")).result
    tour.outcome(f"again: {again['changed']} changed, {again['unchanged']} unchanged (only reads)")
    return {"contacts": report["total"], "changed": report["changed"], "unchanged_on_rerun": again["unchanged"]}


def safety(tour: Tour) -> dict[str, Any]:
    """A path-changing id is refused locally; a model's bulk delete shows its count and waits for the token."""
    before = tour.requests
    refusal = _refusal(tour, "get_single_nimble_contact_by_id", {"id": "../../myself"})
    sent = tour.requests - before
    tour.outcome(f"refused, {sent} requests sent: {refusal}")

    # As a model calls it, through the tools an adapter emits: destructive calls wait by default.
    tools = resolve(tour.toolkit, ["nimble_contacts_bulk"])
    selection = {"query": {"field": "tag", "operator": "is", "value": "europe"}}
    tour.show("nimble_contacts_bulk", selection, ("query",))
    try:
        tools.run("nimble_contacts_bulk", selection)
    except ConfirmationRequiredError as held:
        preview, token = held.preview, held.confirm_token
    else:
        raise AssertionError("nimble_contacts_bulk ran without confirmation")  # the tour would show a broken promise
    tour.outcome(f"held back: {preview}")
    tour.show("nimble_contacts_bulk", {**selection, "confirm_token": "..."}, ("query", "confirm_token"))
    deleted = tools.run("nimble_contacts_bulk", {**selection, "confirm_token": token}).result
    ids = deleted["data"]["ids"]
    tour.outcome(f"confirmed with its token, once the user agreed: {len(ids)} contacts deleted")
    return {"refused": refusal, "requests_for_refused_call": sent, "preview": preview, "deleted": len(ids)}


def _refusal(tour: Tour, name: str, arguments: dict[str, Any]) -> str:
    try:
        tour.call(name, arguments, show=arguments)
    except InvalidArgumentsError as error:
        return error.for_model()
    raise AssertionError(f"{name} accepted {arguments}")  # the tour would be showing a broken promise
