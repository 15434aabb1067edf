"""Parameter models of ``nimble_tools.catalog.contact_fields``, imported when one of its operations first needs one."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..._operation import BODY, NimbleId, Params
from .._layout_params import Preflight
from ..contact_fields import PRESENTATION_KEYS

FieldKind = Literal["string", "long_string", "choice", "number", "datetime", "boolean", "address", "user"]

NumberType = Literal["integer", "decimal", "percentage", "financial"]


class ChoiceOption(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, description="Stable option id; contacts store it.")
    value: str = Field(min_length=1, description="Label.")


class _Presentation(Params):
    number_type: NumberType | None = Field(default=None, description="number fields: how numbers show.")
    fraction_digits: int | None = Field(default=None, ge=1, description="decimal/percentage: digits after the point.")
    currency: str | None = Field(default=None, description="financial: ISO 4217 code, e.g. USD.")
    date_format: str | None = Field(default=None, description="datetime: strftime format, e.g. '%Y-%m-%d'.")
    ignore_specific_time: bool | None = Field(default=None, description="datetime without date_format: hide time.")

    def presentation(self, kind: str | None) -> dict[str, Any] | None:
        """Nimble's ``presentation`` object for a field of ``kind`` (None: nothing to send)."""
        number = {"number_type", "fraction_digits", "currency"} & self.model_fields_set
        date = {"date_format", "ignore_specific_time"} & self.model_fields_set
        if kind == "number" or (kind is None and number and self.number_type):
            shown: dict[str, Any] = {"number_type": self.number_type or "integer"}
            if self.number_type in ("decimal", "percentage"):
                shown["fraction_digits"] = self.fraction_digits
            if self.number_type == "financial":
                shown["currency"] = self.currency
            return shown
        if kind == "datetime" or (kind is None and date):
            return {"date_format": self.date_format, "ignore_specific_time": self.ignore_specific_time}
        return {} if kind is not None else None

    def _check_presentation(self, kind: str | None) -> None:
        if self.number_type in ("decimal", "percentage") and self.fraction_digits is None:
            raise ValueError(f"number_type '{self.number_type}' needs fraction_digits (1 or more)")
        if self.date_format is not None and self.ignore_specific_time is not None:
            raise ValueError("ignore_specific_time applies only without date_format: leave one of them null")
        if kind is None:
            return
        given = {k for k in ("number_type", "fraction_digits", "currency") if getattr(self, k) is not None}
        if given and kind != "number":
            raise ValueError(f"{', '.join(sorted(given))} apply to number fields only, not '{kind}'")
        given = {k for k in ("date_format", "ignore_specific_time") if getattr(self, k) is not None}
        if given and kind != "datetime":
            raise ValueError(f"{', '.join(sorted(given))} apply to datetime fields only, not '{kind}'")


class CreateFieldParams(_Presentation):
    name: str = Field(min_length=1, max_length=50, description="Field name (unique).")
    field_kind: FieldKind = Field(description="Fixed once created; choice needs choices, number needs number_type.")
    tab_id: NimbleId = Field(description="Tab for the field.")
    group_id: NimbleId | None = Field(default=None, description="Group in that tab; null: none.")
    insert_after: str | None = Field(default=None, description="Sibling field/group id to follow; null: first.")
    multiples: bool | None = Field(default=None, description="Allow several values (default false).")
    choices: list[ChoiceOption] | None = Field(default=None, description="choice fields: the options.")
    choices_order: Literal["ordinal", "alphabetic"] | None = Field(
        default=None, description="choice fields: ordinal (as given, default) or alphabetic."
    )
    validation: Literal["email", "url"] | None = Field(default=None, description="string fields: value format.")

    @model_validator(mode="after")
    def _consistent(self) -> CreateFieldParams:
        if self.field_kind == "choice":
            if not self.choices:
                raise ValueError("a choice field needs choices: [{id, value}, ...]")
            ids = [c.id for c in self.choices]
            if len(set(ids)) != len(ids):
                raise ValueError("choice ids must be unique")
        elif self.choices or self.choices_order:
            raise ValueError(f"choices apply to choice fields only, not '{self.field_kind}'")
        if self.validation and self.field_kind != "string":
            raise ValueError(f"validation applies to string fields only, not '{self.field_kind}'")
        if self.field_kind == "number" and self.number_type is None:
            raise ValueError("a number field needs number_type: integer, decimal, percentage or financial")
        self._check_presentation(self.field_kind)
        return self

    def field_type(self) -> dict[str, Any]:
        """Nimble's ``field_type`` object."""
        kind: dict[str, Any] = {"field_kind": self.field_kind}
        if self.choices:
            kind["values"] = {
                "ordering_type": self.choices_order or "ordinal",
                "values": [c.model_dump() for c in self.choices],
            }
        if self.validation:
            kind["validation_rule"] = {"type": self.validation}
        return kind


class UpdateFieldParams(_Presentation):
    id: NimbleId = Field(description="Field id.")
    name: str | None = Field(default=None, min_length=1, max_length=50, description="New name.")
    tab_id: NimbleId | None = Field(default=None, description="Move to this tab.")
    group_id: NimbleId | None = Field(default=None, description="Move into this group.")
    remove_from_group: bool | None = Field(default=None, description="true: take it out of its group.")
    insert_after: str | None = Field(default=None, description="Move after this sibling id.")
    move_to_first: bool | None = Field(default=None, description="true: move to the first position.")

    @model_validator(mode="after")
    def _consistent(self) -> UpdateFieldParams:
        self._check_presentation(None)
        if self.group_id and self.remove_from_group:
            raise ValueError("group_id and remove_from_group exclude each other")
        if self.insert_after and self.move_to_first:
            raise ValueError("insert_after and move_to_first exclude each other")
        changes = {"name", "tab_id", "group_id", "remove_from_group", "insert_after", "move_to_first"}
        given = {k for k in self.model_fields_set if getattr(self, k) not in (None, False)}
        if not given & (changes | set(PRESENTATION_KEYS)):
            raise ValueError("nothing to change: pass name, a presentation setting or a new position")
        return self


class DeleteFieldParams(Params):
    id: NimbleId = Field(description="Field id.")
    preflight_checks: Preflight


class CreateChoiceParams(Params):
    field_id: NimbleId = Field(description="Choice field id.")
    option_id: str | None = Field(
        default=None, serialization_alias="id", description="Id for the new option; null: generated."
    )
    value: str = Field(min_length=1, description="Option label.")
    insert_after: str | None = Field(default=None, description="Option id to follow; null: first.")


class UpdateChoiceParams(Params):
    field_id: NimbleId = Field(description="Choice field id.")
    id: str = Field(min_length=1, description="Option id.")
    value: str | None = Field(default=None, min_length=1, description="New label.")
    insert_after: str | None = Field(default=None, description="Move after this option id.")
    move_to_first: bool | None = Field(default=None, description="true: make it the first option.")

    @model_validator(mode="after")
    def _something(self) -> UpdateChoiceParams:
        if self.value is None and self.insert_after is None and not self.move_to_first:
            raise ValueError("nothing to change: pass value, insert_after or move_to_first")
        if self.insert_after and self.move_to_first:
            raise ValueError("insert_after and move_to_first exclude each other")
        return self


class DeleteChoiceParams(Params):
    field_id: NimbleId = Field(description="Choice field id.")
    id: str = Field(min_length=1, description="Option id.")
    preflight_checks: Preflight


class PrimaryParams(Params):
    contact_id: NimbleId = Field(description="Contact id.")
    # a JSON body even on the DELETE variant, as the spec has it
    field_id: Annotated[NimbleId, BODY] = Field(description="The field's id (field_id in each of its values).")
    position: Annotated[int, BODY] = Field(ge=0, description="0-based index of the value in that field's list.")


class NoParams(Params):
    """No arguments."""
