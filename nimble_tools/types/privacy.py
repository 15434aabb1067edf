"""Nimble's privacy object: who may read and who may edit a record."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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
