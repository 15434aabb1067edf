"""A contact's timeline (proceedings) and the providers of its entries."""

from __future__ import annotations

from typing import Any

from .._cursor import cursor_page
from .._http import ApiError, Router, SandboxRequest
from .._search import fold
from .activities import direction_and_limit, ordered_tasks
from .contacts import get_contact, split_escaped

router = Router()

PROVIDERS: list[dict[str, Any]] = [
    {
        "provider_id": "notes",
        "name": "Notes",
        "types": [
            {"type_id": "contact_note", "type_name": "Note"},
            {"type_id": "contact_attachment", "type_name": "Attachment"},
        ],
    },
    {"provider_id": "messages", "name": "Messages", "types": [{"type_id": "message", "type_name": "Message"}]},
    {
        "provider_id": "activities",
        "name": "Activities",
        "types": [
            {"type_id": "task", "type_name": "Task"},
            {"type_id": "call", "type_name": "Call"},
            {"type_id": "event", "type_name": "Event"},
        ],
    },
    {
        "provider_id": "deals",
        "name": "Deals",
        "types": [{"type_id": "deal", "type_name": "Deal"}, {"type_id": "new_deal", "type_name": "Deal"}],
    },
    {"provider_id": "webforms", "name": "Web forms", "types": [{"type_id": "webform_response", "type_name": "Form"}]},
]
TYPE_IDS = {t["type_id"] for p in PROVIDERS for t in p["types"]}
TYPE_NAMES = {t["type_id"]: t["type_name"] for p in PROVIDERS for t in p["types"]}


@router.route("GET", "/api/v1/contacts/proceedings_providers")
def providers(request: SandboxRequest) -> Any:
    return {"providers": PROVIDERS}


def _proceeding(kind: str, object_id: str, name: str, description: str, when: str, details: Any) -> dict[str, Any]:
    return {
        "proceeding_id": f"{kind}|{object_id}",
        "proceeding_type": {"type_id": kind, "type_name": TYPE_NAMES[kind]},
        "name": name,
        "description": description,
        "feed_tstamp": when,
        "details": details,
    }


@router.route("GET", "/api/v1/contacts/{contact_id}/proceedings")
def list_proceedings(request: SandboxRequest) -> Any:
    contact = get_contact(request, request.path_params["contact_id"])
    direction, limit = direction_and_limit(request, limit_required=True)
    types = set(split_escaped(request.arg("types") or "")) or set(TYPE_IDS)
    unknown = types - TYPE_IDS
    if unknown:
        raise ApiError.validation(f"Unknown proceeding types: {sorted(unknown)}", {"types": {"message": "invalid"}})
    entries: list[dict[str, Any]] = []
    if "contact_note" in types and direction == "past":
        search = fold(request.arg("notes__search_query") or "")
        notes = [n for n in request.st.table("contact_notes").values() if contact["id"] in n["contact_ids"]]
        for note in sorted(notes, key=lambda n: (n["created"], n["id"]), reverse=True):
            if search and search not in fold(note["note"] + " " + note["note_preview"]):
                continue
            entries.append(
                _proceeding("contact_note", note["id"], "Note", note["note_preview"], note["created"], {"note": note})
            )
    if "task" in types:
        tasks = [t for t in request.st.table("tasks").values() if contact["id"] in t["contacts"]]
        if request.arg("completed") is not None:
            done = request.flag("completed")
            tasks = [t for t in tasks if (t["completed_time"] is not None) == done]
        for task in ordered_tasks(tasks, direction):
            when = task["completed_time"] or task["due_date"] or task["created"]
            entries.append(
                _proceeding("task", task["id"], task["subject"], task["notes"] or "", when, {"task_id": task["id"]})
            )
    entries.sort(key=lambda e: e["feed_tstamp"], reverse=direction == "past")
    page, next_page = cursor_page(
        request,
        entries,
        id_of=lambda e: e["proceeding_id"],
        tstamp_of=lambda e: e["feed_tstamp"],
        id_arg="next_id",
        limit=limit,
    )
    return {"proceedings": page, "next_page": next_page}
