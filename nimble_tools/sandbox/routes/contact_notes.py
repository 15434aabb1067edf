"""Contact notes: standalone notes linked to 1 to 10 contacts, listed per contact."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .._contacts import contacts_by_ids, short_contact
from .._http import ApiError, Router, SandboxRequest
from .._users import short_user
from .contacts import get_contact, page_of

router = Router()

Record = dict[str, Any]
MAX_NOTE_CONTACTS = 10
_ID = re.compile(r"^[0-9a-f]{24}$")


def render_note(request: SandboxRequest, note: Mapping[str, Any]) -> Record:
    """``Contacts.ContactNote``."""
    owner = request.st.users.get(note["owner_id"], request.st.me)
    table = request.st.table("contacts")
    return {
        "id": note["id"],
        "note": note["note"],
        "note_preview": note["note_preview"],
        "author_name": owner["name"],
        "owner_id": note["owner_id"],
        "owner": short_user(owner),
        "contacts": [short_contact(table[c]) for c in note["contact_ids"] if c in table],
        "created": note["created"],
        "updated": note["updated"],
    }


def _note(request: SandboxRequest) -> Record:
    note_id = request.path_params["note_id"]
    note = request.st.table("contact_notes").get(note_id)
    if note is None:
        raise ApiError.not_found("note", note_id)
    return note


def _spec(request: SandboxRequest, *, needs_contacts: bool = True) -> tuple[str, str, list[str]]:
    body = request.json if isinstance(request.json, Mapping) else {}
    required = ("contact_ids", "note", "note_preview") if needs_contacts else ("note",)
    missing = [k for k in required if k not in body]
    if missing:
        raise ApiError.validation(
            f"missing required properties: {missing}", {"/": {"message": f"missing required properties: {missing}"}}
        )
    note, preview = body.get("note"), body.get("note_preview", body.get("note"))
    if not isinstance(note, str) or not note.strip() or not isinstance(preview, str):
        raise ApiError.validation("note and note_preview must be non-empty strings", {"/note": {"message": "invalid"}})
    ids: list[str] = []
    if needs_contacts:
        raw_ids = body.get("contact_ids")
        if not isinstance(raw_ids, list) or not all(isinstance(i, str) for i in raw_ids):
            raise ApiError.validation("contact_ids must be a list of ids", {"/contact_ids": {"message": "invalid"}})
        ids = list(dict.fromkeys(raw_ids))
        if not 1 <= len(ids) <= MAX_NOTE_CONTACTS:
            raise ApiError.validation(
                f"Contacts count should be between 1 and {MAX_NOTE_CONTACTS}",
                {"/contact_ids": {"message": f"between 1 and {MAX_NOTE_CONTACTS} contact ids"}},
            )
        contacts_by_ids(request.st, ids)  # 404 for an unknown contact
    return note, preview, ids


def _store(request: SandboxRequest, note_id: str, note: str, preview: str, ids: list[str]) -> Record:
    now = request.st.timestamp()
    record = {
        "id": note_id,
        "note": note,
        "note_preview": preview,
        "contact_ids": ids,
        "owner_id": (request.user or request.st.me)["user_id"],
        "created": now,
        "updated": now,
    }
    request.st.table("contact_notes")[note_id] = record
    return record


@router.route("POST", "/api/v1/contacts/notes")
def create(request: SandboxRequest) -> Any:
    note, preview, ids = _spec(request)
    return 201, render_note(request, _store(request, request.st.new_id(), note, preview, ids))


@router.route("POST", "/api/v1/contacts/notes/{note_id}")
def create_with_id(request: SandboxRequest) -> Any:
    note_id = request.path_params["note_id"]
    if not _ID.match(note_id):
        raise ApiError.validation("note id must be 24 hexadecimal characters", {"note_id": {"message": "invalid"}})
    note, preview, ids = _spec(request)
    if note_id in request.st.table("contact_notes"):
        raise ApiError.validation(f"Note {note_id} already exists", {"note_id": {"message": "already exists"}})
    return 201, render_note(request, _store(request, note_id, note, preview, ids))


@router.route("POST", "/api/v1/contacts/{contact_id}/notes")
def create_for_contact(request: SandboxRequest) -> Any:
    contact = get_contact(request, request.path_params["contact_id"])
    note, preview, _ = _spec(request, needs_contacts=False)
    return 201, render_note(request, _store(request, request.st.new_id(), note, preview, [contact["id"]]))


@router.route("GET", "/api/v1/contacts/{contact_id}/notes")
def list_for_contact(request: SandboxRequest) -> Any:
    contact = get_contact(request, request.path_params["contact_id"])
    notes = [n for n in request.st.table("contact_notes").values() if contact["id"] in n["contact_ids"]]
    notes.sort(key=lambda n: (n["created"], n["id"]), reverse=True)
    page, meta = page_of(request, notes, default_per_page=5)
    return {
        "meta": {**meta, "has_more": meta["page"] < meta["pages"]},
        "resources": [render_note(request, n) for n in page],
    }


@router.route("GET", "/api/v1/contacts/notes/{note_id}")
def get_note(request: SandboxRequest) -> Any:
    return render_note(request, _note(request))


@router.route("PUT", "/api/v1/contacts/notes/{note_id}")
def update(request: SandboxRequest) -> Any:
    record = _note(request)
    note, preview, ids = _spec(request)
    record.update(note=note, note_preview=preview, contact_ids=ids, updated=request.st.timestamp())
    return render_note(request, record)


@router.route("DELETE", "/api/v1/contacts/notes/{note_id}")
def delete(request: SandboxRequest) -> Any:
    record = _note(request)
    del request.st.table("contact_notes")[record["id"]]
    return {"id": record["id"]}
