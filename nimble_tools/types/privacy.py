"""Nimble's privacy object: who may read and who may edit a record."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_serializer

__all__ = ["Principals", "Privacy"]


class Principals(BaseModel):
    """Users and groups granted a right; both lists empty means only the owner."""

    model_config = ConfigDict(extra="forbid")

    user_ids: list[str] = Field(description="Nimble user ids.")
    group_ids: list[str] = Field(description="Nimble group ids.")


class Privacy(BaseModel):
    """``read`` and ``edit`` rights; null for either means everyone."""

    model_config = ConfigDict(extra="forbid")

    read: Principals | None = Field(description="Who may see it; null = everyone.")
    edit: Principals | None = Field(description="Who may edit it (and so see it); null = everyone.")

    @model_serializer(mode="plain")
    def wire(self) -> dict[str, Any]:
        """Both keys, always: Nimble reads a missing one as "not specified", null as "everyone"."""
        return {
            "read": self.read.model_dump() if self.read else None,
            "edit": self.edit.model_dump() if self.edit else None,
        }
