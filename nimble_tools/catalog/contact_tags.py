"""Contact tags: set a contact's whole tag set (``PUT /api/v1/contacts/{id}/tags``)."""

from __future__ import annotations

from pydantic import Field, field_validator

from .._operation import NimbleId, Operation, Params


class AssignTagsParams(Params):
    id: NimbleId = Field(description="Contact id.")
    tags: list[str] = Field(description="The complete new tag list; [] removes every tag.")

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
            "Set a contact's tags. REPLACES the whole tag set: tags not in the list are removed. To add one tag, "
            "read the contact's current tags first and send them all plus the new one. Returns the contact."
        ),
        params=AssignTagsParams,
        resource="contacts",
        method="PUT",
        path="/api/v1/contacts/{id}/tags",
        idempotent=True,
    ),
)
