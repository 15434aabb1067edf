"""Deal tags: list, bulk add by query, rename and delete by name (``/api/v2/deals/tags``).

Nimble addresses a tag by its name in the path and runs bulk tagging as a background operation that
answers with its progress record (``push_data``). The sandbox applies the tags at once and answers
with the same record, already completed. The spec prints the rename and delete paths as
``/api/2/deals/tags/{tag_name}``; like the clients that work, the sandbox serves them under ``/api/v2``.
"""

from __future__ import annotations

from typing import Any

from .._deal_query import deal_matches, parse_deal_query
from .._deals import TABLE as DEALS
from .._deals import TAGS, can_edit, readable_deals, remember_tags
from .._http import ApiError, Router, SandboxRequest
from .._payload import json_object, user_of
from .._search import fold

router = Router()


def _flag(body: Any, name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise ApiError.validation(f"{name} must be a boolean", {name: {"message": "true or false"}})
    return value


def _tag_key(request: SandboxRequest, name: str) -> str:
    """The stored spelling of tag ``name`` (tags match case-insensitively), or a 404."""
    for key in request.st.table(TAGS):
        if key.casefold() == name.casefold():
            return key
    raise ApiError.not_found("tag", name)


def _non_editable(request: SandboxRequest, deals: list[dict[str, Any]]) -> None:
    user = user_of(request)
    locked = [d["deal_id"] for d in deals if not can_edit(d, user)]
    if locked:
        raise ApiError.preflight(
            "non_editable_deals",
            "Some deals cannot be updated because of their privacy settings",
            len(locked),
            {"and": [{"is_editable": {"is": False}}, {"_id": {"in": locked}}]},
        )


@router.route("GET", "/api/v2/deals/tags")
def list_tags(request: SandboxRequest) -> Any:
    prefix = fold(request.arg("starts_with") or "")
    limit = request.int_arg("limit", 0)
    if limit < 0:
        raise ApiError.validation("limit must be positive", {"limit": {"message": "at least 1"}})
    tags = sorted(
        (t for t in request.st.table(TAGS).values() if fold(t["name"]).startswith(prefix)),
        key=lambda t: fold(t["name"]),
    )
    return {"tags": [dict(t) for t in tags[: limit or None]]}


@router.route("POST", "/api/v2/deals/tags")
def add_tags(request: SandboxRequest) -> Any:
    body = json_object(request)
    tags = body.get("tags")
    if not isinstance(tags, list) or not tags or not all(isinstance(t, str) and t.strip() for t in tags):
        raise ApiError.validation("tags is required", {"tags": {"message": "a non-empty list of tag names"}})
    if "query" not in body or not isinstance(body["query"], dict):
        raise ApiError.validation("query is required", {"query": {"message": "a deal search query object"}})
    query = parse_deal_query(body["query"])
    user = user_of(request)
    matched = [d for d in readable_deals(request.st, user) if deal_matches(request.st, d, query, user)]
    if _flag(body, "preflight_checks"):
        _non_editable(request, matched)
    started = request.st.timestamp()
    errors: list[dict[str, Any]] = []
    editable = [d for d in matched if can_edit(d, user)]
    if len(editable) < len(matched):
        errors.append(
            {
                "error_type": "not_editable_deals",
                "error_description": "Deals you cannot edit were skipped",
                "count": len(matched) - len(editable),
            }
        )
    names = [t.strip() for t in tags]
    remember_tags(request.st, names)
    for deal in editable:
        known = {t.casefold() for t in deal["tags"]}
        for tag in names:
            if tag.casefold() not in known:
                deal["tags"].append(tag)
                known.add(tag.casefold())
    return {
        "push_data": {
            "operation_id": request.st.new_id(),
            "processed": len(matched),
            "total": len(matched),
            "started_at": started,
            "is_completed": True,
            "errors": errors,
        }
    }


@router.route("PUT", "/api/v2/deals/tags/{tag_name}")
def rename(request: SandboxRequest) -> Any:
    old = _tag_key(request, request.path_params["tag_name"])
    new = json_object(request).get("new_tag")
    if not isinstance(new, str) or not new.strip():
        raise ApiError.validation("new_tag is required", {"new_tag": {"message": "the new tag name"}})
    new = new.strip()
    catalogue = request.st.table(TAGS)
    if any(k.casefold() == new.casefold() for k in catalogue if k != old):
        raise ApiError.not_acceptable(f"Tag '{new}' already exists", "tag_already_exists")
    record = catalogue.pop(old)
    catalogue[new] = {**record, "name": new}
    for deal in request.st.table(DEALS).values():
        deal["tags"] = [new if t.casefold() == old.casefold() else t for t in deal["tags"]]
    return None


@router.route("DELETE", "/api/v2/deals/tags/{tag_name}")
def delete(request: SandboxRequest) -> Any:
    name = _tag_key(request, request.path_params["tag_name"])
    tagged = [d for d in request.st.table(DEALS).values() if any(t.casefold() == name.casefold() for t in d["tags"])]
    if _flag(json_object(request), "preflight_checks"):
        _non_editable(request, tagged)
    del request.st.table(TAGS)[name]
    for deal in tagged:
        deal["tags"] = [t for t in deal["tags"] if t.casefold() != name.casefold()]
    return None
