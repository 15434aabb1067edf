"""Deals: list, create, read, update, delete, the won-last-month widget and overdue activities (``/api/v2/deals``)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .._operation import Operation, RequestSpec, default_encode
from .._paging import LimitPaging
from ..projections import COMPACT_TAG
from ._examples import ID, ID2, ID3

if TYPE_CHECKING:
    from .params.deals import DealValues

RESOURCE = "deals"
MODELS = "nimble_tools.catalog.params.deals"


def _encode_deal(operation: Operation, params: DealValues) -> RequestSpec:
    """The default rule, with the deal's values folded into Nimble's ``fields_values`` map."""
    spec = default_encode(operation, params)
    body = dict(spec.json or {})
    for key in ("fields", "amount", "probability", "description", "expected_close_date", "name"):
        body.pop(key, None)
    values = params.fields_values()
    if values:
        body["fields_values"] = values
    return replace(spec, json=body)


OPERATIONS = (
    Operation(
        name="list_all_nimble_deals",
        title="List deals",
        description=(
            "List the deals you can see across all pipelines, sorted by sort, with owner, stage, values and tags. "
            "For one pipeline's board use list_all_nimble_pipeline_deals_by_stages."
        ),
        params=f"{MODELS}:ListDealsParams",
        method="GET",
        path="/api/v2/deals",
        paging=LimitPaging(items_key="resources"),
        tags=(COMPACT_TAG,),
        example={},
    ),
    Operation(
        name="create_a_nimble_deal",
        title="Create a deal",
        description=(
            "Create a deal in a pipeline stage; returns it with its deal_id. Not idempotent: each call creates a "
            "new deal."
        ),
        params=f"{MODELS}:CreateDealParams",
        method="POST",
        path="/api/v2/deals",
        encode=_encode_deal,
        example={"name": "Big deal", "pipeline_id": ID, "stage_id": ID2, "owner_id": ID3},
    ),
    Operation(
        name="get_single_nimble_deal_by_id",
        title="Read a deal",
        description=(
            "Get one deal by id: name, amount, probability, owner, stage and stage history, related contacts, "
            "custom field values (fields_values_with_names), files and tags."
        ),
        params=f"{MODELS}:DealIdParams",
        method="GET",
        path="/api/v2/deals/{id}",
        example={"id": ID},
    ),
    Operation(
        name="update_a_nimble_deal_by_id",
        title="Update a deal",
        description=(
            "Change, move or close a deal: only what you pass changes; lists (contacts, tags) are replaced whole."
        ),
        params=f"{MODELS}:UpdateDealParams",
        method="PUT",
        path="/api/v2/deals/{id}",
        encode=_encode_deal,
        example={"id": ID, "amount": 10},
    ),
    Operation(
        name="delete_a_nimble_deal_by_id",
        title="Delete a deal",
        description="Permanently delete a deal by id, with its notes and files.",
        params=f"{MODELS}:DealIdParams",
        method="DELETE",
        path="/api/v2/deals/{id}",
        example={"id": ID},
    ),
    Operation(
        name="nimble_deals_won_deals_last_month",
        title="Deals won last month",
        description=(
            "Get the amount and number of deals won last calendar month, over all pipelines (amounts in "
            "different currencies are added as they are)."
        ),
        params=f"{MODELS}:NoParams",
        method="GET",
        path="/api/v2/deals/widget/won_last_month",
        example={},
    ),
    Operation(
        name="nimble_deals_overdue",
        title="List a deal's overdue activities",
        description=("List a deal's overdue activities (tasks, calls, meetings not done in time), most overdue first."),
        params=f"{MODELS}:OverdueParams",
        method="GET",
        path="/api/v2/deals/{id}/overdue",
        paging=LimitPaging(items_key="activities"),
        example={"id": ID},
    ),
)
