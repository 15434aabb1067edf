"""A contact's timeline (proceedings) and the kinds of entries it can hold."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .._envelope import NextPageArgsPaging
from .._operation import NimbleId, Operation, Params
from ._shared import PagedParams

ProceedingType = Literal[
    "contact_note", "contact_attachment", "message", "webform_response", "task", "call", "event", "deal", "new_deal"
]


class ProceedingsParams(PagedParams):
    contact_id: NimbleId = Field(description="Contact id.")
    direction: Literal["past", "pending"] = Field(description="past: history, newest first; pending: upcoming.")
    types: list[ProceedingType] | None = Field(
        default=None, description="Only these kinds (see nimble_contacts_proceeding_providers)."
    )
    completed: bool | None = Field(default=None, description="true: only completed items; false: only open ones.")
    notes_search: str | None = Field(
        default=None, serialization_alias="notes__search_query", description="Only notes containing this text."
    )


class NoParams(Params):
    """No arguments."""


OPERATIONS = (
    Operation(
        name="nimble_contacts_proceedings",
        description=(
            "A contact's timeline, its history or upcoming items: notes, messages, tasks, calls, events, deals."
        ),
        params=ProceedingsParams,
        resource="contacts",
        method="GET",
        path="/api/v1/contacts/{contact_id}/proceedings",
        read_only=True,
        idempotent=True,
        paging=NextPageArgsPaging(items_key="proceedings", allowed=frozenset({"next_tstamp", "next_id"})),
    ),
    Operation(
        name="nimble_contacts_proceeding_providers",
        description=(
            "List the kinds of timeline entries (proceeding providers and their type ids) this user can see, "
            "for the types filter of nimble_contacts_proceedings."
        ),
        params=NoParams,
        resource="contacts",
        method="GET",
        path="/api/v1/contacts/proceedings_providers",
        read_only=True,
        idempotent=True,
    ),
)
