"""The declarative spec: a tab, its groups and fields, the choices of choice fields."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Literal

from nimble_tools_action_support import QUIET_CHECKS, fold
from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator

from nimble_tools import NimbleId, Params
from nimble_tools.types._schema import model_facing

__all__ = ["FieldSpec", "GroupSpec", "ProvisionParams", "choice_id"]

FieldKind = Literal["string", "long_string", "choice", "number", "datetime", "boolean", "address", "user"]
NumberType = Literal["integer", "decimal", "percentage", "financial"]
ContactType = Literal["person", "company"]
BOTH_TYPES: tuple[ContactType, ...] = ("person", "company")


def choice_id(label: str) -> str:
    """A stable option id for a choice label, so that every run names an option the same way."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(label)).strip("-")[:32]
    return f"{slug or 'option'}-{hashlib.sha1(fold(label).encode()).hexdigest()[:6]}"


class FieldSpec(Params):
    """One custom field as it should exist."""

    # The properties that hold field specs say what they are; a second note in $defs is noise.
    model_config = ConfigDict(json_schema_extra=model_facing(None))

    name: str = Field(min_length=1, max_length=50, description="Unique name.")
    kind: FieldKind = Field(description="Value type.")
    choices: list[str] = Field(default_factory=list, max_length=200, description="choice: the option labels.")
    multiples: bool = Field(default=False, description="Several values.")
    number_type: NumberType | None = Field(default=None, description="number: required.")
    fraction_digits: int | None = Field(default=None, ge=1, le=10, description="decimal, percentage: digits.")
    # Checked, not published: "ISO 4217" says it, and a wrong code is refused naming the field.
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), QUIET_CHECKS] | None = Field(
        default=None, description="financial: ISO 4217 code."
    )
    date_format: Annotated[str, StringConstraints(max_length=40), QUIET_CHECKS] | None = Field(
        default=None, description="datetime: strftime format."
    )
    validation: Literal["email", "url"] | None = Field(default=None, description="string: value format.")

    @field_validator("name")
    @classmethod
    def _trim(cls, name: str) -> str:
        if not name.strip():
            raise ValueError("the field name is empty")
        return name.strip()

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        if self.kind == "choice":
            if not self.choices:
                raise ValueError(f"choice field {self.name!r} needs choices")
            if len({fold(c) for c in self.choices}) != len(self.choices):
                raise ValueError(f"choice field {self.name!r} lists an option twice")
        elif self.choices:
            raise ValueError(f"choices apply to choice fields only; {self.name!r} is {self.kind}")
        if self.kind == "number" and self.number_type is None:
            raise ValueError(f"number field {self.name!r} needs number_type: integer, decimal, percentage or financial")
        if self.number_type in ("decimal", "percentage") and self.fraction_digits is None:
            raise ValueError(f"{self.number_type} field {self.name!r} needs fraction_digits")
        if self.number_type == "financial" and self.currency is None:
            raise ValueError(f"financial field {self.name!r} needs currency, e.g. USD")
        if self.kind != "number" and (self.number_type or self.fraction_digits or self.currency):
            raise ValueError(f"number_type, fraction_digits and currency apply to number fields; {self.name!r} is not")
        if self.kind != "datetime" and self.date_format:
            raise ValueError(f"date_format applies to datetime fields; {self.name!r} is {self.kind}")
        if self.kind != "string" and self.validation:
            raise ValueError(f"validation applies to string fields; {self.name!r} is {self.kind}")
        return self

    def create_arguments(self) -> dict[str, object]:
        """Arguments of the create-field operation, without placement."""
        arguments: dict[str, object] = {"name": self.name, "field_kind": self.kind}
        if self.choices:
            arguments["choices"] = [{"id": choice_id(label), "value": label} for label in self.choices]
        if self.kind == "number":
            arguments["number_type"] = self.number_type
            if self.fraction_digits is not None:
                arguments["fraction_digits"] = self.fraction_digits
            if self.currency is not None:
                arguments["currency"] = self.currency
        if self.kind == "datetime":
            arguments["date_format"] = self.date_format
            if self.date_format is None:
                arguments["ignore_specific_time"] = False
        if self.validation is not None:
            arguments["validation"] = self.validation
        return arguments


class GroupSpec(Params):
    """A group of fields inside the tab."""

    model_config = ConfigDict(json_schema_extra=model_facing(None))

    name: str = Field(min_length=1, max_length=50, description="Group title.")
    fields: list[FieldSpec] = Field(default_factory=list, description="Its fields, in order.")


class ProvisionParams(Params):
    """Custom fields declared as they should be: a contact tab, or the tab of a deal pipeline."""

    tab: str | None = Field(
        default=None, min_length=1, max_length=50, description="Contact fields: the tab title; created if missing."
    )
    pipeline_id: NimbleId | None = Field(default=None, description="Or: the deal pipeline whose fields these are.")
    contact_types: list[ContactType] = Field(
        default_factory=lambda: list(BOTH_TYPES), min_length=1, description="Records a created tab shows on."
    )
    groups: list[GroupSpec] = Field(default_factory=list, description="Field groups.")
    fields: list[FieldSpec] = Field(default_factory=list, description="Fields outside groups.")
    dry_run: bool = Field(default=False, description="Return the plan only; change nothing.")

    @model_validator(mode="after")
    def _unique(self) -> ProvisionParams:
        if (self.tab is None) == (self.pipeline_id is None):
            raise ValueError("give tab (contact fields) or pipeline_id (the fields of a deal pipeline), not both")
        names = [f.name for f in self.all_fields()]
        if not names and not self.groups:
            raise ValueError("the spec declares no group and no field")
        repeated = sorted({fold(n) for n in names if [fold(m) for m in names].count(fold(n)) > 1})
        if repeated:
            raise ValueError(f"field names must be unique; repeated: {repeated}")
        groups = [fold(g.name) for g in self.groups]
        if len(set(groups)) != len(groups):
            raise ValueError("group names must be unique within the tab")
        if self.pipeline_id is not None and any(f.multiples for f in self.all_fields()):
            raise ValueError("deal fields hold one value each: remove multiples")
        return self

    def all_fields(self) -> list[FieldSpec]:
        """Every field of the spec, loose ones first."""
        return [*self.fields, *(f for g in self.groups for f in g.fields)]

    @property
    def label(self) -> str:
        """How results name the tab."""
        return self.tab if self.tab is not None else f"pipeline {self.pipeline_id}"
