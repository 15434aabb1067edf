"""Contact notes: one note linked to 1 to 10 contacts (``/api/v1/contacts/notes``)."""

from __future__ import annotations

import re
from html import unescape

from pydantic import Field, field_validator, model_validator

from .._envelope import PagePaging
from .._operation import NimbleId, Operation, Params
from ..projections import COMPACT_TAG
from ._shared import PagedParams

MAX_NOTE_CONTACTS = 10


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


OPERATIONS = (
    Operation(
        name="list_all_nimble_contact_notes",
        description="List a contact's notes, newest first, with their text and linked contacts.",
        params=ListNotesParams,
        resource="contact_notes",
        method="GET",
        path="/api/v1/contacts/{contact_id}/notes",
        read_only=True,
        idempotent=True,
        paging=PagePaging(items_key="resources", default_limit=5),
        tags=(COMPACT_TAG,),
    ),
    Operation(
        name="create_a_nimble_contact_note",
        description=(
            f"Create a note linked to 1 to {MAX_NOTE_CONTACTS} contacts, e.g. a meeting summary (for one contact, "
            "nimble_contact_notes_create_for_contact is simpler). Notes do not change 'last contacted'. Not "
            "idempotent."
        ),
        params=LinkedNoteBody,
        resource="contact_notes",
        method="POST",
        path="/api/v1/contacts/notes",
    ),
    Operation(
        name="nimble_contact_notes_create_for_contact",
        description="Add a note to one contact's record. Not idempotent.",
        params=ContactNoteParams,
        resource="contact_notes",
        method="POST",
        path="/api/v1/contacts/{contact_id}/notes",
    ),
    Operation(
        name="nimble_contact_notes_create_with_id",
        description=(
            "Create a contact note under an id you choose (24 hex characters), so a retry cannot duplicate it: it "
            f"fails if the id exists. Links 1 to {MAX_NOTE_CONTACTS} contacts."
        ),
        params=NoteWithIdParams,
        resource="contact_notes",
        method="POST",
        path="/api/v1/contacts/notes/{id}",
    ),
    Operation(
        name="get_single_nimble_contact_note_by_id",
        description="Get a contact note by id: its full text, preview, author and linked contacts.",
        params=NoteIdParams,
        resource="contact_notes",
        method="GET",
        path="/api/v1/contacts/notes/{id}",
        read_only=True,
        idempotent=True,
    ),
    Operation(
        name="update_a_nimble_contact_note_by_id",
        description=(
            "Rewrite a contact note, replacing it whole: send the full text and all contact_ids "
            f"(1 to {MAX_NOTE_CONTACTS}), even if unchanged."
        ),
        params=NoteWithIdParams,
        resource="contact_notes",
        method="PUT",
        path="/api/v1/contacts/notes/{id}",
        idempotent=True,
    ),
    Operation(
        name="delete_a_nimble_contact_note_by_id",
        description="Permanently delete a contact note by id, from every contact it is linked to.",
        params=NoteIdParams,
        resource="contact_notes",
        method="DELETE",
        path="/api/v1/contacts/notes/{id}",
        destructive=True,
        idempotent=True,
    ),
)
