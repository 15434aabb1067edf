"""Deal notes: create, update, delete (``/api/v2/deals/{deal_id}/notes``).

Deal notes are titled notes of their own, separate from contact notes. Nimble has no route that
lists them; the id a create returns is the way to address a note later.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from .._operation import NimbleId, Operation, Params
from ._deal_shared import invalid


class CreateNoteParams(Params):
    deal_id: NimbleId = Field(description="Deal id.")
    title: str = Field(min_length=1, max_length=256, description="Title.")
    body: str | None = Field(default=None, max_length=100000, description="Text.")


class UpdateNoteParams(Params):
    deal_id: NimbleId = Field(description="Deal id.")
    id: NimbleId = Field(description="Note id (note_id).")
    title: str | None = Field(default=None, min_length=1, max_length=256, description="New title.")
    body: str | None = Field(default=None, max_length=100000, description="New text.")

    @model_validator(mode="after")
    def _something(self) -> UpdateNoteParams:
        if self.title is None and self.body is None:
            raise invalid("title", "pass a new title, a new body, or both")
        return self


class NoteIdParams(Params):
    deal_id: NimbleId = Field(description="Deal id.")
    id: NimbleId = Field(description="Note id (note_id).")


OPERATIONS = (
    Operation(
        name="create_a_nimble_deal_note",
        description=("Add a titled note to a deal. Returns it with its note_id: keep it, deal notes cannot be listed."),
        params=CreateNoteParams,
        resource="deal_notes",
        method="POST",
        path="/api/v2/deals/{deal_id}/notes",
    ),
    Operation(
        name="update_a_nimble_deal_note_by_id",
        description="Change a deal note's title or text.",
        params=UpdateNoteParams,
        resource="deal_notes",
        method="PUT",
        path="/api/v2/deals/{deal_id}/notes/{id}",
        idempotent=True,
    ),
    Operation(
        name="delete_a_nimble_deal_note_by_id",
        description="Permanently delete a note from a deal.",
        params=NoteIdParams,
        resource="deal_notes",
        method="DELETE",
        path="/api/v2/deals/{deal_id}/notes/{id}",
        destructive=True,
        idempotent=True,
    ),
)
