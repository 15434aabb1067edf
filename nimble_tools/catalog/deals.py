"""Deals: list, create, read, update, delete, the won-last-month widget and overdue activities (``/api/v2/deals``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from .._envelope import LimitPaging
from .._operation import CONTROL, QUERY, NimbleId, Operation, Params, RequestSpec, default_encode
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

FIELD_IDS_HELP = "Custom field ids come from list_all_nimble_deal_fields."


class _DealValues(Params):
    """The optional parts of a deal, shared by create and update."""

    amount: float | None = Field(default=None, ge=0, description="Deal value in the deal's currency, e.g. 12000.")
    probability: int | None = Field(
        default=None, ge=0, le=100, description="Chance to win in percent; without it the stage's default applies."
    )
    description: str | None = Field(default=None, max_length=10000, description="Free text about the deal.")
    expected_close_date: date | None = Field(default=None, description="When it should close, YYYY-MM-DD.")
    fields: list[FieldValues] | None = Field(
        default=None,
        max_length=100,
        description="Other field values, e.g. [{field:'<field id>', values:['Referral']}]. " + FIELD_IDS_HELP,
    )
    currency: Currency | None = Field(default=None, description="ISO-4217 code; defaults to the pipeline's currency.")
    privacy: Privacy | None = Field(default=None, description="Restrict who may read or edit; omit for everyone.")
    related_contacts: list[RelatedContact] | None = Field(
        default=None, max_length=100, description="Nimble contacts in the deal (on update: replaces the list)."
    )
    related_external_contacts: list[ExternalContact] | None = Field(
        default=None, max_length=100, description="People not in Nimble (on update: replaces the list)."
    )
    tags: list[TagName] | None = Field(default=None, max_length=50, description="Deal tags (on update: replaces them).")

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
    stage_id: NimbleId = Field(description="Stage id within that pipeline.")
    owner_id: NimbleId = Field(description="Owner's user_id (list_all_nimble_me gives yours).")


class CreateDealParams(_DealValues, _CreateKeys):
    @model_validator(mode="after")
    def _rules(self) -> CreateDealParams:
        self._check_fields()
        return self


class _UpdateKeys(Params):
    id: NimbleId = Field(description="Deal id.")
    name: str | None = Field(default=None, min_length=1, max_length=256, description="New deal name.")
    pipeline_id: NimbleId | None = Field(default=None, description="Move to this pipeline (needs stage_id too).")
    stage_id: NimbleId | None = Field(default=None, description="Move to this stage.")
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
        default=None, max_length=20, description="Only these activity types, e.g. ['task','call']; omit for all."
    )
    limit: Annotated[int | None, CONTROL] = Field(default=None, ge=1, le=100, description="At most this many.")


class NoParams(Params):
    """No arguments."""


DEAL_WRITE_HELP = (
    "Standard fields are arguments (name, amount, probability, description, expected_close_date); others go in "
    "fields by field id. Probability may be omitted when the stage has a default probability."
)

OPERATIONS = (
    Operation(
        name="list_all_nimble_deals",
        description=(
            "List the deals the user can see, across all pipelines, sorted by sort (default name:asc). Returns full "
            "deal records (owner, stage history, values, tags). For one pipeline's board use "
            "list_all_nimble_pipeline_deals_by_stages."
        ),
        params=ListDealsParams,
        resource="deals",
        method="GET",
        path="/api/v2/deals",
        read_only=True,
        idempotent=True,
        paging=LimitPaging(items_key="resources"),
    ),
    Operation(
        name="create_a_nimble_deal",
        description=(
            "Create a deal in a pipeline stage. Needs name, pipeline_id and stage_id (from "
            "list_all_nimble_deals_pipelines) and owner_id (a user_id). " + DEAL_WRITE_HELP + " Not idempotent: "
            "each call creates a new deal. Returns the saved deal with its deal_id."
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
            "Change a deal: only what you pass changes. " + DEAL_WRITE_HELP + " In fields, values [] clears a "
            "field. stage_id moves the deal (to a Won or Lost stage to close it); pipeline_id moves it to another "
            "pipeline together with a stage_id there. related_contacts, related_external_contacts and tags "
            "replace the whole list."
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
        description="Delete a deal by id, with its notes and files. Permanent; cannot be undone.",
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
            "Get the total amount and the number of deals won last calendar month, over all pipelines "
            "(last_month_won_amount, last_month_won_count). Amounts in different currencies are added as they are."
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
        description=(
            "List a deal's overdue activities (tasks, calls, meetings not done by their time), most overdue first."
        ),
        params=OverdueParams,
        resource="deals",
        method="GET",
        path="/api/v2/deals/{id}/overdue",
        read_only=True,
        idempotent=True,
        paging=LimitPaging(items_key="activities"),
    ),
)
