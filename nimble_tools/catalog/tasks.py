"""Tasks: ``POST /api/v1/tasks``."""

from __future__ import annotations

from .._operation import Operation

RESOURCE = "tasks"
MODELS = "nimble_tools.catalog.params.tasks"


OPERATIONS = (
    Operation(
        name="create_a_nimble_task",
        title="Create a task",
        description=(
            "Create a task: a to-do with an optional due date, linked to contacts or deals. Not idempotent. To "
            "list tasks use list_all_nimble_activities."
        ),
        params=f"{MODELS}:CreateTaskParams",
        method="POST",
        path="/api/v1/tasks",
        example={"subject": "Call Ann"},
    ),
)
