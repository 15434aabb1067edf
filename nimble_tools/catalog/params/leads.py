"""Parameter models of ``nimble_tools.catalog.leads``, imported when one of its operations first needs one."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, model_validator

from ..._operation import NimbleId, Params
from ._deal_shared import invalid


class LeadParams(Params):
    lead_id: NimbleId = Field(description="Contact id.")
    pipeline_id: NimbleId = Field(description="Contact pipeline id (list_all_nimble_contact_pipelines).")


class MoveParams(LeadParams):
    stage_id: NimbleId = Field(description="A working stage of that pipeline (not Won or Lost).")


class ExitParams(LeadParams):
    actual_exit_date: datetime | None = Field(default=None, description="When it happened; default now.")
    notes: str | None = Field(default=None, max_length=10000, description="Comment kept with the exit.")


class EditExitParams(ExitParams):
    @model_validator(mode="after")
    def _something(self) -> EditExitParams:
        if all(getattr(self, k) is None for k in type(self).model_fields if k not in ("lead_id", "pipeline_id")):
            raise invalid("notes", "nothing to change: pass notes, actual_exit_date or lost_reason")
        return self


class LostParams(ExitParams):
    lost_reason: str | None = Field(
        default=None, min_length=1, max_length=256, description="One of the pipeline's lost_reasons (text or id)."
    )


class EditLostParams(LostParams, EditExitParams):
    pass
