"""Parameter models of ``nimble_tools.catalog.deal_notes``, imported when one of its operations first needs one."""

from __future__ import annotations

from pydantic import Field, model_validator

from ..._operation import NimbleId, Params
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
