"""Parameter models of ``nimble_tools.catalog.contact_notes``, imported when one of its operations first needs one."""

from __future__ import annotations

import re
from html import unescape

from pydantic import Field, field_validator, model_validator

from ..._operation import NimbleId, Params
from ..contact_notes import MAX_NOTE_CONTACTS
from ._shared import PagedParams


def plain_preview(note: str, limit: int = 200) -> str:
    """A plain-text preview of an HTML note: tags dropped, entities decoded, spaces collapsed."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", note)).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class NoteBody(Params):
    note: str = Field(min_length=1, description="Text; HTML allowed.")
    note_preview: str | None = Field(default=None, description="Short plain text; null: derived from note.")

    @field_validator("note")
    @classmethod
    def _not_blank(cls, note: str) -> str:
        if not note.strip():
            raise ValueError("the note is empty: write some text")
        return note

    @model_validator(mode="after")
    def _preview(self) -> NoteBody:
        if self.note_preview is None:
            self.note_preview = plain_preview(self.note) or self.note[:200]
        return self


class LinkedNoteBody(NoteBody):
    contact_ids: list[NimbleId] = Field(description=f"1 to {MAX_NOTE_CONTACTS} contact ids the note belongs to.")

    @field_validator("contact_ids")
    @classmethod
    def _count(cls, ids: list[str]) -> list[str]:
        unique = list(dict.fromkeys(ids))
        if not unique:
            raise ValueError("a note needs at least one contact id (Nimble has no notes without contacts)")
        if len(unique) > MAX_NOTE_CONTACTS:
            raise ValueError(
                f"{len(unique)} contacts given, a note links at most {MAX_NOTE_CONTACTS}: create one note per group "
                f"of {MAX_NOTE_CONTACTS}"
            )
        return unique


class NoteIdParams(Params):
    id: NimbleId = Field(description="Note id.")


class NoteWithIdParams(LinkedNoteBody):
    id: NimbleId = Field(description="Note id.")


class ContactNoteParams(NoteBody):
    contact_id: NimbleId = Field(description="Contact id.")


class ListNotesParams(PagedParams):
    contact_id: NimbleId = Field(description="Contact id.")
