"""Deal pipelines: CRUD, archive, lost reasons, stages, and the board views by stage and by owner.

Deleting a pipeline deletes every deal in it (with their notes and files), as Nimble warns.
Deleting a stage archives it. Changing a pipeline needs the "manage deals pipelines" permission
(403 ``{message}`` otherwise).

The board views page each stage (or owner) group separately: a group's ``meta.next_page_url`` is a
full URL that returns the next deals of that group only, or null when it has no more.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from .._deal_pipelines import (
    OPEN,
    TABLE,
    find_stage,
    get_pipeline,
    new_deal_pipeline,
    new_stage,
    require_manager,
)
from .._deal_query import deal_matches, parse_deal_query
from .._deals import deal_amount, delete_deal, parse_datetime, public_deal, public_stage, readable_deals, sort_deals
from .._http import ApiError, Router, SandboxRequest
from .._payload import json_object, user_of
from .._users import short_user_of

router = Router()

NEW_DEAL_DAYS = 3  # "deals which entered stage less than 3 days ago"


def _managed(request: SandboxRequest) -> dict[str, Any]:
    require_manager(user_of(request))
    return get_pipeline(request.st, request.path_params["pipeline_id"])


def _public(pipeline: Mapping[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(dict(pipeline))


def _text(body: Mapping[str, Any], name: str, low: int, high: int, *, nullable: bool = False) -> Any:
    value = body[name]
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not low <= len(value.strip()) <= high:
        raise ApiError.validation(f"Invalid {name}", {name: {"message": f"{low} to {high} characters"}})
    return value.strip()


def _integer(body: Mapping[str, Any], name: str, low: int, high: int | None) -> int:
    value = body[name]
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or value < low
        or (high is not None and value > high)
    ):
        limits = f"{low} to {high}" if high is not None else f"at least {low}"
        raise ApiError.validation(f"Invalid {name}", {name: {"message": f"a whole number, {limits}"}})
    return int(value)


# --- pipelines -------------------------------------------------------------------------------------


@router.route("GET", "/api/v2/deals/pipelines")
def list_pipelines(request: SandboxRequest) -> Any:
    pipelines = sorted(request.st.table(TABLE).values(), key=lambda p: (p["created"], p["pipeline_id"]))
    return {"pipelines": [_public(p) for p in pipelines]}


@router.route("POST", "/api/v2/deals/pipelines")
def create_pipeline(request: SandboxRequest) -> Any:
    require_manager(user_of(request))
    return 201, _public(new_deal_pipeline(request.st, json_object(request)))


@router.route("GET", "/api/v2/deals/pipelines/{pipeline_id}")
def get_pipeline_route(request: SandboxRequest) -> Any:
    return _public(get_pipeline(request.st, request.path_params["pipeline_id"]))


@router.route("PUT", "/api/v2/deals/pipelines/{pipeline_id}")
def update_pipeline(request: SandboxRequest) -> Any:
    pipeline = _managed(request)
    body = json_object(request)
    if "name" in body:
        name = _text(body, "name", 1, 200)
        taken = [
            p for p in request.st.table(TABLE).values() if p is not pipeline and p["name"].casefold() == name.casefold()
        ]
        if taken:
            raise ApiError.validation(
                "Pipeline name is taken", {"name": {"message": f"A pipeline named {name!r} exists"}}
            )
        pipeline["name"] = name
    if "description" in body:
        pipeline["description"] = _text(body, "description", 0, 256, nullable=True)
    if "color" in body:
        pipeline["color"] = _text(body, "color", 1, 32)
    pipeline["updated"] = request.st.timestamp()
    return _public(pipeline)


@router.route("DELETE", "/api/v2/deals/pipelines/{pipeline_id}")
def delete_pipeline(request: SandboxRequest) -> Any:
    pipeline = _managed(request)
    for deal_id in [
        d["deal_id"] for d in request.st.table("deals").values() if d["pipeline_id"] == pipeline["pipeline_id"]
    ]:
        delete_deal(request.st, deal_id)
    del request.st.table(TABLE)[pipeline["pipeline_id"]]
    return None


@router.route("POST", "/api/v2/deals/pipelines/{pipeline_id}/archive")
def archive(request: SandboxRequest) -> Any:
    pipeline = _managed(request)
    pipeline["archived_at"] = pipeline["archived_at"] or request.st.timestamp()
    return None


@router.route("POST", "/api/v2/deals/pipelines/{pipeline_id}/unarchive")
def unarchive(request: SandboxRequest) -> Any:
    _managed(request)["archived_at"] = None
    return None


@router.route("POST", "/api/v2/deals/pipelines/{pipeline_id}/lost_reasons")
def add_lost_reason(request: SandboxRequest) -> Any:
    pipeline = _managed(request)
    body = json_object(request)
    if "reason" not in body:
        raise ApiError.validation("reason is required", {"reason": {"message": "the lost reason's text"}})
    reason = _text(body, "reason", 1, 256)
    # This route documents the `ActionCanNotBeCompleted` shape: {message, error_type}.
    if pipeline["archived_at"] is not None:
        raise ApiError(
            406, {"message": f"Pipeline '{pipeline['name']}' is archived", "error_type": "pipeline_archived"}
        )
    if any(r["text"].casefold() == reason.casefold() for r in pipeline["lost_reasons"]):
        raise ApiError(406, {"message": f"Lost reason {reason!r} already exists", "error_type": "lost_reason_exists"})
    pipeline["lost_reasons"].append({"id": request.st.new_id(), "text": reason})
    pipeline["updated"] = request.st.timestamp()
    return 201, _public(pipeline)


# --- stages ----------------------------------------------------------------------------------------


@router.route("POST", "/api/v2/deals/pipelines/{pipeline_id}/stages")
def create_stage(request: SandboxRequest) -> Any:
    pipeline = _managed(request)
    body = json_object(request)
    if body.get("pipeline_id") not in (None, pipeline["pipeline_id"]):
        raise ApiError.validation("pipeline_id mismatch", {"pipeline_id": {"message": "must match the path"}})
    if pipeline["archived_at"] is not None:
        raise ApiError.not_acceptable(f"Pipeline '{pipeline['name']}' is archived", "pipeline_archived")
    stage = new_stage(request.st, pipeline["pipeline_id"], body)
    stages = pipeline["stages"]
    after = body.get("insert_after")
    if after is None:
        position = next((i for i, s in enumerate(stages) if s["role"]["is_final"]), len(stages))
    else:
        anchor = find_stage(pipeline, after)
        if anchor is None or anchor["role"]["name"] != OPEN:
            raise ApiError.validation(
                "Invalid insert_after", {"insert_after": {"message": "the id of an in-progress stage of this pipeline"}}
            )
        position = stages.index(anchor) + 1
    stages.insert(position, stage)
    pipeline["updated"] = request.st.timestamp()
    return 201, _public(pipeline)


def _stage(request: SandboxRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    pipeline = _managed(request)
    stage = find_stage(pipeline, request.path_params["stage_id"])
    if stage is None:
        raise ApiError.not_found("stage", request.path_params["stage_id"])
    return pipeline, stage


@router.route("PUT", "/api/v2/deals/pipelines/{pipeline_id}/stages/{stage_id}")
def update_stage(request: SandboxRequest) -> Any:
    pipeline, stage = _stage(request)
    body = json_object(request)
    if "name" in body:
        stage["name"] = _text(body, "name", 1, 4096)
    if "description" in body:
        stage["description"] = _text(body, "description", 1, 4096, nullable=True)
    if "expected_days" in body:
        stage["expected_days"] = _integer(body, "expected_days", 0, None)
    if "default_probability" in body:
        stage["default_probability"] = _integer(body, "default_probability", 0, 100)
    stage["updated"] = pipeline["updated"] = request.st.timestamp()
    return _public(pipeline)


@router.route("DELETE", "/api/v2/deals/pipelines/{pipeline_id}/stages/{stage_id}")
def archive_stage(request: SandboxRequest) -> Any:
    _, stage = _stage(request)
    if stage["role"]["is_final"]:
        raise ApiError.not_acceptable(f"'{stage['name']}' is a final stage and cannot be archived", "final_stage")
    stage["archived_at"] = stage["archived_at"] or request.st.timestamp()
    return None  # deals stay in the archived stage, as Nimble keeps archived data


# --- board views -----------------------------------------------------------------------------------


def _board(request: SandboxRequest) -> tuple[dict[str, Any], list[dict[str, Any]], int, int]:
    """The pipeline, its matching deals (sorted), the page number and the page size."""
    pipeline = get_pipeline(request.st, request.path_params["pipeline_id"])
    user = user_of(request)
    query = parse_deal_query(request.arg("query"))
    deals = [
        d
        for d in readable_deals(request.st, user)
        if d["pipeline_id"] == pipeline["pipeline_id"] and (query is None or deal_matches(request.st, d, query, user))
    ]
    deals = sort_deals(deals, request.arg("sort"))
    limit, page = request.int_arg("limit", 10), request.int_arg("page", 1)
    if limit < 1 or page < 1:
        raise ApiError.validation("limit and page must be positive", {"limit": {"message": "at least 1"}})
    return pipeline, deals, page, limit


def _next_url(request: SandboxRequest, group: Mapping[str, str], page: int) -> str:
    args = {k: v[-1] for k, v in request.query.items() if k in ("sort", "limit", "query", "stuck")}
    host = request.headers.get("host") or request.headers.get("Host") or "localhost"
    return f"http://{host}{request.path}?{urlencode({**args, **group, 'page': str(page + 1)})}"


def _totals(deals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # The spec calls the per-currency sum of amounts `count` ("Sum of deal amount separated by currencies").
    sums: dict[str, float] = {}
    for deal in deals:
        sums[deal["currency"]] = sums.get(deal["currency"], 0.0) + deal_amount(deal)
    return [{"currency": currency, "count": round(total)} for currency, total in sorted(sums.items())]


def _is_stuck(request: SandboxRequest, deal: Mapping[str, Any], stage: Mapping[str, Any]) -> bool:
    entered = parse_datetime(deal["stage_entered"])
    days = stage["expected_days"] or 0
    return bool(days) and entered is not None and request.st.now() - entered > timedelta(days=days)


@router.route("GET", "/api/v2/deals/pipelines/{pipeline_id}/deals")
def deals_by_stage(request: SandboxRequest) -> Any:
    pipeline, deals, page, limit = _board(request)
    user = user_of(request)
    only = request.arg("stage_id")
    if only is not None and find_stage(pipeline, only) is None:
        raise ApiError.not_found("stage", only)
    stuck = None if request.arg("stuck") is None else request.flag("stuck")
    groups = []
    for stage in pipeline["stages"]:
        if (only is None and stage["archived_at"] is not None) or (only is not None and stage["stage_id"] != only):
            continue
        in_stage = [d for d in deals if d["stage_id"] == stage["stage_id"]]
        if stuck is not None:
            in_stage = [d for d in in_stage if _is_stuck(request, d, stage) == stuck]
        start = (page - 1) * limit
        recent = request.st.now() - timedelta(days=NEW_DEAL_DAYS)
        fresh = [d for d in in_stage if (parse_datetime(d["stage_entered"]) or recent) > recent]
        more = len(in_stage) > start + limit
        groups.append(
            {
                "stage": public_stage(stage),
                "deals": [public_deal(request.st, d, user) for d in in_stage[start : start + limit]],
                "meta": {
                    "total_new_count": len(fresh),
                    "next_page_url": _next_url(request, {"stage_id": stage["stage_id"]}, page) if more else None,
                    "total_amount": _totals(in_stage),
                },
            }
        )
    return {"stages": groups}


@router.route("GET", "/api/v2/deals/pipelines/{pipeline_id}/owners")
def deals_by_owner(request: SandboxRequest) -> Any:
    _, deals, page, limit = _board(request)
    user = user_of(request)
    only = request.arg("owner_id")  # the sandbox's own next_page_url argument
    owners = sorted({d["owner_id"] for d in deals}, key=lambda u: (request.st.users.get(u, {}).get("name", ""), u))
    groups = []
    for owner_id in owners:
        if only is not None and owner_id != only:
            continue
        owned = [d for d in deals if d["owner_id"] == owner_id]
        start = (page - 1) * limit
        more = len(owned) > start + limit
        groups.append(
            {
                "owner": short_user_of(request.st, owner_id),
                "deals": [public_deal(request.st, d, user) for d in owned[start : start + limit]],
                "meta": {
                    "next_page_url": _next_url(request, {"owner_id": owner_id}, page) if more else None,
                    "total_amount": _totals(owned),
                },
            }
        )
    return {"groups": groups}
