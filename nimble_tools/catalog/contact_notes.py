"""Contact notes: one note linked to 1 to 10 contacts (``/api/v1/contacts/notes``)."""

from __future__ import annotations

from .._operation import Operation
from .._paging import PagePaging
from ..projections import COMPACT_TAG
from ._examples import ID, ID2

RESOURCE = "contact_notes"
MODELS = "nimble_tools.catalog.params.contact_notes"


MAX_NOTE_CONTACTS = 10


OPERATIONS = (
    Operation(
        name="list_all_nimble_contact_notes",
        title="List a contact's notes",
        description="List a contact's notes, newest first, with their text and linked contacts.",
        params=f"{MODELS}:ListNotesParams",
        method="GET",
        path="/api/v1/contacts/{contact_id}/notes",
        paging=PagePaging(items_key="resources", default_limit=5),
        tags=(COMPACT_TAG,),
        example={"contact_id": ID},
    ),
    Operation(
        name="create_a_nimble_contact_note",
        title="Create a note on contacts",
        description=(
            f"Create a note linked to 1 to {MAX_NOTE_CONTACTS} contacts, e.g. a meeting summary (for one contact, "
            "nimble_contact_notes_create_for_contact is simpler). Notes do not change 'last contacted'. Not "
            "idempotent."
        ),
        params=f"{MODELS}:LinkedNoteBody",
        method="POST",
        path="/api/v1/contacts/notes",
        example={"contact_ids": [ID], "note": "Called"},
    ),
    Operation(
        name="nimble_contact_notes_create_for_contact",
        title="Add a note to a contact",
        description="Add a note to one contact's record. Not idempotent.",
        params=f"{MODELS}:ContactNoteParams",
        method="POST",
        path="/api/v1/contacts/{contact_id}/notes",
        example={"contact_id": ID, "note": "Called"},
    ),
    Operation(
        name="nimble_contact_notes_create_with_id",
        title="Create a note with a chosen id",
        description=(
            "Create a contact note under an id you choose (24 hex characters), so a retry cannot duplicate it: it "
            f"fails if the id exists. Links 1 to {MAX_NOTE_CONTACTS} contacts."
        ),
        params=f"{MODELS}:NoteWithIdParams",
        method="POST",
        path="/api/v1/contacts/notes/{id}",
        example={"id": ID2, "contact_ids": [ID], "note": "Called"},
    ),
    Operation(
        name="get_single_nimble_contact_note_by_id",
        title="Read a contact note",
        description="Get a contact note by id: its full text, preview, author and linked contacts.",
        params=f"{MODELS}:NoteIdParams",
        method="GET",
        path="/api/v1/contacts/notes/{id}",
        example={"id": ID},
    ),
    Operation(
        name="update_a_nimble_contact_note_by_id",
        title="Rewrite a contact note",
        description=(
            "Rewrite a contact note, replacing it whole: send the full text and all contact_ids "
            f"(1 to {MAX_NOTE_CONTACTS}), even if unchanged."
        ),
        params=f"{MODELS}:NoteWithIdParams",
        method="PUT",
        path="/api/v1/contacts/notes/{id}",
        example={"id": ID, "contact_ids": [ID], "note": "Called"},
    ),
    Operation(
        name="delete_a_nimble_contact_note_by_id",
        title="Delete a contact note",
        description="Permanently delete a contact note by id, from every contact it is linked to.",
        params=f"{MODELS}:NoteIdParams",
        method="DELETE",
        path="/api/v1/contacts/notes/{id}",
        example={"id": ID},
    ),
)
