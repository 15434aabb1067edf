"""Finding the one contact an action is about: by id, or by email / phone in their compared form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nimble_tools.readers import single_record

from ._keys import normalise_email, phone_search_forms, try_normalise_phone
from ._records import contact_summary, field_values
from ._steps import Steps

__all__ = ["Resolution", "resolve_contact"]

Record = Mapping[str, Any]
SEARCH = "list_all_nimble_contacts_search"
GET = "get_single_nimble_contact_by_id"


@dataclass
class Resolution:
    """The outcome of a lookup: ``found`` (one contact), ``ambiguous`` or ``not_found``."""

    status: str
    record: Record | None = None
    matched_on: list[str] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def contact_id(self) -> str | None:
        """The id of the contact found, if exactly one was."""
        return str(self.record["id"]) if self.record is not None else None


def resolve_contact(
    *, contact_id: str | None = None, email: str | None = None, phone: str | None = None, country: str | None = None
) -> Steps[Resolution]:
    """Find the contact with ``contact_id``, or the one whose email (else phone) matches.

    ``email`` must already be normalised and ``phone`` be E.164 (see ``_keys``). Email is the
    stronger key: when it matches one contact, phone matches elsewhere do not make it ambiguous.
    """
    if contact_id is not None:
        result = yield GET, {"id": contact_id}
        record = single_record(result.result, "contact", contact_id)  # an empty answer: NotFoundError
        return Resolution("found", record, ["id"], [contact_summary(record)])
    branches: list[dict[str, Any]] = []
    if email:
        branches.append({"email": {"is": email}})
    if phone:
        branches.append({"phone": {"in": list(phone_search_forms(phone))}})
    if not branches:
        raise ValueError("resolve_contact needs contact_id, email or phone")
    query = branches[0] if len(branches) == 1 else {"or": branches}
    page = yield SEARCH, {"query": query, "limit": 100}
    hits: list[tuple[Record, list[str]]] = []
    for record in page.result:
        keys = []
        if email and email in {_email(v) for v in field_values(record, "email")}:
            keys.append("email")
        if phone and phone in {try_normalise_phone(v, country) for v in field_values(record, "phone")}:
            keys.append("phone")
        if keys:
            hits.append((record, keys))
    candidates = [{**contact_summary(r), "matched_on": keys} for r, keys in hits]
    for kind in ("email", "phone"):
        tier = [(r, keys) for r, keys in hits if kind in keys]
        if len(tier) == 1:
            return Resolution("found", tier[0][0], tier[0][1], candidates)
        if len(tier) > 1:
            return Resolution("ambiguous", None, [kind], candidates)
    return Resolution("not_found")


def _email(value: str) -> str | None:
    try:
        return normalise_email(value)
    except ValueError:
        return None
