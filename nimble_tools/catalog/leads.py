"""Lead transitions: moving contacts through contact (lead) pipelines (``/api/v2/leads/{lead_id}/{pipeline_id}``).

A lead is a contact, and these pipelines are *contact* pipelines (``list_all_nimble_contact_pipelines``),
not deal pipelines. Every call answers with the updated contact, whose ``stages_info`` shows where
the lead stands. The tool names are Truto's: the plain create/update/delete tools are the
successful exit, its edit, and clearing the lead's transitions.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, model_validator

from .._operation import NimbleId, Operation, Params
from ._deal_shared import invalid, no_body


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


RETURNS = "Returns the contact (stages_info: its stage per pipeline)."

OPERATIONS = (
    Operation(
        name="nimble_pipeline_transition_move_lead_stage",
        description=(
            "Move a contact (lead) to a working stage of a contact pipeline (the first move enters it). To close, "
            "use create_a_nimble_pipeline_transition (won) or nimble_pipeline_transition_exit_lead_unsuccessfully "
            "(lost). " + RETURNS
        ),
        params=MoveParams,
        resource="leads",
        method="POST",
        path="/api/v2/leads/{lead_id}/{pipeline_id}/move",
    ),
    Operation(
        name="create_a_nimble_pipeline_transition",
        description=("Mark a lead as won: exit it successfully from a contact pipeline it is in. " + RETURNS),
        params=ExitParams,
        resource="leads",
        method="POST",
        path="/api/v2/leads/{lead_id}/{pipeline_id}/successful",
    ),
    Operation(
        name="update_a_nimble_pipeline_transition_by_id",
        description="Edit the notes or date of a lead's existing successful (won) exit. " + RETURNS,
        params=EditExitParams,
        resource="leads",
        method="PUT",
        path="/api/v2/leads/{lead_id}/{pipeline_id}/successful",
        idempotent=True,
    ),
    Operation(
        name="nimble_pipeline_transition_exit_lead_unsuccessfully",
        description=("Mark a lead as lost: exit it unsuccessfully from a contact pipeline it is in. " + RETURNS),
        params=LostParams,
        resource="leads",
        method="POST",
        path="/api/v2/leads/{lead_id}/{pipeline_id}/unsuccessful",
    ),
    Operation(
        name="nimble_pipeline_transition_unsuccessful_exit",
        description="Edit the notes, date or lost reason of a lead's existing unsuccessful (lost) exit. " + RETURNS,
        params=EditLostParams,
        resource="leads",
        method="PUT",
        path="/api/v2/leads/{lead_id}/{pipeline_id}/unsuccessful",
        idempotent=True,
    ),
    Operation(
        name="nimble_pipeline_transition_undo_lead",
        description=("Undo a lead's recent won or lost exit in a contact pipeline, back to its stage. " + RETURNS),
        params=LeadParams,
        resource="leads",
        method="POST",
        path="/api/v2/leads/{lead_id}/{pipeline_id}/undo",
        encode=no_body,
    ),
    Operation(
        name="delete_a_nimble_pipeline_transition_by_id",
        description=(
            "Clear all of a lead's transitions in the current run of a contact pipeline: its stage history there "
            "is erased and it leaves the pipeline; the contact stays. " + RETURNS
        ),
        params=LeadParams,
        resource="leads",
        method="DELETE",
        path="/api/v2/leads/{lead_id}/{pipeline_id}",
        destructive=True,
        idempotent=True,
    ),
)
