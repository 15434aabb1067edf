"""Activities (tasks, events, calls) across contacts and deals: ``GET /api/v1/activities``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .._envelope import NextPageArgsPaging
from .._operation import NimbleId, Operation
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


OPERATIONS = (
    Operation(
        name="list_all_nimble_activities",
        description=(
            "List the account's activities (tasks, events, calls), open and upcoming or past, by contact, deal, "
            "assignee, type or tag. For one contact's whole history use nimble_contacts_proceedings."
        ),
        params=ListActivitiesParams,
        resource="activities",
        method="GET",
        path="/api/v1/activities",
        read_only=True,
        idempotent=True,
        paging=NextPageArgsPaging(items_key="activities", allowed=frozenset({"next_tstamp", "next_activity_id"})),
    ),
)
