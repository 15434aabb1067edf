"""Parameter models of ``nimble_tools.catalog.deal_pipelines``, imported when one of its operations first needs one."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ..._operation import CONTROL, QUERY, NimbleId, Params
from ...types.deal_search import DealSearchQuery
from ._deal_shared import Color, Currency, FieldSpec, Sort, invalid

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
