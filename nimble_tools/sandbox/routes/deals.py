"""Deals: list, create, read, update, delete, the won-last-month widget and overdue activities (``/api/v2/deals``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .._deals import (
    AMOUNT,
    CLOSE_DATE,
    apply_update,
    can_edit,
    can_read,
    create_deal,
    deal_amount,
    deal_name,
    delete_deal,
    load_deal,
    parse_datetime,
    public_deal,
    readable_deals,
    sort_deals,
    stage_role,
)
from .._deals import TABLE as DEALS
from .._http import ApiError, Router, SandboxRequest
from .._payload import json_object, user_of
from .._users import full_user

router = Router()

ACTIVITIES = "activities"


@router.route("GET", "/api/v2/deals/widget/won_last_month")
def won_last_month(request: SandboxRequest) -> Any:
    user = user_of(request)
    now = request.st.now()
    this_month = datetime(now.year, now.month, 1, tzinfo=now.tzinfo)
    last_month = datetime(now.year - (now.month == 1), (now.month - 2) % 12 + 1, 1, tzinfo=now.tzinfo)
    amount, count = 0.0, 0
    for record in readable_deals(request.st, user):
        closed = record["values"].get(CLOSE_DATE)
        moment = parse_datetime(closed[0]) if closed else None
        if stage_role(request.st, record) == "won" and moment is not None and last_month <= moment < this_month:
            amount += deal_amount(record)
            count += 1
    return {"last_month_won_amount": amount, "last_month_won_count": count}


@router.route("GET", "/api/v2/deals")
def list_deals(request: SandboxRequest) -> Any:
    user = user_of(request)
    records = sort_deals(readable_deals(request.st, user), request.arg("sort"))
    limit = request.int_arg("limit", 30)
    if limit < 1:
        raise ApiError.validation("limit must be positive", {"limit": {"message": "at least 1"}})
    page = records[:limit]
    meta = {"per_page": limit, "total": len(records), "page": 1, "pages": -(-len(records) // limit)}
    return {"meta": meta, "resources": [public_deal(request.st, r, user) for r in page]}


@router.route("POST", "/api/v2/deals")
def create(request: SandboxRequest) -> Any:
    user = user_of(request)
    record = create_deal(request.st, json_object(request), user)
    return public_deal(request.st, record, user)


@router.route("GET", "/api/v2/deals/{deal_id}")
def get_one(request: SandboxRequest) -> Any:
    user = user_of(request)
    return public_deal(request.st, load_deal(request.st, request.path_params["deal_id"], user), user)


@router.route("PUT", "/api/v2/deals/{deal_id}")
def update(request: SandboxRequest) -> Any:
    user = user_of(request)
    record = load_deal(request.st, request.path_params["deal_id"], user, edit=True)
    apply_update(request.st, record, json_object(request), user)
    return public_deal(request.st, record, user)


@router.route("DELETE", "/api/v2/deals/{deal_id}")
def delete(request: SandboxRequest) -> Any:
    record = load_deal(request.st, request.path_params["deal_id"], user_of(request), edit=True)
    delete_deal(request.st, record["deal_id"])
    return None


@router.route("GET", "/api/v2/deals/{deal_id}/overdue")
def overdue(request: SandboxRequest) -> Any:
    record = load_deal(request.st, request.path_params["deal_id"], user_of(request))
    # `types` is an array: accept both repeated arguments and a comma-separated list.
    types = {t.strip() for raw in request.query.get("types", []) for t in raw.split(",") if t.strip()}
    limit = request.int_arg("limit", 0)
    if limit < 0:
        raise ApiError.validation("limit must be positive", {"limit": {"message": "at least 1"}})
    now = request.st.timestamp()
    due = [
        a
        for a in request.st.table(ACTIVITIES).values()
        if record["deal_id"] in a["deal_ids"]
        and a["completed"] is None
        and a["scheduled"] < now
        and (not types or a["type_id"] in types)
    ]
    due.sort(key=lambda a: a["scheduled"])  # most overdue first
    return {"activities": [_activity(request, a) for a in due[: limit or None]]}


def _activity(request: SandboxRequest, activity: dict[str, Any]) -> dict[str, Any]:
    state, user = request.st, user_of(request)
    deals = state.table(DEALS)
    return {
        "activity_id": activity["activity_id"],
        "activity_type": {
            "type_id": activity["type_id"],
            "type_name": activity["type_id"].title(),
            "logo_id": activity["type_id"],
            "can_update_lc": activity["type_id"] != "task",
            "can_update_definition": False,
            "archived": False,
        },
        "name": activity["name"],
        "description": activity["description"],
        "assigned_to": full_user(state, activity["assigned_to"]),
        "owner": full_user(state, activity["owner"]),
        "related_contacts": [],
        "new_related_deals": [
            {
                "deal_id": deal_id,
                "name": deal_name(deals[deal_id]),
                "is_editable": can_edit(deals[deal_id], user),
                "is_viewable": can_read(deals[deal_id], user),
                "amount": round(deal_amount(deals[deal_id])) if deals[deal_id]["values"].get(AMOUNT) else None,
            }
            for deal_id in activity["deal_ids"]
            if deal_id in deals
        ],
        "scheduled_tstamp": activity["scheduled"],
        "completed_tstamp": activity["completed"],
        "feed_tstamp": activity["scheduled"],
        "priority": activity["priority"],
        "comments": [],
        "tags": list(activity["tags"]),
        "is_important": activity["priority"] == "high",
        "created": activity["created"],
        "details": {},
        "related_sequence": None,
    }
