"""A contact's timeline (proceedings) and the kinds of entries it can hold."""

from __future__ import annotations

from .._operation import Operation
from .._paging import NextPageArgsPaging
from ._examples import ID

RESOURCE = "contacts"
MODELS = "nimble_tools.catalog.params.proceedings"


OPERATIONS = (
    Operation(
        name="nimble_contacts_proceedings",
        title="Read a contact's timeline",
        description=(
            "A contact's timeline, its history or upcoming items: notes, messages, tasks, calls, events, deals."
        ),
        params=f"{MODELS}:ProceedingsParams",
        method="GET",
        path="/api/v1/contacts/{contact_id}/proceedings",
        paging=NextPageArgsPaging(items_key="proceedings", allowed=frozenset({"next_tstamp", "next_id"})),
        example={"contact_id": ID, "direction": "past"},
    ),
    Operation(
        name="nimble_contacts_proceeding_providers",
        title="List timeline entry kinds",
        description=(
            "List the kinds of timeline entries (proceeding providers and their type ids) this user can see, "
            "for the types filter of nimble_contacts_proceedings."
        ),
        params=f"{MODELS}:NoParams",
        method="GET",
        path="/api/v1/contacts/proceedings_providers",
        example={},
    ),
)
