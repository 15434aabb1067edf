"""The call-log action: its parameters, its steps, and the handlers ``nimble_log_call`` names.

Imported with the first call: the entry point (``nimble_tools_call_log``) only declares the operations,
naming the model and the handlers here, so that every registry can load it for nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from nimble_tools_action_support import (
    QUIET_CHECKS,
    Country,
    Email,
    Phone,
    ShortText,
    Steps,
    handlers,
    normalise_email,
    normalise_phone,
    resolve_contact,
)
from nimble_tools_dedupe import Lead
from nimble_tools_dedupe._steps import search_candidates, settle
from pydantic import Field, PrivateAttr, StringConstraints, field_validator, model_validator

from nimble_tools import NimbleAPIError, NimbleId, Params, ServerError, TransportError
from nimble_tools.readers import parse_timestamp

from ._note import has_marker, note_body, note_preview

LIST_NOTES = "list_all_nimble_contact_notes"
CREATE_NOTE = "create_a_nimble_contact_note"
CREATE_ATTEMPTS = 3
CLOCK_SKEW = timedelta(days=1)
"""Notes created this long before the call's time cannot be its note: listing stops there."""


class CallLogParams(Params):
    """One phone call to record as a note on the caller's contact."""

    # Limits that only stop absurd input are checked but not published (nimble_tools_action_support._schema).
    call_id: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^\S+$"), QUIET_CHECKS] = Field(
        description="Your id of the call, no spaces."
    )
    contact_id: NimbleId | None = Field(default=None, description="The caller's contact, if known.")
    phone: Phone | None = Field(default=None, description="Caller's phone.")
    email: Email | None = Field(default=None, description="Caller's email.")
    country: Country | None = Field(default=None, description="Two-letter country of a phone without +code.")
    direction: Literal["inbound", "outbound"] = Field(description="inbound: they called.")
    time: datetime = Field(description="Start, ISO 8601, e.g. 2026-11-30T14:05:00Z (UTC if no offset).")
    duration_seconds: int = Field(ge=0, le=86_400, description="Length in seconds.")
    outcome: str = Field(min_length=1, max_length=80, description="e.g. connected, voicemail, no answer, busy.")
    sentiment: Literal["positive", "neutral", "negative", "mixed"] | None = Field(
        default=None, description="Caller's sentiment."
    )
    summary: str = Field(min_length=1, max_length=5_000, description="What was said and agreed.")
    transcript: Annotated[str, StringConstraints(max_length=500_000), QUIET_CHECKS] | None = Field(
        default=None, description="Full transcript."
    )
    create_contact_if_missing: bool = Field(default=False, description="Create the contact if none matches.")
    caller_first_name: ShortText | None = Field(default=None, description="For a created contact.")
    caller_last_name: ShortText | None = Field(default=None, description="For a created contact.")
    caller_company: ShortText | None = Field(default=None, description="For a created contact.")

    _email: str | None = PrivateAttr(default=None)
    _phone: str | None = PrivateAttr(default=None)

    @field_validator("time")
    @classmethod
    def _plausible(cls, value: datetime) -> datetime:
        # The note lookup walks back from the call's time: a year-1 or year-9999 call would overflow.
        if not 1970 <= value.year <= 2100:
            raise ValueError(f"{value.isoformat()} is not a plausible call time: give one between 1970 and 2100")
        return value

    @model_validator(mode="after")
    def _check(self) -> CallLogParams:
        if not (self.contact_id or self.phone or self.email):
            raise ValueError("give contact_id, phone or email, so the call can be put on the right contact")
        if not self.summary.strip():
            raise ValueError("summary is empty: write what the call was about")
        if self.time.tzinfo is None:
            self.time = self.time.replace(tzinfo=UTC)
        self._email = normalise_email(self.email) if self.email else None
        self._phone = normalise_phone(self.phone, self.country) if self.phone else None
        if self.create_contact_if_missing and not (self.caller_first_name or self.caller_last_name):
            raise ValueError("create_contact_if_missing needs caller_first_name or caller_last_name")
        return self

    @property
    def normal_email(self) -> str | None:
        """The caller's email, trimmed and lower-cased."""
        return self._email

    @property
    def normal_phone(self) -> str | None:
        """The caller's phone in E.164."""
        return self._phone

    def lead(self) -> Lead:
        """The caller as a lead, for creating the contact."""
        return Lead(
            first_name=self.caller_first_name,
            last_name=self.caller_last_name,
            email=self._email,
            phone=self._phone,
            company=self.caller_company,
        )


def _record(decision: str, explanation: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"decision": decision, "contact_id": None, "note_id": None, "matched_on": []}
    return {**base, **fields, "explanation": explanation}


def _find_logged(contact_id: str, params: CallLogParams) -> Steps[dict[str, Any] | None]:
    """The contact's note for this call, if one exists (newest first, stopping before the call)."""
    arguments: dict[str, Any] = {"contact_id": contact_id, "limit": 100}
    horizon = params.time - CLOCK_SKEW
    while True:
        page = yield LIST_NOTES, arguments
        for note in page.result:
            if has_marker(note, params.call_id):
                found: dict[str, Any] = note
                return found
        oldest = parse_timestamp(page.result[-1].get("created")) if page.result else None
        if not page.next_cursor or (oldest is not None and oldest < horizon):
            return None
        arguments = {**arguments, "next_cursor": page.next_cursor}


def log_call_steps(params: CallLogParams) -> Steps[dict[str, Any]]:
    """Find (or create) the contact, then add the note unless this call is already logged."""
    contact: dict[str, Any] | None = None
    found = yield from resolve_contact(
        contact_id=params.contact_id, email=params.normal_email, phone=params.normal_phone, country=params.country
    )
    if found.status == "ambiguous":
        return _record(
            "ambiguous",
            "Several contacts match; no note was added. Call again with contact_id of the right one.",
            matched_on=found.matched_on,
            candidates=found.candidates,
        )
    contact_id = found.contact_id
    matched_on = found.matched_on
    if contact_id is None:
        if not params.create_contact_if_missing:
            return _record(
                "no_contact",
                "No contact has this phone or email; nothing was written. Pass contact_id, or "
                "create_contact_if_missing=true with the caller's name.",
            )
        lead = params.lead()
        pool = yield from search_candidates([lead])
        decision = yield from settle(lead, pool, fill_empty=False)
        contact = decision.to_dict()
        if decision.decision not in ("created", "matched"):
            return _record(
                decision.decision, "The caller's contact could not be settled; no note was added.", contact=contact
            )
        contact_id, matched_on = decision.contact_id, decision.matched_on
    assert contact_id is not None
    existing = yield from _find_logged(contact_id, params)
    if existing is not None:
        return _record(
            "already_logged",
            "This call was logged before; nothing was added.",
            contact_id=contact_id,
            note_id=existing.get("id"),
            matched_on=matched_on,
            contact=contact,
        )
    body = note_body(
        call_id=params.call_id,
        direction=params.direction,
        moment=params.time,
        duration_seconds=params.duration_seconds,
        outcome=params.outcome,
        sentiment=params.sentiment,
        summary=params.summary,
        transcript=params.transcript,
    )
    preview = note_preview(
        direction=params.direction,
        duration_seconds=params.duration_seconds,
        outcome=params.outcome,
        summary=params.summary,
    )
    last_error: NimbleAPIError | None = None
    for _ in range(CREATE_ATTEMPTS):
        try:
            created = yield CREATE_NOTE, {"contact_ids": [contact_id], "note": body, "note_preview": preview}
        except (ServerError, TransportError) as error:
            last_error = error
            # The answer was lost; the note may exist. Look before writing again.
            existing = yield from _find_logged(contact_id, params)
            if existing is None:
                continue
            created_id = existing.get("id")
            explanation = "Logged; the answer was lost and the contact's notes confirmed it."
        else:
            created_id = created.result.get("id")
            explanation = "Logged the call as a note on the contact."
        return _record(
            "logged",
            explanation,
            contact_id=contact_id,
            note_id=created_id,
            matched_on=matched_on,
            contact=contact,
            note_preview=preview,
        )
    assert last_error is not None
    return _record(
        "failed",
        f"Nimble failed {CREATE_ATTEMPTS} times and the contact has no note for this call: nothing was added. "
        "Logging the same call again is safe.",
        contact_id=contact_id,
        error=last_error.for_model(),
    )


# The handlers the operation names: the steps, run sync or async.
handle, async_handle = handlers(log_call_steps).values()
