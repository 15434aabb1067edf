"""Deal notes: create, update, delete (``/api/v2/deals/{deal_id}/notes``).

Deal notes are titled notes of their own, separate from contact notes. Nimble has no route that
lists them; the id a create returns is the way to address a note later.
"""

from __future__ import annotations

from .._operation import Operation
from ._examples import ID, ID2

RESOURCE = "deal_notes"
MODELS = "nimble_tools.catalog.params.deal_notes"


OPERATIONS = (
    Operation(
        name="create_a_nimble_deal_note",
        title="Add a note to a deal",
        description=("Add a titled note to a deal. Returns it with its note_id: keep it, deal notes cannot be listed."),
        params=f"{MODELS}:CreateNoteParams",
        method="POST",
        path="/api/v2/deals/{deal_id}/notes",
        example={"deal_id": ID, "title": "Call"},
    ),
    Operation(
        name="update_a_nimble_deal_note_by_id",
        title="Change a deal note",
        description="Change a deal note's title or text.",
        params=f"{MODELS}:UpdateNoteParams",
        method="PUT",
        path="/api/v2/deals/{deal_id}/notes/{id}",
        example={"deal_id": ID, "id": ID2, "body": "x"},
    ),
    Operation(
        name="delete_a_nimble_deal_note_by_id",
        title="Delete a deal note",
        description="Permanently delete a note from a deal.",
        params=f"{MODELS}:NoteIdParams",
        method="DELETE",
        path="/api/v2/deals/{deal_id}/notes/{id}",
        example={"deal_id": ID, "id": ID2},
    ),
)
