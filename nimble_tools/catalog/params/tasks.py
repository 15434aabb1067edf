"""Parameter models of ``nimble_tools.catalog.tasks``, imported when one of its operations first needs one."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..._operation import NimbleId, Params

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


class TaskRelated(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contacts: list[NimbleId] | None = Field(default=None, description="Contact ids the task is about.")
    deals: list[NimbleId] | None = Field(default=None, description="Deal ids the task is about.")


DateTimeText = Annotated[str, Field(description="YYYY-MM-DD or ISO 8601 date-time.")]


class CreateTaskParams(Params):
    subject: str = Field(min_length=1, description="What to do.")
    due_date: DateTimeText | None = None
    notes: str | None = Field(default=None, description="Details.")
    assigned_to: NimbleId | None = Field(default=None, description="User id; default you.")
    related: TaskRelated | None = Field(default=None, description="Contacts and deals to link.")
    tags: list[str] | None = Field(default=None, description="Tags for the task.")
    is_important: bool | None = Field(default=None, description="Flag the task as important.")
    completed_time: DateTimeText | None = Field(default=None, description="Set to log an already done task.")

    @field_validator("due_date", "completed_time")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value is not None and not _DATE.match(value):
            raise ValueError(f"{value!r} is not YYYY-MM-DD or an ISO 8601 date-time such as 2025-06-01T09:00:00Z")
        return value
