"""Deal pipelines: CRUD, archive, lost reasons, stages and the board views (``/api/v2/deals/pipelines``).

These are *deal* pipelines. Contact (lead) pipelines are a different kind, listed by
``list_all_nimble_contact_pipelines`` and driven by the lead transition tools.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from .._envelope import LimitPaging
from .._operation import CONTROL, QUERY, NimbleId, Operation, Params, RequestSpec
from .._url_paging import NextPageUrlPaging
from ..projections import COMPACT_TAG
from ..types.deal_search import DealSearchQuery
from ._deal_shared import Color, Currency, FieldSpec, Sort, invalid, no_body
from ._previews import pipeline_delete_preview

PipelineName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class NoParams(Params):
    """No arguments."""


class PipelineIdParams(Params):
    id: NimbleId = Field(description="Deal pipeline id.")


class NewStage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Stage name, e.g. 'Proposal'.")
    description: str | None = Field(default=None, max_length=4096, description="What happens in this stage.")
    expected_days: int | None = Field(default=None, ge=0, le=3650, description="Days a deal should stay; 0: no limit.")
    default_probability: int | None = Field(
        default=None, ge=0, le=100, description="Win % for deals here without their own."
    )


class NewGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group_name: str = Field(min_length=1, max_length=100, description="Group title, e.g. 'Contract'.")
    logo_id: str | None = Field(default=None, max_length=32, description="Icon id; null: the default.")
    fields: list[FieldSpec] = Field(default_factory=list, max_length=50, description="Fields in the group.")


class CreatePipelineParams(Params):
    name: PipelineName = Field(description="Pipeline name, unique in the account.")
    stages: list[NewStage] = Field(
        min_length=1, max_length=30, description="The working stages, in order (Nimble adds Won and Lost)."
    )
    description: str = Field(default="", max_length=256, description="What the pipeline is for.")
    color: Color = Field(default="#1e88e5", description="Display colour; default #1e88e5.")
    default_currency: Currency = Field(default="USD", description="Currency of new deals; default USD.")
    lost_reasons: list[Annotated[str, StringConstraints(min_length=1, max_length=256)]] = Field(
        default_factory=list, max_length=50, description="Reasons a deal can be lost, e.g. ['Price']."
    )
    custom_fields: list[FieldSpec] = Field(default_factory=list, max_length=100, description="Custom deal fields.")
    field_groups: list[NewGroup] = Field(
        default_factory=list, max_length=30, description="Custom fields in titled groups."
    )

    @model_validator(mode="after")
    def _unique_names(self) -> CreatePipelineParams:
        names = [s.name.strip().casefold() for s in self.stages]
        if len(set(names)) != len(names):
            raise invalid("stages", "stage names must be unique")
        fields = [f.name.casefold() for f in self.custom_fields] + [
            f.name.casefold() for g in self.field_groups for f in g.fields
        ]
        if len(set(fields)) != len(fields):
            raise invalid("custom_fields", "field names must be unique in the pipeline")
        return self


def _encode_create(operation: Operation, params: BaseModel) -> RequestSpec:
    assert isinstance(params, CreatePipelineParams)
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


class UpdatePipelineParams(Params):
    id: NimbleId = Field(description="Deal pipeline id.")
    name: PipelineName | None = Field(default=None, description="New name.")
    description: str | None = Field(default=None, max_length=256, description="New description.")
    color: Color | None = Field(default=None, description="New display colour.")

    @model_validator(mode="after")
    def _something(self) -> UpdatePipelineParams:
        if self.name is None and self.description is None and self.color is None:
            raise invalid("name", "pass at least one of name, description, color")
        return self


class LostReasonParams(Params):
    pipeline_id: NimbleId = Field(description="Deal pipeline id.")
    reason: str = Field(min_length=1, max_length=256, description="New lost reason, e.g. 'Budget cut'.")


class CreateStageParams(Params):
    pipeline_id: NimbleId = Field(description="Deal pipeline id.")
    name: str = Field(min_length=1, max_length=200, description="Stage name.")
    description: str | None = Field(default=None, max_length=4096, description="What happens in this stage.")
    insert_after: NimbleId | None = Field(
        default=None, description="Stage to follow; null: after the last working stage (before Won and Lost)."
    )
    expected_days: int | None = Field(default=None, ge=0, le=3650, description="Days a deal should stay; 0: no limit.")
    default_probability: int | None = Field(
        default=None, ge=0, le=100, description="Win % for deals here without their own."
    )


class UpdateStageParams(Params):
    pipeline_id: NimbleId = Field(description="Deal pipeline id.")
    id: NimbleId = Field(description="Stage id.")
    name: str | None = Field(default=None, min_length=1, max_length=200, description="New name.")
    description: str | None = Field(default=None, min_length=1, max_length=4096, description="New description.")
    expected_days: int | None = Field(default=None, ge=0, le=3650, description="Days a deal should stay; 0: no limit.")
    default_probability: int | None = Field(default=None, ge=0, le=100, description="Default win %.")

    @model_validator(mode="after")
    def _something(self) -> UpdateStageParams:
        if all(getattr(self, k) is None for k in ("name", "description", "expected_days", "default_probability")):
            raise invalid("name", "pass at least one of name, description, expected_days, default_probability")
        return self


class StageIdParams(Params):
    pipeline_id: NimbleId = Field(description="Deal pipeline id.")
    id: NimbleId = Field(description="Stage id.")


QUERY_HELP = "Only deals matching these conditions."


class _BoardParams(Params):
    pipeline_id: NimbleId = Field(description="Deal pipeline id.")
    sort: Sort = Field(default="name:asc")
    # Travels as compact JSON text: the views take an "unparsed NSE search query" string.
    query: Annotated[DealSearchQuery | None, QUERY] = Field(default=None, description=QUERY_HELP)
    limit: Annotated[int | None, CONTROL] = Field(
        default=None, ge=1, le=100, description="Deals per group and page; default 10."
    )
    next_cursor: Annotated[str | None, CONTROL] = Field(
        default=None, description="From the previous page, with the same other arguments."
    )


class StageBoardParams(_BoardParams):
    stage_id: NimbleId | None = Field(default=None, description="Only this stage.")
    stuck: bool | None = Field(
        default=None, description="true: only deals past their stage's expected_days; false: only within."
    )


class OwnerBoardParams(_BoardParams):
    pass


PIPELINE_SHAPE = "Returns the whole pipeline."

OPERATIONS = (
    Operation(
        name="list_all_nimble_deals_pipelines",
        description=(
            "List the deal pipelines with their stages (stage_id, name, default_probability, role won/lost/"
            "in_progress), lost reasons, currency and custom field tabs: the pipeline_id and stage_id of deals. "
            "Archived ones have archived_at set."
        ),
        params=NoParams,
        resource="deal_pipelines",
        method="GET",
        path="/api/v2/deals/pipelines",
        read_only=True,
        idempotent=True,
        paging=LimitPaging(items_key="pipelines"),
    ),
    Operation(
        name="get_single_nimble_deals_pipeline_by_id",
        description="Get one deal pipeline by id. " + PIPELINE_SHAPE,
        params=PipelineIdParams,
        resource="deal_pipelines",
        method="GET",
        path="/api/v2/deals/pipelines/{id}",
        read_only=True,
        idempotent=True,
    ),
    Operation(
        name="create_a_nimble_deals_pipeline",
        description=(
            "Create a deal pipeline from its working stages (Nimble adds Won and Lost), with lost reasons and "
            "custom fields if wanted. " + PIPELINE_SHAPE + " Needs the permission to manage pipelines."
        ),
        params=CreatePipelineParams,
        resource="deal_pipelines",
        method="POST",
        path="/api/v2/deals/pipelines",
        encode=_encode_create,
    ),
    Operation(
        name="update_a_nimble_deals_pipeline_by_id",
        description="Rename a deal pipeline or change its description or colour. " + PIPELINE_SHAPE,
        params=UpdatePipelineParams,
        resource="deal_pipelines",
        method="PUT",
        path="/api/v2/deals/pipelines/{id}",
        idempotent=True,
    ),
    Operation(
        name="delete_a_nimble_deals_pipeline_by_id",
        description=(
            "DELETE a deal pipeline AND EVERY DEAL IN IT, with their notes and files, for good. To retire it but "
            "keep its deals, use nimble_deals_pipelines_archive. Confirm with the user first."
        ),
        params=PipelineIdParams,
        resource="deal_pipelines",
        method="DELETE",
        path="/api/v2/deals/pipelines/{id}",
        destructive=True,
        idempotent=True,
        preview=pipeline_delete_preview,
    ),
    Operation(
        name="nimble_deals_pipelines_archive",
        description=(
            "Archive a deal pipeline: hidden, no deals can be added, its deals kept. Undo with "
            "nimble_deals_pipelines_unarchive."
        ),
        params=PipelineIdParams,
        resource="deal_pipelines",
        method="POST",
        path="/api/v2/deals/pipelines/{id}/archive",
        idempotent=True,
        encode=no_body,
    ),
    Operation(
        name="nimble_deals_pipelines_unarchive",
        description="Restore an archived deal pipeline so it can be used again.",
        params=PipelineIdParams,
        resource="deal_pipelines",
        method="POST",
        path="/api/v2/deals/pipelines/{id}/unarchive",
        idempotent=True,
        encode=no_body,
    ),
    Operation(
        name="nimble_deals_pipelines_add_pipeline_lost_reason",
        description=(
            "Add a new reason deals can be lost for to a deal pipeline (not an archived one). " + PIPELINE_SHAPE
        ),
        params=LostReasonParams,
        resource="deal_pipelines",
        method="POST",
        path="/api/v2/deals/pipelines/{pipeline_id}/lost_reasons",
    ),
    Operation(
        name="create_a_nimble_pipeline_stage",
        description=(
            "Add a working stage to a deal pipeline. " + PIPELINE_SHAPE + " Read the new stage_id from its stages."
        ),
        params=CreateStageParams,
        resource="deal_pipelines",
        method="POST",
        path="/api/v2/deals/pipelines/{pipeline_id}/stages",
    ),
    Operation(
        name="update_a_nimble_pipeline_stage_by_id",
        description="Change a deal pipeline stage's name, description, expected days or default probability. "
        + PIPELINE_SHAPE,
        params=UpdateStageParams,
        resource="deal_pipelines",
        method="PUT",
        path="/api/v2/deals/pipelines/{pipeline_id}/stages/{id}",
        idempotent=True,
    ),
    Operation(
        name="delete_a_nimble_pipeline_stage_by_id",
        description=(
            "Remove a working stage from a deal pipeline (not Won or Lost). Nimble archives it, and no tool restores "
            "it: deals in it are kept, none can enter it."
        ),
        params=StageIdParams,
        resource="deal_pipelines",
        method="DELETE",
        path="/api/v2/deals/pipelines/{pipeline_id}/stages/{id}",
        destructive=True,
        idempotent=True,
    ),
    Operation(
        name="list_all_nimble_pipeline_deals_by_stages",
        description=(
            "A deal pipeline's board: per stage {stage, deals, meta{total_new_count, total_amount}}, limit deals "
            "each; next_cursor continues the stages that have more, one at a time."
        ),
        params=StageBoardParams,
        resource="deal_pipelines",
        method="GET",
        path="/api/v2/deals/pipelines/{pipeline_id}/deals",
        read_only=True,
        idempotent=True,
        paging=NextPageUrlPaging(groups_key="stages"),
        tags=(COMPACT_TAG,),
    ),
    Operation(
        name="list_all_nimble_pipeline_deals_by_owner",
        description=(
            "A deal pipeline's deals by owner: per user {owner, deals, meta{total_amount}}, limit deals each; "
            "next_cursor continues the owners that have more."
        ),
        params=OwnerBoardParams,
        resource="deal_pipelines",
        method="GET",
        path="/api/v2/deals/pipelines/{pipeline_id}/owners",
        read_only=True,
        idempotent=True,
        paging=NextPageUrlPaging(groups_key="groups"),
        tags=(COMPACT_TAG,),
    ),
)
