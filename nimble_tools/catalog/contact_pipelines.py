"""Contact (lead) pipelines: ``GET /api/v1/contacts/pipelines``."""

from __future__ import annotations

from .._operation import Operation

RESOURCE = "contact_pipelines"
MODELS = "nimble_tools.catalog.params.contact_pipelines"


OPERATIONS = (
    Operation(
        name="list_all_nimble_contact_pipelines",
        title="List lead pipelines",
        description=(
            "List the lead pipelines for contacts (not deal pipelines): ids, stages in order (with won/lost "
            "roles and day limits) and lost reasons, the ids that move a contact between stages."
        ),
        params=f"{MODELS}:NoParams",
        method="GET",
        path="/api/v1/contacts/pipelines",
        example={},
    ),
)
