"""Parameter models of ``nimble_tools.catalog.deal_tags``, imported when one of its operations first needs one."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from ..._operation import BODY, CONTROL, NimbleId, Params
from ...types.deal_search import DealSearchQuery
from ._deal_shared import TagName, invalid


class ListTagsParams(Params):
    starts_with: str | None = Field(
        default=None, min_length=1, max_length=100, description="Only tags with this prefix."
    )
    limit: Annotated[int | None, CONTROL] = Field(default=None, ge=1, le=1000, description="At most this many tags.")


class AddTagsParams(Params):
    tags: list[TagName] = Field(min_length=1, max_length=50, description="Tags to add, e.g. ['q3','hot'].")
    deal_ids: list[NimbleId] | None = Field(
        default=None, min_length=1, max_length=500, description="Tag these deals (or give query)."
    )
    query: DealSearchQuery | None = Field(default=None, description="Or tag every deal matching these conditions.")
    preflight_checks: bool = Field(
        default=False, description="true: tag nothing if you cannot edit some matched deals."
    )

    @model_validator(mode="after")
    def _one_selection(self) -> AddTagsParams:
        if (self.deal_ids is None) == (self.query is None):
            raise invalid("deal_ids", "pass exactly one of deal_ids or query")
        return self


class RenameTagParams(Params):
    id: TagName = Field(description="The tag's current name (tags have no other id).")
    new_tag: TagName = Field(description="The new name.")


class DeleteTagParams(Params):
    id: TagName = Field(description="The tag's name (tags have no other id).")
    preflight_checks: Annotated[bool, BODY] = Field(
        default=False, description="true: fail if you cannot edit some tagged deals."
    )
