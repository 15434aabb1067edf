"""Activities (tasks, events, calls) across contacts and deals: ``GET /api/v1/activities``."""

from __future__ import annotations

from .._operation import Operation
from .._paging import NextPageArgsPaging

RESOURCE = "activities"
MODELS = "nimble_tools.catalog.params.activities"


OPERATIONS = (
    Operation(
        name="list_all_nimble_activities",
        title="List activities",
        description=(
            "List the account's activities (tasks, events, calls), open and upcoming or past, by contact, deal, "
            "assignee, type or tag. For one contact's whole history use nimble_contacts_proceedings."
        ),
        params=f"{MODELS}:ListActivitiesParams",
        method="GET",
        path="/api/v1/activities",
        paging=NextPageArgsPaging(items_key="activities", allowed=frozenset({"next_tstamp", "next_activity_id"})),
        example={"direction": "pending"},
    ),
)
