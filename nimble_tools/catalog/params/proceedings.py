"""Parameter models of ``nimble_tools.catalog.proceedings``, imported when one of its operations first needs one."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..._operation import NimbleId, Params
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
