"""Parameter models of ``nimble_tools.catalog.activities``, imported when one of its operations first needs one."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..._operation import NimbleId
from ._shared import PagedParams


class ListActivitiesParams(PagedParams):
    direction: Literal["past", "pending"] = Field(description="pending: upcoming and open; past: done or overdue.")
    types: list[str] | None = Field(default=None, description="Activity type ids, e.g. ['task'].")
    contacts: list[NimbleId] | None = Field(default=None, description="Only activities of these contacts.")
    deals: list[NimbleId] | None = Field(default=None, description="Only activities of these deals.")
    users: list[NimbleId] | None = Field(default=None, description="Only activities assigned to these users.")
    completed: bool | None = Field(default=None, description="true: completed only; false: open only.")
    tags: list[str] | None = Field(default=None, description="Only activities with any of these tags.")
    include_total: bool | None = Field(default=None, description="true: add meta.total (slower).")
