"""Tasks: ``POST /api/v1/tasks``; tasks also feed activities and contact timelines."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .._contacts import contacts_by_ids, short_contact
from .._http import ApiError, Router, SandboxRequest
from .._state import SandboxState
from .._users import short_user

router = Router()

Record = dict[str, Any]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def _when(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.match(value):
        raise ApiError.validation(f"Can't parse value {value!r} as DATE-TIME", {f"/{key}": {"message": "bad date"}})
    return value


def due_text(due: str | None) -> str | None:
    """Nimble's short due-date text, e.g. ``Jun 01``."""
    if not due:
        return None
    return datetime.fromisoformat(due[:10]).strftime("%b %d")


def render_task(state: SandboxState, task: Mapping[str, Any]) -> Record:
    """``Tasks.Task``."""
    users = state.users
    table = state.table("contacts")
    assignee = users.get(task["assigned_to"]) if task["assigned_to"] else None
    return {
        "version": 2,
        "id": task["id"],
        "subject": task["subject"],
        "notes": task["notes"],
        "due_date": task["due_date"],
        "due_date_text": due_text(task["due_date"]),
        "completed": task["completed_time"] is not None,
        "completed_time": task["completed_time"],
        "is_important": task["is_important"],
        "starred": task["is_important"],
        "tags": list(task["tags"]),
        "assigned_to": short_user(assignee) if assignee else None,
        "owner_id": task["owner_id"],
        "owner": short_user(users.get(task["owner_id"], state.me)),
        "company_id": state.me["company_id"],
        "comments": [],
        "related_to": list(task["contacts"]),
        "related": {
            "contacts": [short_contact(table[c]) for c in task["contacts"] if c in table],
            "deals": list(task["deals"]),
            "new_deals": [],
            "sequence": None,
        },
        "created": task["created"],
        "updated": task["updated"],
    }


def store_task(state: SandboxState, body: Mapping[str, Any], user_id: str) -> Record:
    """Validate a task specification and store it (409/404 like Nimble)."""
    subject = body.get("subject")
    if not isinstance(subject, str) or not subject.strip():
        raise ApiError.validation("missing required properties: subject", {"/": {"message": "subject is required"}})
    related = body.get("related") or {}
    if not isinstance(related, Mapping):
        raise ApiError.validation("related must be an object", {"/related": {"message": "invalid"}})
    contact_ids = list(dict.fromkeys(related.get("contacts") or []))
    contacts_by_ids(state, contact_ids)  # 404 for an unknown contact
    assigned = body.get("assigned_to") or user_id
    if assigned not in state.users:
        raise ApiError.not_found("user", str(assigned))
    tags = body.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ApiError.validation("tags must be a list of strings", {"/tags": {"message": "invalid"}})
    now = state.timestamp()
    task: Record = {
        "id": state.new_id(),
        "subject": subject.strip(),
        "notes": body.get("notes"),
        "due_date": _when(body.get("due_date"), "due_date"),
        "completed_time": _when(body.get("completed_time"), "completed_time"),
        "assigned_to": assigned,
        "owner_id": user_id,
        "contacts": contact_ids,
        "deals": list(related.get("deals") or []),
        "tags": tags,
        "is_important": bool(body.get("is_important", False)),
        "created": now,
        "updated": now,
    }
    state.table("tasks")[task["id"]] = task
    return task


@router.route("POST", "/api/v1/tasks")
def create_task(request: SandboxRequest) -> Any:
    if "related_to" in (request.json or {}):
        raise ApiError.validation(
            "related_to is not accepted: use related.contacts", {"/related_to": {"message": "not accepted"}}
        )
    body = request.json if isinstance(request.json, Mapping) else {}
    task = store_task(request.st, body, (request.user or request.st.me)["user_id"])
    return 201, render_task(request.st, task)
