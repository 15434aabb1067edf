"""Contacts: list, ids, search, get, create, update, delete (``/api/v1/contact[s]``)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from .._contacts import apply_fields, new_contact, public_contact, require_name, validate_fields
from .._http import ApiError, Router, SandboxRequest
from .._index import contact_pool
from .._search import fold, matches, parse_query

router = Router()

Record = dict[str, Any]


def get_contact(request: SandboxRequest, contact_id: str) -> Record:
    """A stored contact or a 404 ``{object_type: "contact", object_id}``."""
    record = request.st.table("contacts").get(contact_id)
    if record is None:
        raise ApiError.not_found("contact", contact_id)
    return record


def selected_contacts(request: SandboxRequest) -> list[Record]:
    """Contacts matching the request's keyword / query / record_type filters, in a stable order."""
    keyword, raw_query = request.arg("keyword"), request.arg("query")
    if keyword and raw_query:
        raise ApiError.validation(
            "keyword and query are mutually exclusive",
            {"keyword": {"message": "Use either keyword or query, not both"}},
        )
    query = parse_query(raw_query)
    if query is None and keyword:
        query = {"__any": {"contain": keyword}}
    record_type = request.arg("record_type", "all") or "all"
    if raw_query is None and record_type not in ("all", "person", "company"):
        raise ApiError.validation("record_type must be person, company or all", {"record_type": {"message": "invalid"}})
    found = []
    for record in contact_pool(request.st, query):
        if query is not None and not matches(record, query):
            continue
        if raw_query is None and record_type != "all" and record["record_type"] != record_type:
            continue
        found.append(record)
    return sort_contacts(found, request.arg("sort"))


def sort_contacts(records: list[Record], sort: str | None) -> list[Record]:
    """Order by ``field:asc|desc``; newest first by default."""
    if not sort:
        return sorted(records, key=lambda r: (r["created"], r["id"]), reverse=True)
    field, _, order = sort.partition(":")
    field = field.strip().lower()
    if order not in ("", "asc", "desc"):
        raise ApiError.validation("sort order must be asc or desc", {"sort": {"message": "invalid order"}})
    if field in ("created", "updated"):
        return sorted(records, key=lambda r: r[field], reverse=order == "desc")
    if field in ("first name", "last name", "company name", "name"):

        def key(record: Record) -> str:
            values = record["fields"].get(field if field != "name" else "last name") or []
            return fold(values[0]["value"]) if values else ""

        return sorted(records, key=key, reverse=order == "desc")
    raise ApiError.validation(f"Field '{field}' can't be used for sorting", {"sort": {"message": "unsortable field"}})


def page_of(
    request: SandboxRequest, items: list[Any], *, default_per_page: int = 30, first: int = 1
) -> tuple[list[Any], dict[str, int]]:
    """Slice ``items`` by page/per_page and build Nimble's ``meta`` block."""
    page = request.int_arg("page", first)
    per_page = request.int_arg("per_page", default_per_page)
    if page < first or per_page < 1:
        raise ApiError.validation("page and per_page must be positive", {"page": {"message": "out of range"}})
    total = len(items)
    start = (page - first) * per_page
    meta = {
        "page": page,
        "pages": math.ceil(total / per_page) if total else 0,
        "per_page": per_page,
        "total": total,
    }
    return items[start : start + per_page], meta


def _field_filter(request: SandboxRequest) -> set[str] | None:
    raw = request.arg("fields")
    if not raw:
        return None
    names, current, escaped = [], "", False
    for ch in raw:  # a comma inside a field name is escaped with a backslash
        if escaped:
            current, escaped = current + ch, False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            names.append(current)
            current = ""
        else:
            current += ch
    names.append(current)
    return {n.strip().lower() for n in names if n.strip()}


def render(request: SandboxRequest, records: Iterable[Record]) -> list[Record]:
    """Contacts as returned, honouring the ``fields`` and ``tags`` arguments."""
    only, tags = _field_filter(request), request.flag("tags", True)
    return [public_contact(r, only_fields=only, tags=tags) for r in records]


@router.route("GET", "/api/v1/contacts/ids")
def list_ids(request: SandboxRequest) -> Any:
    page, meta = page_of(request, selected_contacts(request))
    return {"meta": meta, "resources": [r["id"] for r in page]}


@router.route("GET", "/api/v1/contacts")
def list_contacts(request: SandboxRequest) -> Any:
    page, meta = page_of(request, selected_contacts(request))
    return {"meta": meta, "resources": render(request, page)}


@router.route("GET", "/api/v1/contact")
def get_standard(request: SandboxRequest) -> Any:
    raw = request.arg("id") or ""
    ids = [i.strip() for i in raw.split(",") if i.strip()]
    if not ids:
        raise ApiError.validation("id is required", {"id": {"message": "Pass up to 30 comma-separated ids"}})
    if len(ids) > 30:
        raise ApiError.validation("Too many ids", {"id": {"message": "At most 30 ids per request"}})
    records = [get_contact(request, i) for i in ids]
    return {"resources": render(request, records)}


@router.route("GET", "/api/v1/contact/{contact_id}")
def get_one(request: SandboxRequest) -> Any:
    ids = request.path_params["contact_id"].split(",")
    records = [get_contact(request, i) for i in ids]
    return {"resources": render(request, records)}


@router.route("POST", "/api/v1/contact")
def create(request: SandboxRequest) -> Any:
    body = request.json if isinstance(request.json, Mapping) else {}
    record_type = body.get("record_type") or body.get("type") or "person"
    if record_type not in ("person", "company"):
        raise ApiError.validation("record_type must be person or company", {"record_type": {"message": "invalid"}})
    fields = validate_fields(request.st, record_type, body.get("fields", {}))
    tags = _split_tags(body.get("tags"))
    if len(tags) > 5:
        raise ApiError.validation("At most 5 tags on creation", {"tags": {"message": "Too many tags"}})
    record = new_contact(
        request.st,
        record_type,
        fields,
        tags=tags,
        owner_id=body.get("owner_id", request.st.me_id),
        avatar_url=body.get("avatar_url"),
        privacy=body.get("privacy"),
    )
    return public_contact(record)


def _split_tags(raw: Any) -> list[str]:
    if raw is None or raw == "":
        return []
    if isinstance(raw, list):
        return [str(t).strip() for t in raw if str(t).strip()]
    tags, current, escaped = [], "", False
    for ch in str(raw):
        if escaped:
            current, escaped = current + ch, False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            tags.append(current.strip())
            current = ""
        else:
            current += ch
    tags.append(current.strip())
    return [t for t in tags if t]


@router.route("PUT", "/api/v1/contact/{contact_id}")
def update(request: SandboxRequest) -> Any:
    record = get_contact(request, request.path_params["contact_id"])
    body = request.json if isinstance(request.json, Mapping) else {}
    if not any(k in body for k in ("fields", "avatar_url", "is_important")):
        raise ApiError.validation(
            "Nothing to update", {"fields": {"message": "Pass fields, avatar_url or is_important"}}
        )
    replace = (request.arg("replace") or request.arg("type") or "0") == "1"
    if "fields" in body:
        fields = validate_fields(request.st, record["record_type"], body["fields"])
        candidate = {**record, "fields": {k: list(v) for k, v in record["fields"].items()}}
        apply_fields(request.st, candidate, fields, replace=replace)
        require_name(candidate)  # the update must not leave the contact nameless
        record["fields"] = candidate["fields"]
    if "avatar_url" in body:
        record["avatar_url"] = body["avatar_url"]
    if "is_important" in body:
        record["is_important"] = bool(body["is_important"])
    record["updated"] = request.st.timestamp()
    return public_contact(record)


@router.route("DELETE", "/api/v1/contact/{contact_id}")
def delete(request: SandboxRequest) -> Any:
    ids = request.path_params["contact_id"].split(",")
    for contact_id in ids:
        get_contact(request, contact_id)
    for contact_id in ids:
        request.st.table("contacts").pop(contact_id, None)
    return {"status": "ok", "data": {"ids": ids}}
