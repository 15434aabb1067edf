"""The authenticated user (``/api/v1/myself``)."""

from __future__ import annotations

from .._operation import Operation

RESOURCE = "me"
MODELS = "nimble_tools.catalog.params.me"


OPERATIONS = (
    Operation(
        name="list_all_nimble_me",
        title="Who am I",
        description=(
            "Get the signed-in Nimble user (user_id, name, email, company_id, company_size). Your user_id "
            "is the owner_id for new deals and contacts. Also checks that the credentials work."
        ),
        params=f"{MODELS}:MeParams",
        method="GET",
        path="/api/v1/myself",
        example={},
    ),
)
