"""Contact tags: set a contact's whole tag set (``PUT /api/v1/contacts/{id}/tags``)."""

from __future__ import annotations

from pydantic import Field, field_validator

from .._operation import NimbleId, Operation, Params
from ._previews import assign_tags_preview


class AssignTagsParams(Params):
    id: NimbleId = Field(description="Contact id.")
    tags: list[str] = Field(description="The full new list; [] removes every tag.")

    @field_validator("tags")
    @classmethod
    def _clean(cls, tags: list[str]) -> list[str]:
        cleaned = [t.strip() for t in tags]
        if any(not t for t in cleaned):
            raise ValueError("a tag is empty: remove it")
        return list(dict.fromkeys(cleaned))  # Nimble keeps a set; drop repeats but keep the order


OPERATIONS = (
    Operation(
        name="nimble_contacts_assign_tags",
        description=(
            "Set a contact's tags, REPLACING the whole set (tags not listed are removed); returns the contact. "
            "To add a tag, send the current tags plus the new one."
        ),
        params=AssignTagsParams,
        resource="contacts",
        method="PUT",
        path="/api/v1/contacts/{id}/tags",
        destructive=True,  # the whole set is replaced: tags left out are gone
        idempotent=True,
        preview=assign_tags_preview,
    ),
)
