"""Contact tags: set a contact's whole tag set (``PUT /api/v1/contacts/{id}/tags``)."""

from __future__ import annotations

from .._operation import Operation
from ._examples import ID
from ._previews import assign_tags_preview

RESOURCE = "contacts"
MODELS = "nimble_tools.catalog.params.contact_tags"


OPERATIONS = (
    Operation(
        name="nimble_contacts_assign_tags",
        title="Replace a contact's tags",
        description=(
            "Set a contact's tags, REPLACING the whole set (tags not listed are removed); returns the contact. "
            "To add a tag, send the current tags plus the new one."
        ),
        params=f"{MODELS}:AssignTagsParams",
        method="PUT",
        path="/api/v1/contacts/{id}/tags",
        destructive=True,  # the whole set is replaced: tags left out are gone
        preview=assign_tags_preview,
        example={"id": ID, "tags": ["vip"]},
    ),
)
