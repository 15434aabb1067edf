"""Parameter models of ``nimble_tools.catalog.contact_tags``, imported when one of its operations first needs one."""

from __future__ import annotations

from pydantic import Field, field_validator

from ..._operation import NimbleId, Params


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
