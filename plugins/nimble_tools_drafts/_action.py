"""The email-draft action: its parameters, placeholders, steps, and the handlers ``nimble_draft_email_to_contact`` names.

Imported with the first call: the entry point (``nimble_tools_drafts``) only declares the operations,
naming the model and the handlers here, so that every registry can load it for nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from nimble_tools_action_support import (
    QUIET_CHECKS,
    Email,
    Steps,
    field_values,
    handlers,
    jobs,
    normalise_email,
    resolve_contact,
)
from pydantic import Field, PrivateAttr, StringConstraints, model_validator

from nimble_tools import NimbleId, Params, ServerError, TransportError

LIST_DRAFTS = "list_all_nimble_message_drafts"
CREATE_DRAFT = "create_a_nimble_message_draft"
PLACEHOLDERS = ("first_name", "last_name", "full_name", "company", "title", "email")
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*(?:\|([^}]*))?\}\}")
MAX_DRAFT_PAGES = 5


class DraftParams(Params):
    """An email to draft for one contact."""

    # Limits are checked, not published (nimble_tools_action_support._schema): no draft comes near them.
    contact_id: NimbleId | None = Field(default=None, description="The contact; or give email.")
    email: Email | None = Field(default=None, description="The contact's email; or give contact_id.")
    subject: Annotated[str, StringConstraints(min_length=1, max_length=998), QUIET_CHECKS] = Field(
        description="Subject."
    )
    body: Annotated[str, StringConstraints(min_length=1, max_length=100_000), QUIET_CHECKS] = Field(
        description="Body, e.g. 'Hi {{first_name|there}},'."
    )
    body_format: Literal["text", "html"] = Field(default="text", description="text: HTML escaped; html: as is.")
    email_kind: Literal["work", "personal", "other"] | None = Field(
        default=None, description="Which address; default: the primary."
    )
    cc: list[str] = Field(default_factory=list, max_length=20, description="Cc addresses.")
    track_opens: bool = Field(default=False, description="Track opens.")

    _email: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check(self) -> DraftParams:
        if bool(self.contact_id) == bool(self.email):
            raise ValueError("give exactly one of contact_id and email")
        self._email = normalise_email(self.email) if self.email else None
        unknown = sorted({m.group(1) for m in _PLACEHOLDER.finditer(self.subject + self.body)} - set(PLACEHOLDERS))
        if unknown:
            raise ValueError(f"unknown placeholders {unknown}: use {', '.join(PLACEHOLDERS)}")
        self.cc = [normalise_email(address) for address in self.cc]
        return self

    @property
    def normal_email(self) -> str | None:
        """The email, trimmed and lower-cased."""
        return self._email


def _values(record: Mapping[str, Any], address: str) -> dict[str, str]:
    first = (field_values(record, "first name") or [""])[0]
    last = (field_values(record, "last name") or [""])[0]
    job = next(iter(jobs(record)), {})
    return {
        "first_name": first,
        "last_name": last,
        "full_name": " ".join(p for p in (first, last) if p),
        "company": str(job.get("company_name") or ""),
        "title": str(job.get("title") or ""),
        "email": address,
    }


def fill_placeholders(template: str, values: Mapping[str, str], *, escape: bool) -> tuple[str, list[str]]:
    """Fill ``{{name}}`` / ``{{name|default}}``; return the text and the placeholders left without a value.

    With ``escape`` the values are HTML-escaped (for an HTML template written by the caller).
    """
    missing: list[str] = []

    def one(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = values.get(name) or (default.strip() if default is not None else "")
        if not value and default is None:
            missing.append(name)
        return html.escape(value) if escape else value

    return _PLACEHOLDER.sub(one, template), missing


def choose_address(record: Mapping[str, Any], kind: str | None) -> str | None:
    """The address to write to: of the asked kind, else the primary one, else the first."""
    fields = record.get("fields") or {}
    entries = [e for e in fields.get("email") or [] if isinstance(e, Mapping) and e.get("value")]
    if kind is not None:
        entries = [e for e in entries if e.get("modifier") == kind]
    ranked = [e for e in entries if e.get("is_primary")] + entries
    return str(ranked[0]["value"]).strip() if ranked else None


def _record(decision: str, explanation: str, **fields: Any) -> dict[str, Any]:
    return {"decision": decision, "contact_id": None, "draft_id": None, **fields, "explanation": explanation}


def _existing(address: str, subject: str, body: str) -> Steps[str | None]:
    """The id of a saved draft to ``address`` with this subject and body, if there is one."""
    arguments: dict[str, Any] = {"recipients": [address], "limit": 100}
    for _ in range(MAX_DRAFT_PAGES):
        page = yield LIST_DRAFTS, arguments
        for draft in page.result:
            spec = draft.get("specification") or {}
            if spec.get("subject") == subject and spec.get("body") == body:
                return str(draft.get("draft_id"))
        if not page.next_cursor:
            break
        arguments = {**arguments, "next_cursor": page.next_cursor}
    return None


def draft_steps(params: DraftParams) -> Steps[dict[str, Any]]:
    """Resolve the contact and its address, fill the template, save the draft once."""
    found = yield from resolve_contact(contact_id=params.contact_id, email=params.normal_email)
    if found.status == "ambiguous":
        return _record(
            "ambiguous",
            "Several contacts have this email; nothing was drafted. Pass contact_id.",
            candidates=found.candidates,
        )
    if found.record is None:
        return _record("no_contact", "No contact has this email; nothing was drafted.")
    record, contact_id = found.record, found.contact_id
    address = params.normal_email or choose_address(record, params.email_kind)
    if address is None:
        kind = f" {params.email_kind}" if params.email_kind else ""
        return _record(
            "no_address", f"The contact has no{kind} email address; nothing was drafted.", contact_id=contact_id
        )
    values = _values(record, address)
    subject, missing_subject = fill_placeholders(params.subject, values, escape=False)
    text, missing_body = fill_placeholders(params.body, values, escape=params.body_format == "html")
    missing = sorted(set(missing_subject + missing_body))
    if missing:
        return _record(
            "missing_data",
            f"The contact has no value for {', '.join(missing)}; nothing was drafted. Give a default, "
            "e.g. {{first_name|there}}.",
            contact_id=contact_id,
            missing=missing,
        )
    body = "<br>".join(html.escape(line) for line in text.splitlines()) if params.body_format == "text" else text
    earlier = yield from _existing(address, subject, body)
    if earlier is not None:
        return _record(
            "already_drafted",
            "The same draft to this person is already saved; nothing was added.",
            contact_id=contact_id,
            draft_id=earlier,
            to=address,
        )
    arguments: dict[str, Any] = {
        "subject": subject,
        "body": body,
        "recipients": [{"identifier": address}],
        "cc": [{"identifier": a} for a in params.cc],
        "track_opens": params.track_opens,
    }
    try:
        created = yield CREATE_DRAFT, arguments
        draft_id = created.result.get("draft_id")
        explanation = "Draft saved in Nimble for review; it was not sent."
    except (ServerError, TransportError) as error:
        draft_id = yield from _existing(address, subject, body)  # the answer may be lost, the draft saved
        if draft_id is None:
            return _record(
                "failed",
                "Saving the draft failed and none was saved; drafting again is safe.",
                contact_id=contact_id,
                error=error.for_model(),
            )
        explanation = "Draft saved (the answer was lost; the saved drafts confirmed it). It was not sent."
    return _record(
        "drafted", explanation, contact_id=contact_id, draft_id=draft_id, to=address, subject=subject, body=body
    )


# The handlers the operation names: the steps, run sync or async.
handle, async_handle = handlers(draft_steps).values()
