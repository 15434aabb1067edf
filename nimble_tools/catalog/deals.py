"""Deals: list, create, read, update, delete, the won-last-month widget and overdue activities (``/api/v2/deals``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from .._envelope import LimitPaging
from .._operation import CONTROL, QUERY, NimbleId, Operation, Params, RequestSpec, default_encode
from ..projections import COMPACT_TAG
from ..types.privacy import Privacy
from ._deal_shared import (
    STANDARD_DEAL_FIELDS,
    Currency,
    ExternalContact,
    FieldValues,
    RelatedContact,
    Sort,
    TagName,
    invalid,
    number_text,
)


class _DealValues(Params):
    """The optional parts of a deal, shared by create and update."""

    amount: float | None = Field(default=None, ge=0, description="Value in the deal's currency, e.g. 12000.")
    probability: int | None = Field(default=None, ge=0, le=100, description="Win chance in %; default: the stage's.")
    description: str | None = Field(default=None, max_length=10000, description="Free text about the deal.")
    expected_close_date: date | None = Field(default=None, description="When it should close.")
    fields: list[FieldValues] | None = Field(
        default=None, max_length=100, description="Custom field values; ids from list_all_nimble_deal_fields."
    )
    currency: Currency | None = Field(default=None, description="ISO-4217 code; default: the pipeline's.")
    privacy: Privacy | None = Field(default=None, description="Who may read or edit; default everyone.")
    related_contacts: list[RelatedContact] | None = Field(
        default=None, max_length=100, description="Nimble contacts in the deal."
    )
    related_external_contacts: list[ExternalContact] | None = Field(
        default=None, max_length=100, description="People in the deal who are not in Nimble."
    )
    tags: list[TagName] | None = Field(default=None, max_length=50, description="Deal tags.")

    def _check_fields(self) -> None:
        seen: set[str] = set()
        for index, entry in enumerate(self.fields or []):
            if entry.field in seen:
                raise invalid(("fields", index, "field"), "this field is listed twice", entry.field)
            if entry.field in STANDARD_DEAL_FIELDS and getattr(self, entry.field, None) is not None:
                raise invalid(("fields", index, "field"), f"already given as the {entry.field!r} argument", entry.field)
            seen.add(entry.field)

    def fields_values(self) -> dict[str, list[dict[str, str]]]:
        """Nimble's ``fields_values`` map: standard fields by name, the others as given."""
        out: dict[str, list[dict[str, str]]] = {}
        name = getattr(self, "name", None)
        if name is not None:
            out["name"] = [{"value": name}]
        if self.amount is not None:
            out["amount"] = [{"value": number_text(self.amount)}]
        if self.probability is not None:
            out["probability"] = [{"value": str(self.probability)}]
        if self.description is not None:
            out["description"] = [{"value": self.description}]
        if self.expected_close_date is not None:
            out["expected_close_date"] = [{"value": self.expected_close_date.isoformat()}]
        for entry in self.fields or []:
            out[entry.field] = [{"value": value} for value in entry.values]
        return out


class _CreateKeys(Params):
    name: str = Field(min_length=1, max_length=256, description="Deal name.")
    pipeline_id: NimbleId = Field(description="Deal pipeline id (list_all_nimble_deals_pipelines).")
    stage_id: NimbleId = Field(description="Stage id in that pipeline.")
    owner_id: NimbleId = Field(description="Owner's user_id; yours: list_all_nimble_me.")


class CreateDealParams(_DealValues, _CreateKeys):
    @model_validator(mode="after")
    def _rules(self) -> CreateDealParams:
        self._check_fields()
        return self


class _UpdateKeys(Params):
    id: NimbleId = Field(description="Deal id.")
    name: str | None = Field(default=None, min_length=1, max_length=256, description="New deal name.")
    pipeline_id: NimbleId | None = Field(default=None, description="Move to this pipeline, with a stage_id there.")
    stage_id: NimbleId | None = Field(default=None, description="Move to this stage (a Won or Lost one closes it).")
    owner_id: NimbleId | None = Field(default=None, description="New owner's user_id.")


class UpdateDealParams(_DealValues, _UpdateKeys):
    @model_validator(mode="after")
    def _rules(self) -> UpdateDealParams:
        self._check_fields()
        if self.pipeline_id is not None and self.stage_id is None:
            raise invalid("stage_id", "moving a deal to another pipeline needs a stage_id of that pipeline")
        if all(getattr(self, key) is None for key in type(self).model_fields if key != "id"):
            raise invalid("arguments", "nothing to change: pass at least one field besides id")
        return self


def _deal_body(params: BaseModel, body: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(params, _DealValues)
    for key in ("fields", "amount", "probability", "description", "expected_close_date", "name"):
        body.pop(key, None)
    values = params.fields_values()
    if values:
        body["fields_values"] = values
    return body


def _encode_deal(operation: Operation, params: BaseModel) -> RequestSpec:
    spec = default_encode(operation, params)
    return replace(spec, json=_deal_body(params, dict(spec.json or {})))


class ListDealsParams(Params):
    sort: Sort = Field(default="name:asc")
    limit: Annotated[int | None, CONTROL] = Field(default=None, ge=1, le=100, description="At most this many deals.")


class DealIdParams(Params):
    id: NimbleId = Field(description="Deal id.")


class OverdueParams(Params):
    id: NimbleId = Field(description="Deal id.")
    types: Annotated[list[str] | None, QUERY] = Field(
        default=None, max_length=20, description="Only these activity types, e.g. ['task','call']."
    )
    limit: Annotated[int | None, CONTROL] = Field(default=None, ge=1, le=100, description="At most this many.")


class NoParams(Params):
    """No arguments."""


OPERATIONS = (
    Operation(
        name="list_all_nimble_deals",
        description=(
            "List the deals you can see across all pipelines, sorted by sort, with owner, stage, values and tags. "
            "For one pipeline's board use list_all_nimble_pipeline_deals_by_stages."
        ),
        params=ListDealsParams,
        resource="deals",
        method="GET",
        path="/api/v2/deals",
        read_only=True,
        idempotent=True,
        paging=LimitPaging(items_key="resources"),
        tags=(COMPACT_TAG,),
    ),
    Operation(
        name="create_a_nimble_deal",
        description=(
            "Create a deal in a pipeline stage; returns it with its deal_id. Not idempotent: each call creates a "
            "new deal."
        ),
        params=CreateDealParams,
        resource="deals",
        method="POST",
        path="/api/v2/deals",
        encode=_encode_deal,
    ),
    Operation(
        name="get_single_nimble_deal_by_id",
        description=(
            "Get one deal by id: name, amount, probability, owner, stage and stage history, related contacts, "
            "custom field values (fields_values_with_names), files and tags."
        ),
        params=DealIdParams,
        resource="deals",
        method="GET",
        path="/api/v2/deals/{id}",
        read_only=True,
        idempotent=True,
    ),
    Operation(
        name="update_a_nimble_deal_by_id",
        description=(
            "Change, move or close a deal: only what you pass changes; lists (contacts, tags) are replaced whole."
        ),
        params=UpdateDealParams,
        resource="deals",
        method="PUT",
        path="/api/v2/deals/{id}",
        idempotent=True,
        encode=_encode_deal,
    ),
    Operation(
        name="delete_a_nimble_deal_by_id",
        description="Permanently delete a deal by id, with its notes and files.",
        params=DealIdParams,
        resource="deals",
        method="DELETE",
        path="/api/v2/deals/{id}",
        destructive=True,
        idempotent=True,
    ),
    Operation(
        name="nimble_deals_won_deals_last_month",
        description=(
            "Get the amount and number of deals won last calendar month, over all pipelines (amounts in "
            "different currencies are added as they are)."
        ),
        params=NoParams,
        resource="deals",
        method="GET",
        path="/api/v2/deals/widget/won_last_month",
        read_only=True,
        idempotent=True,
    ),
    Operation(
        name="nimble_deals_overdue",
        description=("List a deal's overdue activities (tasks, calls, meetings not done in time), most overdue first."),
        params=OverdueParams,
        resource="deals",
        method="GET",
        path="/api/v2/deals/{id}/overdue",
        read_only=True,
        idempotent=True,
        paging=LimitPaging(items_key="activities"),
    ),
)
