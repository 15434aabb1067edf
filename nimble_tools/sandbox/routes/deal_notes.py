"""Deal notes: create, update, delete (``/api/v2/deals/{deal_id}/notes``).

Deal notes are titled notes of their own (``Deals.DealNote``), unrelated to contact notes. Nimble
documents no route that lists or reads them, so neither does the sandbox.
"""

from __future__ import annotations

from typing import Any

from .._deals import NOTES, load_deal
from .._http import ApiError, Router, SandboxRequest
from .._payload import json_object, user_of
from .._users import short_user_of

router = Router()


def _title(raw: Any) -> str:
    if not isinstance(raw, str) or not 1 <= len(raw) <= 256:
        raise ApiError.validation("Invalid title", {"/title": {"message": "Title must be 1 to 256 characters"}})
    return raw


def _body(raw: Any) -> str | None:
    if raw is None or isinstance(raw, str):
        return raw
    raise ApiError.validation("Invalid body", {"/body": {"message": "Body must be a string"}})


def _public(request: SandboxRequest, note: dict[str, Any]) -> dict[str, Any]:
    return {
        "note_id": note["note_id"],
        "title": note["title"],
        "body": note["body"] or "",
        "created": note["created"],
        "updated": note["updated"],
        "creator": short_user_of(request.st, note["creator_id"]),
    }


def _note(request: SandboxRequest) -> dict[str, Any]:
    deal = load_deal(request.st, request.path_params["deal_id"], user_of(request), edit=True)
    note: dict[str, Any] | None = request.st.table(NOTES).get(request.path_params["note_id"])
    if note is None or note["deal_id"] != deal["deal_id"]:
        raise ApiError.not_found("note", request.path_params["note_id"])
    return note


@router.route("POST", "/api/v2/deals/{deal_id}/notes")
def create(request: SandboxRequest) -> Any:
    user = user_of(request)
    deal = load_deal(request.st, request.path_params["deal_id"], user, edit=True)
    body = json_object(request)
    now = request.st.timestamp()
    note = {
        "note_id": request.st.new_id(),
        "deal_id": deal["deal_id"],
        "title": _title(body.get("title")),
        "body": _body(body.get("body")),
        "created": now,
        "updated": now,
        "creator_id": user["user_id"],
    }
    request.st.table(NOTES)[note["note_id"]] = note
    return 201, _public(request, note)


@router.route("PUT", "/api/v2/deals/{deal_id}/notes/{note_id}")
def update(request: SandboxRequest) -> Any:
    note = _note(request)
    body = json_object(request)
    if "title" in body:
        note["title"] = _title(body["title"])
    if "body" in body:
        note["body"] = _body(body["body"])
    note["updated"] = request.st.timestamp()
    return _public(request, note)


@router.route("DELETE", "/api/v2/deals/{deal_id}/notes/{note_id}")
def delete(request: SandboxRequest) -> Any:
    note = _note(request)
    del request.st.table(NOTES)[note["note_id"]]
    return None
