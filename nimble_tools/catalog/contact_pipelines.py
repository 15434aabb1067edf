"""Contact (lead) pipelines: ``GET /api/v1/contacts/pipelines``."""

from __future__ import annotations

from .._operation import Operation, Params


class NoParams(Params):
    """No arguments."""


OPERATIONS = (
    Operation(
        name="list_all_nimble_contact_pipelines",
        description=(
            "List the lead pipelines for contacts (not deal pipelines): ids, stages in order (with won/lost "
            "roles and day limits) and lost reasons, the ids that move a contact between stages."
        ),
        params=NoParams,
        resource="contact_pipelines",
        method="GET",
        path="/api/v1/contacts/pipelines",
        read_only=True,
        idempotent=True,
    ),
)
