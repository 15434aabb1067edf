"""Deal pipelines: CRUD, archive, lost reasons, stages and the board views (``/api/v2/deals/pipelines``).

These are *deal* pipelines. Contact (lead) pipelines are a different kind, listed by
``list_all_nimble_contact_pipelines`` and driven by the lead transition tools.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._operation import Operation, RequestSpec
from .._paging import LimitPaging, NextPageUrlPaging
from ..projections import COMPACT_TAG
from ._deal_shared import no_body
from ._examples import ID, ID2
from ._previews import pipeline_delete_preview

if TYPE_CHECKING:
    from .params.deal_pipelines import CreatePipelineParams

RESOURCE = "deal_pipelines"
MODELS = "nimble_tools.catalog.params.deal_pipelines"


def _encode_create(operation: Operation, params: CreatePipelineParams) -> RequestSpec:
    members: list[dict[str, Any]] = [field.to_wire() for field in params.custom_fields]
    for group in params.field_groups:
        entry: dict[str, Any] = {"group_name": group.group_name, "fields": [f.to_wire() for f in group.fields]}
        if group.logo_id is not None:
            entry["logo_id"] = group.logo_id
        members.append(entry)
    body = {
        "name": params.name,
        "description": params.description,
        "color": params.color,
        "lost_reasons": list(params.lost_reasons),
        "stages": [s.model_dump(exclude_none=True) for s in params.stages],
        "fields_tab_members": members,
        "default_currency": params.default_currency,
    }
    return RequestSpec(operation.method, operation.path, {}, body)


PIPELINE_SHAPE = "Returns the whole pipeline."


OPERATIONS = (
    Operation(
        name="list_all_nimble_deals_pipelines",
        title="List deal pipelines",
        description=(
            "List the deal pipelines with their stages (stage_id, name, default_probability, role won/lost/"
            "in_progress), lost reasons, currency and custom field tabs: the pipeline_id and stage_id of deals. "
            "Archived ones have archived_at set."
        ),
        params=f"{MODELS}:NoParams",
        method="GET",
        path="/api/v2/deals/pipelines",
        paging=LimitPaging(items_key="pipelines"),
        example={},
    ),
    Operation(
        name="get_single_nimble_deals_pipeline_by_id",
        title="Read a deal pipeline",
        description="Get one deal pipeline by id. " + PIPELINE_SHAPE,
        params=f"{MODELS}:PipelineIdParams",
        method="GET",
        path="/api/v2/deals/pipelines/{id}",
        example={"id": ID},
    ),
    Operation(
        name="create_a_nimble_deals_pipeline",
        title="Create a deal pipeline",
        description=(
            "Create a deal pipeline from its working stages (Nimble adds Won and Lost), with lost reasons and "
            "custom fields if wanted. " + PIPELINE_SHAPE + " Needs the permission to manage pipelines."
        ),
        params=f"{MODELS}:CreatePipelineParams",
        method="POST",
        path="/api/v2/deals/pipelines",
        encode=_encode_create,
        example={"name": "Renewals", "stages": [{"name": "Open"}]},
    ),
    Operation(
        name="update_a_nimble_deals_pipeline_by_id",
        title="Rename a deal pipeline",
        description="Rename a deal pipeline or change its description or colour. " + PIPELINE_SHAPE,
        params=f"{MODELS}:UpdatePipelineParams",
        method="PUT",
        path="/api/v2/deals/pipelines/{id}",
        example={"id": ID, "name": "New"},
    ),
    Operation(
        name="delete_a_nimble_deals_pipeline_by_id",
        title="Delete a deal pipeline and all its deals",
        description=(
            "DELETE a deal pipeline AND EVERY DEAL IN IT, with their notes and files, for good. To retire it but "
            "keep its deals, use nimble_deals_pipelines_archive. Confirm with the user first."
        ),
        params=f"{MODELS}:PipelineIdParams",
        method="DELETE",
        path="/api/v2/deals/pipelines/{id}",
        preview=pipeline_delete_preview,
        example={"id": ID},
    ),
    Operation(
        name="nimble_deals_pipelines_archive",
        title="Archive a deal pipeline",
        description=(
            "Archive a deal pipeline: hidden, no deals can be added, its deals kept. Undo with "
            "nimble_deals_pipelines_unarchive."
        ),
        params=f"{MODELS}:PipelineIdParams",
        method="POST",
        path="/api/v2/deals/pipelines/{id}/archive",
        idempotent=True,
        encode=no_body,
        example={"id": ID},
    ),
    Operation(
        name="nimble_deals_pipelines_unarchive",
        title="Restore an archived deal pipeline",
        description="Restore an archived deal pipeline so it can be used again.",
        params=f"{MODELS}:PipelineIdParams",
        method="POST",
        path="/api/v2/deals/pipelines/{id}/unarchive",
        idempotent=True,
        encode=no_body,
        example={"id": ID},
    ),
    Operation(
        name="nimble_deals_pipelines_add_pipeline_lost_reason",
        title="Add a lost reason to a deal pipeline",
        description=(
            "Add a new reason deals can be lost for to a deal pipeline (not an archived one). " + PIPELINE_SHAPE
        ),
        params=f"{MODELS}:LostReasonParams",
        method="POST",
        path="/api/v2/deals/pipelines/{pipeline_id}/lost_reasons",
        example={"pipeline_id": ID, "reason": "Price"},
    ),
    Operation(
        name="create_a_nimble_pipeline_stage",
        title="Add a deal pipeline stage",
        description=(
            "Add a working stage to a deal pipeline. " + PIPELINE_SHAPE + " Read the new stage_id from its stages."
        ),
        params=f"{MODELS}:CreateStageParams",
        method="POST",
        path="/api/v2/deals/pipelines/{pipeline_id}/stages",
        example={"pipeline_id": ID, "name": "Demo"},
    ),
    Operation(
        name="update_a_nimble_pipeline_stage_by_id",
        title="Change a deal pipeline stage",
        description="Change a deal pipeline stage's name, description, expected days or default probability. "
        + PIPELINE_SHAPE,
        params=f"{MODELS}:UpdateStageParams",
        method="PUT",
        path="/api/v2/deals/pipelines/{pipeline_id}/stages/{id}",
        example={"pipeline_id": ID, "id": ID2, "name": "Demo"},
    ),
    Operation(
        name="delete_a_nimble_pipeline_stage_by_id",
        title="Remove a deal pipeline stage",
        description=(
            "Remove a working stage from a deal pipeline (not Won or Lost). Nimble archives it, and no tool restores "
            "it: deals in it are kept, none can enter it."
        ),
        params=f"{MODELS}:StageIdParams",
        method="DELETE",
        path="/api/v2/deals/pipelines/{pipeline_id}/stages/{id}",
        example={"pipeline_id": ID, "id": ID2},
    ),
    Operation(
        name="list_all_nimble_pipeline_deals_by_stages",
        title="Deal board by stage",
        description=(
            "A deal pipeline's board: per stage {stage, deals, meta{total_new_count, total_amount}}, limit deals "
            "each; next_cursor continues the stages that have more, one at a time."
        ),
        params=f"{MODELS}:StageBoardParams",
        method="GET",
        path="/api/v2/deals/pipelines/{pipeline_id}/deals",
        paging=NextPageUrlPaging(groups_key="stages"),
        tags=(COMPACT_TAG,),
        example={"pipeline_id": ID},
    ),
    Operation(
        name="list_all_nimble_pipeline_deals_by_owner",
        title="Deal board by owner",
        description=(
            "A deal pipeline's deals by owner: per user {owner, deals, meta{total_amount}}, limit deals each; "
            "next_cursor continues the owners that have more."
        ),
        params=f"{MODELS}:OwnerBoardParams",
        method="GET",
        path="/api/v2/deals/pipelines/{pipeline_id}/owners",
        paging=NextPageUrlPaging(groups_key="groups"),
        tags=(COMPACT_TAG,),
        example={"pipeline_id": ID},
    ),
)
