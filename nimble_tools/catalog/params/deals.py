"""Parameter models of ``nimble_tools.catalog.deals``, imported when one of its operations first needs one."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, model_validator

from ..._operation import CONTROL, QUERY, NimbleId, Params
from ...types.privacy import Privacy
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


class DealValues(Params):
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


class CreateDealParams(DealValues, _CreateKeys):
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


class UpdateDealParams(DealValues, _UpdateKeys):
    @model_validator(mode="after")
    def _rules(self) -> UpdateDealParams:
        self._check_fields()
        if self.pipeline_id is not None and self.stage_id is None:
            raise invalid("stage_id", "moving a deal to another pipeline needs a stage_id of that pipeline")
        if all(getattr(self, key) is None for key in type(self).model_fields if key != "id"):
            raise invalid("arguments", "nothing to change: pass at least one field besides id")
        return self


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
