"""Message drafts: list and save email drafts (``/api/v1/messages/drafts``); nothing is sent."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .._operation import Operation, RequestSpec, default_encode
from .._paging import PagePaging

if TYPE_CHECKING:
    from .params.drafts import CreateDraftParams

RESOURCE = "messages"
MODELS = "nimble_tools.catalog.params.drafts"


def _encode_create(operation: Operation, params: CreateDraftParams) -> RequestSpec:
    return replace(default_encode(operation, params), json=params.wire())


OPERATIONS = (
    Operation(
        name="list_all_nimble_message_drafts",
        title="List email drafts",
        description="List your saved email drafts (subject, body, recipients), optionally by recipient or sender.",
        params=f"{MODELS}:ListDraftsParams",
        method="GET",
        path="/api/v1/messages/drafts",
        paging=PagePaging(items_key="drafts", first_page=0, default_limit=20),
        example={},
    ),
    Operation(
        name="create_a_nimble_message_draft",
        title="Save an email draft",
        description=(
            "Save an email draft for the user to review and send in Nimble; it is NOT sent. Every part is "
            "optional. Not idempotent."
        ),
        params=f"{MODELS}:CreateDraftParams",
        method="POST",
        path="/api/v1/messages/drafts",
        encode=_encode_create,
        example={},
    ),
)
