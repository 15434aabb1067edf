"""Nimble's privacy object: who may read and who may edit a record."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_serializer

from ._schema import model_facing

__all__ = ["Principals", "Privacy"]


class Principals(BaseModel):
    """Users and groups granted a right; both lists empty means only the owner."""

    model_config = ConfigDict(
        extra="forbid", defer_build=True, json_schema_extra=model_facing("Both empty: the owner only.")
    )

    user_ids: list[str] = Field(description="User ids.")
    group_ids: list[str] = Field(description="Group ids.")


class Privacy(BaseModel):
    """``read`` and ``edit`` rights; null for either means everyone."""

    model_config = ConfigDict(extra="forbid", defer_build=True, json_schema_extra=model_facing(None))

    read: Principals | None = Field(description="Who may see it; null: everyone.")
    edit: Principals | None = Field(description="Who may edit (and see) it; null: everyone.")

    @model_serializer(mode="plain")
    def wire(self) -> dict[str, Any]:
        """Both keys, always: Nimble reads a missing one as "not specified", null as "everyone"."""
        return {
            "read": self.read.model_dump() if self.read else None,
            "edit": self.edit.model_dump() if self.edit else None,
        }
