"""Deals: list, create, read, update, delete, the won-last-month widget and overdue activities (``/api/v2/deals``)."""

from __future__ import annotations

from datetime import UTC, datetime
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
from .activities import TASK_TYPE, render_activity

router = Router()


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
    user = user_of(request)
    record = load_deal(request.st, request.path_params["deal_id"], user)
    # `types` is an array: accept both repeated arguments and a comma-separated list.
    types = {t.strip() for raw in request.query.get("types", []) for t in raw.split(",") if t.strip()}
    limit = request.int_arg("limit", 0)
    if limit < 0:
        raise ApiError.validation("limit must be positive", {"limit": {"message": "at least 1"}})
    now = request.st.now()
    # The sandbox's activities are its tasks (see routes/activities.py): open ones past their due date.
    due = []
    for task in request.st.table("tasks").values():
        when = parse_datetime(task["due_date"]) if task["due_date"] else None
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if record["deal_id"] not in task["deals"] or task["completed_time"] is not None or when is None:
            continue
        if when < now and (not types or TASK_TYPE["type_id"] in types):
            due.append((when, task))
    due.sort(key=lambda pair: (pair[0], pair[1]["id"]))  # most overdue first
    return {"activities": [_with_deals(request, render_activity(request.st, t), t) for _, t in due[: limit or None]]}


def _with_deals(request: SandboxRequest, activity: dict[str, Any], task: dict[str, Any]) -> dict[str, Any]:
    """The activity with its deals as ``Deals.ShortSavedDeal``."""
    deals, user = request.st.table(DEALS), user_of(request)
    activity["new_related_deals"] = [
        {
            "deal_id": deal_id,
            "name": deal_name(deals[deal_id]),
            "is_editable": can_edit(deals[deal_id], user),
            "is_viewable": can_read(deals[deal_id], user),
            "amount": round(deal_amount(deals[deal_id])) if deals[deal_id]["values"].get(AMOUNT) else None,
        }
        for deal_id in task["deals"]
        if deal_id in deals
    ]
    return activity
