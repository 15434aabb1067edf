"""Lead transitions: moving contacts through contact (lead) pipelines (``/api/v2/leads/{lead_id}/{pipeline_id}``).

A lead is a contact, and these pipelines are *contact* pipelines (``list_all_nimble_contact_pipelines``),
not deal pipelines. Every call answers with the updated contact, whose ``stages_info`` shows where
the lead stands. The tool names are Truto's: the plain create/update/delete tools are the
successful exit, its edit, and clearing the lead's transitions.
"""

from __future__ import annotations

from .._operation import Operation
from ._deal_shared import no_body
from ._examples import ID, ID2, ID3

RESOURCE = "leads"
MODELS = "nimble_tools.catalog.params.leads"


RETURNS = "Returns the contact (stages_info: its stage per pipeline)."


OPERATIONS = (
    Operation(
        name="nimble_pipeline_transition_move_lead_stage",
        title="Move a lead to a stage",
        description=(
            "Move a contact (lead) to a working stage of a contact pipeline (the first move enters it). To close, "
            "use create_a_nimble_pipeline_transition (won) or nimble_pipeline_transition_exit_lead_unsuccessfully "
            "(lost). " + RETURNS
        ),
        params=f"{MODELS}:MoveParams",
        method="POST",
        path="/api/v2/leads/{lead_id}/{pipeline_id}/move",
        example={"lead_id": ID, "pipeline_id": ID2, "stage_id": ID3},
    ),
    Operation(
        name="create_a_nimble_pipeline_transition",
        title="Mark a lead as won",
        description=("Mark a lead as won: exit it successfully from a contact pipeline it is in. " + RETURNS),
        params=f"{MODELS}:ExitParams",
        method="POST",
        path="/api/v2/leads/{lead_id}/{pipeline_id}/successful",
        example={"lead_id": ID, "pipeline_id": ID2},
    ),
    Operation(
        name="update_a_nimble_pipeline_transition_by_id",
        title="Edit a lead's won exit",
        description="Edit the notes or date of a lead's existing successful (won) exit. " + RETURNS,
        params=f"{MODELS}:EditExitParams",
        method="PUT",
        path="/api/v2/leads/{lead_id}/{pipeline_id}/successful",
        example={"lead_id": ID, "pipeline_id": ID2, "notes": "x"},
    ),
    Operation(
        name="nimble_pipeline_transition_exit_lead_unsuccessfully",
        title="Mark a lead as lost",
        description=("Mark a lead as lost: exit it unsuccessfully from a contact pipeline it is in. " + RETURNS),
        params=f"{MODELS}:LostParams",
        method="POST",
        path="/api/v2/leads/{lead_id}/{pipeline_id}/unsuccessful",
        example={"lead_id": ID, "pipeline_id": ID2},
    ),
    Operation(
        name="nimble_pipeline_transition_unsuccessful_exit",
        title="Edit a lead's lost exit",
        description="Edit the notes, date or lost reason of a lead's existing unsuccessful (lost) exit. " + RETURNS,
        params=f"{MODELS}:EditLostParams",
        method="PUT",
        path="/api/v2/leads/{lead_id}/{pipeline_id}/unsuccessful",
        example={"lead_id": ID, "pipeline_id": ID2, "lost_reason": "Price"},
    ),
    Operation(
        name="nimble_pipeline_transition_undo_lead",
        title="Undo a lead's won or lost exit",
        description=("Undo a lead's recent won or lost exit in a contact pipeline, back to its stage. " + RETURNS),
        params=f"{MODELS}:LeadParams",
        method="POST",
        path="/api/v2/leads/{lead_id}/{pipeline_id}/undo",
        encode=no_body,
        example={"lead_id": ID, "pipeline_id": ID2},
    ),
    Operation(
        name="delete_a_nimble_pipeline_transition_by_id",
        title="Clear a lead's pipeline transitions",
        description=(
            "Clear all of a lead's transitions in the current run of a contact pipeline: its stage history there "
            "is erased and it leaves the pipeline; the contact stays. " + RETURNS
        ),
        params=f"{MODELS}:LeadParams",
        method="DELETE",
        path="/api/v2/leads/{lead_id}/{pipeline_id}",
        example={"lead_id": ID, "pipeline_id": ID2},
    ),
)
