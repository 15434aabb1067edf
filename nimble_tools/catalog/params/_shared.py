"""Parameter pieces shared by several catalog modules."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..._operation import CONTROL, Params

__all__ = ["PagedParams", "RecordType"]

RecordType = Literal["person", "company"]


class PagedParams(Params):
    """``limit`` and ``next_cursor``: the same paging arguments for every list operation."""

    limit: Annotated[int | None, CONTROL] = Field(default=None, ge=1, le=100, description="Page size.")
    next_cursor: Annotated[str | None, CONTROL] = Field(default=None, description="From the previous page.")
