"""The steps of dedupe-then-create, shared by the single and the bulk action.

Safe to retry: a create whose answer is lost (a 5xx or a timeout after Nimble may have stored
the contact) is never repeated blindly. The lead is looked up again first: if the contact is
there, it was created; only if it is not is the create tried again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nimble_tools_action_support import Steps

from nimble_tools import NimbleAPIError, ServerError, TransportError

from ._lead import Lead
from ._match import CandidatePool, Decision, decide, lookup_query, missing_fields

__all__ = ["CREATE", "SEARCH", "UPDATE", "search_candidates", "settle"]

SEARCH = "list_all_nimble_contacts_search"
CREATE = "create_a_nimble_contact"
UPDATE = "update_a_nimble_contact_by_id"
PAGE_SIZE = 100
MAX_PAGES = 20
CREATE_ATTEMPTS = 3

Record = Mapping[str, Any]


def search_candidates(leads: Sequence[Lead]) -> Steps[CandidatePool]:
    """Every existing person any of ``leads`` could match (one request per 100 candidates)."""
    arguments: dict[str, Any] = {"query": lookup_query(leads), "limit": PAGE_SIZE}
    records: list[Record] = []
    for _ in range(MAX_PAGES):
        page = yield SEARCH, arguments
        records.extend(page.result)
        if not page.next_cursor:
            break
        arguments = {**arguments, "next_cursor": page.next_cursor}
    return CandidatePool(records)


def settle(lead: Lead, pool: CandidatePool, *, fill_empty: bool) -> Steps[Decision]:
    """Decide about ``lead`` given the candidates found for its batch; create or fill as needed."""
    records = pool.for_lead(lead)
    decision = decide(lead, records)
    if decision.decision == "matched" and fill_empty:
        record = next(r for r in records if r.get("id") == decision.contact_id)
        yield from _fill(lead, record, decision)
    if decision.decision != "create":
        return decision
    return (yield from _create(lead))


def _fill(lead: Lead, record: Record, decision: Decision) -> Steps[None]:
    missing = missing_fields(lead, record)
    if not missing:
        return
    try:
        yield UPDATE, {"id": decision.contact_id, "fields": missing}
    except NimbleAPIError as error:
        decision.explanation += " Filling its empty fields failed; the contact is unchanged."
        decision.error = error.for_model()
        return
    decision.filled = sorted(missing)
    decision.explanation += f" Filled its empty fields: {', '.join(decision.filled)}."


def _create(lead: Lead) -> Steps[Decision]:
    arguments: dict[str, Any] = {"record_type": "person", "fields": lead.contact_fields()}
    if lead.tags:
        arguments["tags"] = list(lead.tags)
    last_error: NimbleAPIError | None = None
    for _ in range(CREATE_ATTEMPTS):
        try:
            created = yield CREATE, arguments
        except (ServerError, TransportError) as error:
            last_error = error
        else:
            return Decision(
                "created", str(created.result["id"]), explanation="No existing contact matched; created one."
            )
        # The answer was lost; the contact may exist. Look before creating again.
        try:
            pool = yield from search_candidates([lead])
        except NimbleAPIError as error:
            return Decision(
                "failed",
                explanation=(
                    "Creating failed and the check that followed failed too, so the contact may or may not "
                    "exist. Run the same action again: it finds the contact or creates it, never both."
                ),
                error=error.for_model(),
            )
        found = decide(lead, pool.for_lead(lead))
        if found.decision == "matched":
            found.decision = "created"
            found.explanation = "Created; the answer was lost and a search confirmed the new contact."
            return found
        if found.decision == "ambiguous":
            return found
    assert last_error is not None
    return Decision(
        "failed",
        explanation=f"Nimble failed {CREATE_ATTEMPTS} times and a search shows no such contact: nothing was created.",
        error=last_error.for_model(),
    )
