"""Contacts: list, ids, search, read, create, update, delete, bulk delete, tags, primary marks."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from .._contacts import apply_fields, new_contact, render_contact, require_name, validate_fields
from .._fields import layout_of
from .._http import ApiError, Router, SandboxRequest
from .._index import contact_pool
from .._search import compile_query, fold, parse_query

router = Router()

Record = dict[str, Any]
MAX_STANDARD_IDS = 30
MAX_TAGS_ON_CREATE = 5
CONTEXTS = ("last_contacted_data", "employers_data", "leads_data", "sequences_data", "contact_files")


def get_contact(request: SandboxRequest, contact_id: str) -> Record:
    """A stored contact or a 404 ``{object_type: "contact", object_id}``."""
    record = request.st.table("contacts").get(contact_id)
    if record is None:
        raise ApiError.not_found("contact", contact_id)
    return record


def selection_query(request: SandboxRequest) -> Any:
    """The NSE query a request selects by: its ``query``, else keyword and record_type."""
    keyword, raw_query = request.arg("keyword"), request.arg("query")
    if keyword and raw_query:
        raise ApiError.validation(
            "You can specify either `keyword` or `query` parameter, not both!",
            {"keyword": {"message": "keyword and query are mutually exclusive"}},
        )
    query = parse_query(raw_query)
    if query is not None:
        return query  # like Nimble, record_type is ignored when a query is given
    record_type = request.arg("record_type", "all") or "all"
    if record_type not in ("all", "person", "company"):
        raise ApiError.validation(
            "record_type must be person, company or all", {"record_type": {"message": "invalid value"}}
        )
    clauses: list[Any] = [{"record type": {"is": record_type}}]
    if keyword:
        clauses.append({"__any": {"contain": keyword}})
    return {"and": clauses}


def selected_contacts(request: SandboxRequest) -> list[Record]:
    """Contacts matching the request's keyword / query / record_type filters, sorted."""
    query = selection_query(request)
    compiled = compile_query(request.st, query)  # checks the query (409) before the index reads it
    found = [r for r in contact_pool(request.st, query) if compiled.matches(r)]
    return sort_contacts(found, request.arg("sort"))


_SORTABLE = ("created", "updated", "first name", "last name", "company name", "name", "names", "score")


def sort_contacts(records: list[Record], sort: str | None) -> list[Record]:
    """Order by ``field:asc|desc``; newest first by default."""
    newest = sorted(records, key=lambda r: (r["created"], r["id"]), reverse=True)
    if not sort:
        return newest
    field, _, order = sort.partition(":")
    field = field.strip().lower()
    if order not in ("asc", "desc"):
        raise ApiError.validation("sort must be '<field>:asc' or '<field>:desc'", {"sort": {"message": "bad order"}})
    if field not in _SORTABLE:
        raise ApiError.validation(
            f"Field '{field}' can't be used for sorting", {"sort": {"message": f"sortable: {', '.join(_SORTABLE)}"}}
        )
    if field == "score":
        return newest  # no relevance model here: keep the default order
    if field in ("created", "updated"):
        return sorted(records, key=lambda r: (r[field], r["id"]), reverse=order == "desc")

    def key(record: Record) -> str:
        name = "last name" if field in ("name", "names") else field
        if name == "last name" and record["record_type"] == "company":
            name = "company name"
        values = record["fields"].get(name) or []
        return fold(values[0]["value"]) if values else ""

    return sorted(records, key=key, reverse=order == "desc")


def page_of(
    request: SandboxRequest, items: list[Any], *, default_per_page: int = 30, first: int = 1
) -> tuple[list[Any], dict[str, int]]:
    """Slice ``items`` by page/per_page and build Nimble's ``meta`` block."""
    page = request.int_arg("page", first)
    per_page = request.int_arg("per_page", default_per_page)
    if page < first:
        raise ApiError.validation(f"page must be {first} or more", {"page": {"message": "out of range"}})
    if per_page < 1:
        raise ApiError.validation("per_page must be 1 or more", {"per_page": {"message": "out of range"}})
    total = len(items)
    start = (page - first) * per_page
    meta = {"page": page, "pages": math.ceil(total / per_page) if total else 0, "per_page": per_page, "total": total}
    return items[start : start + per_page], meta


def split_escaped(raw: str) -> list[str]:
    """Split a comma-separated list where a backslash-escaped comma is a literal comma."""
    items, current, escaped = [], "", False
    for ch in raw:
        if escaped:
            current, escaped = current + ch, False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            items.append(current.strip())
            current = ""
        else:
            current += ch
    items.append(current.strip())
    return [item for item in items if item]


def _field_filter(request: SandboxRequest) -> set[str] | None:
    raw = request.arg("fields")
    return {name.lower() for name in split_escaped(raw)} if raw else None


def _check_contexts(request: SandboxRequest) -> None:
    unknown = [c for c in split_escaped(request.arg("contexts") or "") if c not in CONTEXTS]
    if unknown:
        raise ApiError.validation(
            f"Unknown contexts: {', '.join(unknown)}", {"contexts": {"message": f"use {', '.join(CONTEXTS)}"}}
        )


def render(request: SandboxRequest, records: Iterable[Record]) -> list[Record]:
    """Contacts as returned, honouring the ``fields`` and ``tags`` arguments."""
    _check_contexts(request)
    only, tags = _field_filter(request), request.flag("tags", True)
    return [render_contact(request.st, r, only_fields=only, tags=tags) for r in records]


@router.route("GET", "/api/v1/contacts/ids")
def list_ids(request: SandboxRequest) -> Any:
    page, meta = page_of(request, selected_contacts(request))
    return {"meta": meta, "resources": [r["id"] for r in page]}


@router.route("GET", "/api/v1/contacts")
def list_contacts(request: SandboxRequest) -> Any:
    page, meta = page_of(request, selected_contacts(request))
    return {"meta": meta, "resources": render(request, page)}


@router.route("DELETE", "/api/v1/contacts")
def bulk_delete(request: SandboxRequest) -> Any:
    doomed = selected_contacts(request)
    ids = [r["id"] for r in doomed]
    if request.flag("preflight_checks"):
        blocked = [r["id"] for r in doomed if not _editable(request, r)]
        if blocked:
            raise ApiError.preflight(
                "non_editable_contacts",
                "Some contacts cannot be updated because of their privacy settings",
                len(blocked),
                {"and": [{"is_editable": {"is": False}}, {"_id": {"in": blocked}}]},
            )
    else:
        ids = [r["id"] for r in doomed if _editable(request, r)]  # without preflight, skip what it may not edit
    table = request.st.table("contacts")
    for contact_id in ids:
        table.pop(contact_id, None)
    _forget_contacts(request, set(ids))
    push = {
        "action": "contacts_removed",
        "object_type": "contact",
        "created": request.st.timestamp(),
        "is_new": True,
        "id": request.st.new_id(),
        "object": {"ids": ids},
    }
    return {"status": "ok", "data": {"ids": ids, "push_data": push}}


def _editable(request: SandboxRequest, record: Mapping[str, Any]) -> bool:
    edit = (record.get("privacy") or {}).get("edit")
    user_id = (request.user or request.st.me)["user_id"]
    return edit is None or record.get("owner_id") == user_id or user_id in edit.get("user_ids", [])


def _forget_contacts(request: SandboxRequest, ids: set[str]) -> None:
    """Unlink deleted contacts from notes (a note left without contacts goes too)."""
    notes = request.st.table("contact_notes")
    for note_id, note in list(notes.items()):
        note["contact_ids"] = [c for c in note["contact_ids"] if c not in ids]
        if not note["contact_ids"]:
            del notes[note_id]


@router.route("GET", "/api/v1/contact")
def get_standard(request: SandboxRequest) -> Any:
    ids = split_escaped(request.arg("id") or "")
    if not ids:
        raise ApiError.validation("id is required", {"id": {"message": "Pass 1 to 30 comma-separated ids"}})
    if len(ids) > MAX_STANDARD_IDS:
        raise ApiError.validation(
            f"Too many ids: at most {MAX_STANDARD_IDS}", {"id": {"message": "At most 30 ids per request"}}
        )
    return _with_meta(request, _existing(request, ids))


@router.route("GET", "/api/v1/contact/{contact_id}")
def get_one(request: SandboxRequest) -> Any:
    return _with_meta(request, _existing(request, request.path_params["contact_id"].split(",")))


def _existing(request: SandboxRequest, ids: list[str]) -> list[Record]:
    """The stored contacts among ``ids``, in order; unknown and deleted ones are left out.

    Like live Nimble: the spec lists only a 200 answer for these reads, and a read after a delete
    answers ``{"resources": []}`` (404 is for PUT and DELETE of a missing contact).
    """
    table = request.st.table("contacts")
    return [record for record in (table.get(i) for i in dict.fromkeys(ids)) if record is not None]


def _with_meta(request: SandboxRequest, records: list[Record]) -> Any:
    body: dict[str, Any] = {"resources": render(request, records)}
    if request.flag("meta"):
        body["contacts_meta"] = layout_of(request.st).render_legacy()
    return body


@router.route("GET", "/api/v1/contacts/metadata")
def contacts_metadata(request: SandboxRequest) -> Any:
    """The deprecated field metadata (``Contacts.FieldsMetadata``), the same as ``contacts_meta``."""
    return layout_of(request.st).render_legacy()


@router.route("POST", "/api/v1/contact")
def create(request: SandboxRequest) -> Any:
    body = request.json if isinstance(request.json, Mapping) else {}
    record_type = body.get("record_type") or body.get("type") or "person"
    if record_type not in ("person", "company"):
        raise ApiError.validation("record_type must be person or company", {"record_type": {"message": "invalid"}})
    if "fields" not in body:
        raise ApiError.validation("fields is required", {"fields": {"message": "required"}})
    fields = validate_fields(request.st, record_type, body["fields"])
    tags = split_escaped(body["tags"]) if isinstance(body.get("tags"), str) else []
    if len(tags) > MAX_TAGS_ON_CREATE:
        raise ApiError.validation(
            f"At most {MAX_TAGS_ON_CREATE} tags on creation", {"tags": {"message": "Too many tags"}}
        )
    privacy = body.get("privacy")
    if privacy is not None and not (isinstance(privacy, Mapping) and {"read", "edit"} <= set(privacy)):
        raise ApiError.validation("privacy needs read and edit", {"/privacy": {"message": "read and edit required"}})
    owner_id = body.get("owner_id", request.st.me_id)
    if owner_id is not None and owner_id not in request.st.users:
        raise ApiError.validation("Unknown owner", {"owner_id": {"message": f"No user {owner_id}"}})
    record = new_contact(
        request.st,
        record_type,
        fields,
        tags=list(dict.fromkeys(tags)),
        owner_id=owner_id,
        avatar_url=body.get("avatar_url"),
        privacy=body.get("privacy"),
        file_ids=body.get("file_ids") or [],
    )
    return render_contact(request.st, record)


@router.route("PUT", "/api/v1/contact/{contact_id}")
def update(request: SandboxRequest) -> Any:
    record = get_contact(request, request.path_params["contact_id"])
    if not _editable(request, record):
        raise ApiError.forbidden("You don't have permission to edit this contact")
    body = request.json if isinstance(request.json, Mapping) else {}
    if not any(k in body for k in ("fields", "avatar_url", "is_important")):
        raise ApiError.validation("Nothing to update", {"/": {"message": "Pass fields, avatar_url or is_important"}})
    replace = (request.arg("type") or request.arg("replace") or "0") == "1"
    if "fields" in body:
        fields = validate_fields(request.st, record["record_type"], body["fields"], contact_id=record["id"])
        candidate = {**record, "fields": {k: [dict(v) for v in vs] for k, vs in record["fields"].items()}}
        apply_fields(request.st, candidate, fields, replace=replace)
        require_name(candidate)  # the update must not leave the contact nameless
        record["fields"] = candidate["fields"]
    if "avatar_url" in body:
        record["avatar_url"] = body["avatar_url"] or ""
    if "is_important" in body:
        record["is_important"] = bool(body["is_important"])
    record["updated"] = request.st.contact_timestamp()
    record["updater"] = (request.user or request.st.me)["name"]
    return render_contact(request.st, record)


@router.route("DELETE", "/api/v1/contact/{contact_id}")
def delete(request: SandboxRequest) -> Any:
    ids = request.path_params["contact_id"].split(",")
    records = [get_contact(request, contact_id) for contact_id in ids]
    if any(not _editable(request, r) for r in records):
        raise ApiError.forbidden("Cannot update the contact because of privacy settings violation")
    for contact_id in ids:
        request.st.table("contacts").pop(contact_id, None)
    _forget_contacts(request, set(ids))
    return None  # 200 with no documented body


@router.route("PUT", "/api/v1/contacts/{contact_id}/tags")
def assign_tags(request: SandboxRequest) -> Any:
    record = get_contact(request, request.path_params["contact_id"])
    if not _editable(request, record):
        raise ApiError.forbidden("Contact is not editable by the privacy setting")
    body = request.json if isinstance(request.json, Mapping) else {}
    tags = body.get("tags")
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise ApiError.validation("tags must be a list of non-empty strings", {"tags": {"message": "invalid"}})
    record["tags"] = list(dict.fromkeys(t.strip() for t in tags))  # replaces the whole set
    record["updated"] = request.st.contact_timestamp()
    return render_contact(request.st, record)


def _primary_target(request: SandboxRequest) -> tuple[Record, list[dict[str, Any]], int]:
    record = get_contact(request, request.path_params["contact_id"])
    body = request.json if isinstance(request.json, Mapping) else {}
    field_id, position = body.get("field_id"), body.get("position")
    if not isinstance(field_id, str) or not isinstance(position, int) or isinstance(position, bool) or position < 0:
        raise ApiError.validation(
            "field_id (string) and position (integer >= 0) are required",
            {"/": {"message": "missing required properties: field_id, position"}},
        )
    definition = layout_of(request.st).field(field_id)
    values = record["fields"].get(definition.name)
    if not values:
        raise ApiError.not_found("contact field", field_id)
    if position >= len(values):
        raise ApiError.validation(
            f"position {position} is out of range: the field has {len(values)} value(s)",
            {"/position": {"message": "out of range"}},
        )
    return record, values, position


@router.route("PUT", "/api/v1/contact/{contact_id}/field")
def set_primary(request: SandboxRequest) -> Any:
    record, values, position = _primary_target(request)
    for index, value in enumerate(values):
        if index == position:
            value["is_primary"] = True
        else:
            value.pop("is_primary", None)
    record["updated"] = request.st.contact_timestamp()
    return None


@router.route("DELETE", "/api/v1/contact/{contact_id}/field")
def unset_primary(request: SandboxRequest) -> Any:
    record, values, position = _primary_target(request)
    values[position].pop("is_primary", None)
    record["updated"] = request.st.contact_timestamp()
    return None
