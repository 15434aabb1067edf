"""Contact (lead) pipelines: ``GET /api/v1/contacts/pipelines``."""

from __future__ import annotations

from typing import Any

from .._http import Router, SandboxRequest
from .._users import short_user

router = Router()


@router.route("GET", "/api/v1/contacts/pipelines")
def list_pipelines(request: SandboxRequest) -> Any:
    state = request.st
    pipelines = []
    for pipeline in sorted(state.table("lead_pipelines").values(), key=lambda p: p["created"]):
        creator = short_user(state.users.get(pipeline["creator_id"], state.me))
        stages = [
            {**{k: v for k, v in stage.items() if k != "creator_id"}, "creator": creator}
            for stage in pipeline["stages"]
        ]
        body = {k: v for k, v in pipeline.items() if k not in ("creator_id", "stages")}
        pipelines.append({**body, "creator": creator, "stages": stages})
    return {"pipelines": pipelines}
