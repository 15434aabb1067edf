"""Parameter pieces shared by the deal catalog modules.

Nimble's deal payloads use free-form maps (``fields_values``: field id -> values) and nested type
specs (custom fields). The models here expose explicit lists and flat fields instead, which language
models fill in reliably and which strict JSON schemas can express; each operation's encoder turns
them back into Nimble's shapes. Rules Nimble enforces are checked here too, so that a bad call is
refused with the field and the fix before any request is sent.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from ..._operation import NimbleId
from ..._paths import NIMBLE_ID_PATTERN
from ...types._schema import model_facing

__all__ = [
    "STANDARD_DEAL_FIELDS",
    "Choice",
    "Color",
    "Currency",
    "ExternalContact",
    "FieldSpec",
    "FieldValues",
    "PresentationChange",
    "RelatedContact",
    "Sort",
    "TagName",
    "invalid",
    "number_text",
]

STANDARD_DEAL_FIELDS = ("name", "probability", "description", "amount", "expected_close_date")


def _shaped(pattern: str, message: str, *, upper: bool = False) -> AfterValidator:
    """A check against ``pattern`` whose error says what to send instead of quoting the regex."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise PydanticCustomError("format", message)
        return value.upper() if upper else value

    return AfterValidator(check)


Currency = Annotated[
    str,
    _shaped(r"^[A-Za-z]{3}$", "use a 3-letter ISO-4217 currency code such as USD or EUR", upper=True),
    Field(description="ISO-4217 currency code, e.g. USD or EUR.", json_schema_extra={"pattern": "^[A-Za-z]{3}$"}),
]
Sort = Annotated[
    str,
    _shaped(r"^[A-Za-z_ ]+:(asc|desc)$", "use 'field:asc' or 'field:desc', e.g. 'amount:desc'"),
    Field(
        description="By name, amount, probability or expected_close_date; default 'name:asc'.",
        json_schema_extra={"pattern": "^[A-Za-z_ ]+:(asc|desc)$"},
    ),
]
Color = Annotated[
    str,
    _shaped(r"^#[0-9A-Fa-f]{6}$", "use a colour such as '#1e88e5' (#RRGGBB)"),
    Field(json_schema_extra={"pattern": "^#[0-9A-Fa-f]{6}$"}),
]
TagName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def invalid(field: str | tuple[str | int, ...], message: str, value: Any = None) -> ValidationError:
    """A validation error located at ``field`` (raise it from a model validator)."""
    loc = (field,) if isinstance(field, str) else field
    details = InitErrorDetails(type=PydanticCustomError("deal_rule", message), loc=loc, input=value)
    return ValidationError.from_exception_data("arguments", [details])


def number_text(value: float) -> str:
    """A number as Nimble stores it in ``fields_values``: ``"12000"``, ``"99.5"``."""
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RelatedContact(_Model):
    contact_id: NimbleId = Field(description="Contact id.")
    note: str | None = Field(default=None, max_length=1000, description="Their role, e.g. 'decision maker'.")


class ExternalContact(_Model):
    contact_info: str = Field(min_length=1, max_length=256, description="Their email, phone or name.")
    note: str | None = Field(default=None, max_length=1000, description="Their role.")


class FieldValues(_Model):
    field: str = Field(
        min_length=1,
        max_length=64,
        description="Custom field id, or a standard field name.",
    )
    values: list[Annotated[str, StringConstraints(max_length=10000)]] = Field(
        max_length=1, description="The value as text (digits, YYYY-MM-DD, a choice id); [] clears the field."
    )

    @model_validator(mode="after")
    def _known_field(self) -> FieldValues:
        if self.field not in STANDARD_DEAL_FIELDS and not re.match(NIMBLE_ID_PATTERN, self.field):
            raise invalid(
                "field",
                f"use a field id (24 hex characters) from list_all_nimble_deal_fields or one of "
                f"{', '.join(STANDARD_DEAL_FIELDS)}",
                self.field,
            )
        return self


class Choice(_Model):
    id: str = Field(min_length=1, max_length=64, description="Stable option id; deals store it.")
    value: str = Field(min_length=1, max_length=256, description="Label.")


NumberType = Literal["integer", "decimal", "percentage", "financial"]


class PresentationChange(_Model):
    """How numbers and dates are shown: set the number keys for number fields, the date keys for dates."""

    number_type: NumberType | None = Field(default=None, description="Number fields: how numbers show.")
    fraction_digits: int | None = Field(
        default=None, ge=1, le=10, description="decimal and percentage (required): digits after the point."
    )
    currency: Currency | None = Field(default=None, description="financial (required): ISO-4217 code, e.g. USD.")
    date_format: str | None = Field(
        default=None, max_length=64, description="Date fields: strftime format, e.g. '%Y-%m-%d'; null: per user."
    )
    ignore_specific_time: bool | None = Field(
        default=None, description="Date fields without date_format: true shows the date only."
    )

    def _number_presentation(self) -> dict[str, Any] | None:
        if self.number_type is None:
            return None
        out: dict[str, Any] = {"number_type": self.number_type}
        if self.number_type in ("decimal", "percentage"):
            out["fraction_digits"] = self.fraction_digits
        if self.number_type == "financial":
            out["currency"] = self.currency
        return out

    def _date_presentation(self) -> dict[str, Any]:
        if self.date_format is not None:
            return {"date_format": self.date_format, "ignore_specific_time": None}
        return {"date_format": None, "ignore_specific_time": bool(self.ignore_specific_time)}

    def _check_presentation(self, kind: str | None) -> None:
        number_keys = {"number_type", "fraction_digits", "currency"} & self.model_fields_set
        date_keys = {"date_format", "ignore_specific_time"} & self.model_fields_set
        if kind is not None and kind != "number" and number_keys:
            raise invalid(sorted(number_keys)[0], f"only number fields take this (field_kind is {kind!r})")
        if kind is not None and kind != "datetime" and date_keys:
            raise invalid(sorted(date_keys)[0], f"only datetime fields take this (field_kind is {kind!r})")
        if number_keys and date_keys:
            raise invalid(sorted(date_keys)[0], "number and date settings cannot be mixed")
        if (kind == "number" or number_keys) and self.number_type is None:
            raise invalid("number_type", "required for number fields: integer, decimal, percentage or financial")
        if self.number_type in ("decimal", "percentage") and self.fraction_digits is None:
            raise invalid("fraction_digits", f"required when number_type is {self.number_type!r}, e.g. 2")
        if self.number_type == "financial" and self.currency is None:
            raise invalid("currency", "required when number_type is 'financial', e.g. USD")
        if self.date_format is not None and self.ignore_specific_time is not None:
            raise invalid("ignore_specific_time", "leave it out when date_format is set")

    def presentation_change(self) -> dict[str, Any] | None:
        """The ``presentation`` object for an update, or None when nothing about it was given."""
        if self.number_type is not None:
            return self._number_presentation()
        if {"date_format", "ignore_specific_time"} & self.model_fields_set:
            return self._date_presentation()
        return None


FieldKind = Literal["string", "long_string", "choice", "number", "datetime", "boolean", "address", "user"]


class _FieldKind(_Model):
    name: str = Field(min_length=1, max_length=50, description="Label, unique in the pipeline.")
    field_kind: FieldKind = Field(
        description="Fixed once created; choice needs choices, number needs number_type; user: a Nimble user."
    )
    validation: Literal["email", "url"] | None = Field(default=None, description="String fields: value format.")
    choices: list[Choice] | None = Field(
        default=None, min_length=1, max_length=200, description="Choice fields: the options, in order."
    )
    choices_order: Literal["ordinal", "alphabetic"] | None = Field(
        default=None, description="Choice fields: ordinal (as given, default) or alphabetic."
    )


class FieldSpec(PresentationChange, _FieldKind):
    """A new custom deal field: its name and type, and the presentation numbers and dates need."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=model_facing(None))

    @model_validator(mode="after")
    def _rules(self) -> FieldSpec:
        if self.validation is not None and self.field_kind != "string":
            raise invalid("validation", "only string fields take a validation rule", self.validation)
        if self.field_kind == "choice":
            if not self.choices:
                raise invalid("choices", "a choice field needs at least one option: [{id, value}]")
            ids = [c.id for c in self.choices]
            if len(set(ids)) != len(ids):
                raise invalid("choices", "choice ids must be unique", ids)
        elif self.choices is not None or self.choices_order is not None:
            raise invalid("choices", "only choice fields take choices")
        self._check_presentation(self.field_kind)
        return self

    def to_wire(self) -> dict[str, Any]:
        """``CreateDealsPipelineFieldRequest`` (without position and group)."""
        field_type: dict[str, Any] = {"field_kind": self.field_kind}
        if self.validation is not None:
            field_type["validation_rule"] = self.validation
        if self.choices is not None:
            field_type["values"] = {
                "ordering_type": self.choices_order or "ordinal",
                "values": [c.model_dump() for c in self.choices],
            }
        presentation: dict[str, Any] | None = None
        if self.field_kind == "number":
            presentation = self._number_presentation()
        elif self.field_kind == "datetime":
            presentation = self._date_presentation()
        return {"name": self.name, "field_type": field_type, "presentation": presentation}
