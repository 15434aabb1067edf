"""Parameter pieces shared by several catalog modules."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .._operation import CONTROL, Params

__all__ = ["FieldValue", "PagedParams", "RecordType"]

RecordType = Literal["person", "company"]


class FieldValue(BaseModel):
    """One value of a contact field, in Nimble's write form."""

    model_config = ConfigDict(extra="forbid")

    value: str | None = Field(description="The value; null clears this field+modifier on update.")
    modifier: str = Field(
        default="",
        description="Kind of value, e.g. work, home, mobile, personal; empty for fields without modifiers.",
    )
    is_primary: bool | None = Field(default=None, description="Mark as the primary value of the field.")


class PagedParams(Params):
    """``limit`` and ``next_cursor``: the same paging arguments for every list operation."""

    limit: Annotated[int | None, CONTROL] = Field(default=None, ge=1, le=100, description="Page size.")
    next_cursor: Annotated[str | None, CONTROL] = Field(default=None, description="From the previous page.")
