"""Activities: ``GET /api/v1/activities`` (the sandbox's activities are its tasks)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._contacts import short_contact
from .._cursor import cursor_page
from .._http import ApiError, Router, SandboxRequest
from .._state import SandboxState
from .._users import full_user
from .contacts import split_escaped

router = Router()

TASK_TYPE = {
    "type_id": "task",
    "type_name": "Task",
    "logo_id": "task",
    "can_update_lc": False,
    "can_update_definition": False,
    "archived": False,
}


def render_activity(state: SandboxState, task: Mapping[str, Any]) -> dict[str, Any]:
    """``Activities.Activity`` for a task."""
    table = state.table("contacts")
    owner = state.users.get(task["owner_id"], state.me)
    assignee = state.users.get(task["assigned_to"] or "", owner)
    return {
        "activity_id": task["id"],
        "activity_type": dict(TASK_TYPE),
        "name": task["subject"],
        "description": task["notes"] or "",
        "assigned_to": full_user(assignee, task["created"]),
        "owner": full_user(owner, task["created"]),
        "related_contacts": [short_contact(table[c]) for c in task["contacts"] if c in table],
        "new_related_deals": [],
        "scheduled_tstamp": task["due_date"],
        "completed_tstamp": task["completed_time"],
        "feed_tstamp": task["completed_time"] or task["due_date"] or task["created"],
        "priority": "high" if task["is_important"] else "medium",
        "comments": [],
        "tags": list(task["tags"]),
        "is_important": task["is_important"],
        "created": task["created"],
        "details": {"notes": task["notes"]},
        "related_sequence": None,
    }


def ordered_tasks(tasks: list[dict[str, Any]], direction: str) -> list[dict[str, Any]]:
    """pending: open tasks, soonest due first; past: completed tasks, latest first."""
    if direction == "pending":
        open_tasks = [t for t in tasks if t["completed_time"] is None]
        return sorted(open_tasks, key=lambda t: (t["due_date"] is None, t["due_date"] or "", t["id"]))
    done = [t for t in tasks if t["completed_time"] is not None]
    return sorted(done, key=lambda t: (t["completed_time"], t["id"]), reverse=True)


def direction_and_limit(request: SandboxRequest, *, limit_required: bool) -> tuple[str, int]:
    direction = request.arg("direction")
    if direction not in ("pending", "past"):
        raise ApiError.validation("direction must be pending or past", {"direction": {"message": "required"}})
    if limit_required and request.arg("limit") is None:
        raise ApiError.validation("limit is required", {"limit": {"message": "required"}})
    limit = request.int_arg("limit", 20)
    if limit < 1:
        raise ApiError.validation("limit must be 1 or more", {"limit": {"message": "out of range"}})
    return direction, limit


@router.route("GET", "/api/v1/activities")
def list_activities(request: SandboxRequest) -> Any:
    direction, limit = direction_and_limit(request, limit_required=False)
    tasks = list(request.st.table("tasks").values())
    types = split_escaped(request.arg("types") or "")
    if types and "task" not in types:
        tasks = []
    for arg, key in (("contacts", "contacts"), ("deals", "deals")):
        wanted = set(split_escaped(request.arg(arg) or ""))
        if wanted:
            tasks = [t for t in tasks if wanted & set(t[key])]
    users = set(split_escaped(request.arg("users") or ""))
    if users:
        tasks = [t for t in tasks if t["assigned_to"] in users]
    tags = set(split_escaped(request.arg("tags") or ""))
    if tags:
        tasks = [t for t in tasks if tags & set(t["tags"])]
    if request.arg("completed") is not None:
        done = request.flag("completed")
        tasks = [t for t in tasks if (t["completed_time"] is not None) == done]
    ordered = ordered_tasks(tasks, direction)
    activities = [render_activity(request.st, t) for t in ordered]
    page, next_page = cursor_page(
        request,
        activities,
        id_of=lambda a: a["activity_id"],
        tstamp_of=lambda a: str(a["feed_tstamp"]),
        id_arg="next_activity_id",
        limit=limit,
    )
    meta = {"total": len(activities)} if request.flag("include_total") else {}
    return {"activities": page, "next_page": next_page, "meta": meta}
