"""Typed contact values that serialize to Nimble's ``fields`` map.

Nimble writes a contact as ``{"<field name>": [{"value": "...", "modifier": "work"}, ...]}``, with
address and employment values as JSON-encoded strings. A model fills :class:`ContactFields`
instead (``emails``, ``phones``, ``addresses``, ``employment``, ...); serializing it produces the
wire map. Every optional attribute also accepts ``null``, because OpenAI strict mode makes a model
send every key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer, model_validator

from .._limits import load_json
from ._schema import model_facing

__all__ = [
    "NAME_FIELDS",
    "Address",
    "ContactFields",
    "Email",
    "Employment",
    "FieldEntry",
    "Phone",
    "Url",
    "escape_list",
]

WireValue = dict[str, Any]
WireFields = dict[str, list[WireValue]]

NAME_FIELDS = ("first name", "last name", "company name")
_MONTH_YEAR = re.compile(r"^(0[1-9]|1[0-2])/(\d{4})$")
_BIRTHDAY = re.compile(r"^(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])(/\d{4})?$")
_DOMAIN = re.compile(r"^(?!-)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63}){1,2}$", re.IGNORECASE)


class _Value(BaseModel):
    # The property that holds a value type says what it is; a second description in $defs is noise.
    model_config = ConfigDict(extra="forbid", defer_build=True, json_schema_extra=model_facing(None))

    is_primary: bool | None = Field(default=None, description="Primary value.")

    def _wire(self, value: str, modifier: str) -> WireValue:
        out: WireValue = {"value": value, "modifier": modifier}
        if self.is_primary:
            out["is_primary"] = True
        return out


class Email(_Value):
    """An email address."""

    value: str = Field(description="Email address.")
    modifier: Literal["work", "personal", "other"] | None = Field(default=None, description="Default work.")

    @field_validator("value")
    @classmethod
    def _looks_like_email(cls, value: str) -> str:
        value = value.strip()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(f"{value!r} is not an email address (expected name@domain.tld)")
        return value


class Phone(_Value):
    """A phone number."""

    value: str = Field(min_length=1, description="As written, e.g. '+1 415 555 0100'.")
    modifier: Literal["work", "home", "mobile", "main", "home fax", "work fax", "other"] | None = Field(
        default=None, description="Default work."
    )


class Url(_Value):
    """A web address."""

    value: str = Field(min_length=1, description="URL.")
    modifier: Literal["work", "personal", "blog", "other"] | None = Field(default=None, description="Default work.")


class Address(_Value):
    """A postal address; Nimble stores it as a JSON-encoded string, done for you."""

    street: str | None = Field(default=None, description="Street and number.")
    city: str | None = Field(default=None, description="City.")
    state: str | None = Field(default=None, description="State or region.")
    zip: str | None = Field(default=None, description="Postal code.")
    country: str | None = Field(default=None, description="Country.")
    modifier: Literal["work", "home", "other"] | None = Field(default=None, description="Default work.")

    @model_validator(mode="after")
    def _not_empty(self) -> Address:
        if not any((self.street, self.city, self.state, self.zip, self.country)):
            raise ValueError("an address needs at least one of street, city, state, zip, country")
        return self

    def encoded(self) -> str:
        """The JSON string Nimble stores."""
        parts = {k: getattr(self, k) for k in ("street", "city", "state", "zip", "country")}
        return json.dumps({k: v for k, v in parts.items() if v}, ensure_ascii=False, separators=(",", ":"))


class Employment(_Value):
    """A job (Nimble's ``contact employment``); links a person to a company by its name."""

    company_name: str | None = Field(default=None, description="Employer; links to that company.")
    title: str | None = Field(default=None, description="Job title.")
    start_date: str | None = Field(default=None, description="MM/YYYY.")
    end_date: str | None = Field(default=None, description="MM/YYYY; none for a current job.")
    is_present: bool | None = Field(default=None, description="Current job (not with end_date).")

    @field_validator("start_date", "end_date")
    @classmethod
    def _month_year(cls, value: str | None) -> str | None:
        if value is not None and not _MONTH_YEAR.match(value):
            raise ValueError(f"{value!r} is not a MM/YYYY date such as '05/2024'")
        return value

    @model_validator(mode="after")
    def _rules(self) -> Employment:
        if not (self.company_name or self.title):
            raise ValueError("an employment needs company_name or title")
        if self.end_date and self.is_present:
            raise ValueError("end_date and is_present=true exclude each other: drop end_date for a current job")
        if self.start_date and self.end_date and _ym(self.start_date) >= _ym(self.end_date):
            raise ValueError("start_date must be earlier than end_date")
        return self

    def encoded(self) -> str:
        """The JSON string Nimble stores."""
        data: dict[str, Any] = {
            k: getattr(self, k) for k in ("company_name", "title", "start_date", "end_date") if getattr(self, k)
        }
        if self.is_present is not None:
            data["is_present"] = self.is_present
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _ym(value: str) -> tuple[int, int]:
    month, year = value.split("/")
    return int(year), int(month)


class FieldEntry(BaseModel):
    """Any field by its Nimble name: social profiles, choice and custom fields, or clearing a value."""

    model_config = ConfigDict(extra="forbid", defer_build=True, json_schema_extra=model_facing(None))

    name: str = Field(min_length=1, description="Field name, e.g. 'linkedin', 'lead status', a custom field.")
    value: str | None = Field(description="Choice fields: the option id. Null clears it on update.")
    modifier: str | None = Field(default=None, description="E.g. 'work', if the field has modifiers.")
    is_primary: bool | None = Field(default=None, description="Primary value.")

    @field_validator("name")
    @classmethod
    def _lower(cls, name: str) -> str:
        return name.strip().lower()

    @model_validator(mode="after")
    def _json_kinds(self) -> FieldEntry:
        if self.name in ("address", "contact employment") and self.value is not None:
            try:
                decoded = load_json(self.value)
            except ValueError:
                decoded = None
            if not isinstance(decoded, dict):
                typed = "addresses" if self.name == "address" else "employment"
                raise ValueError(f"'{self.name}' takes structured values: pass them in {typed} instead")
        return self

    def wire(self) -> WireValue:
        """Nimble's write form of this value."""
        out: WireValue = {"value": self.value, "modifier": self.modifier or ""}
        if self.is_primary:
            out["is_primary"] = True
        return out


# Attribute of ContactFields -> Nimble field name, for the single-valued text fields.
_SINGLE = {
    "first_name": "first name",
    "middle_name": "middle name",
    "last_name": "last name",
    "company_name": "company name",
    "birthday": "birthday",
    "domain": "domain",
}
_MULTI = {
    "emails": "email",
    "phones": "phone",
    "urls": "URL",
    "addresses": "address",
    "employment": "contact employment",
}


class ContactFields(BaseModel):
    """A contact's values. Serializes to Nimble's ``fields`` map.

    Also accepts Nimble's own map (``{"first name": [{"value": "Ann"}]}``), read into
    ``other_fields``.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True, json_schema_extra=model_facing(None))

    first_name: str | None = Field(default=None, description="A person's first name.")
    last_name: str | None = Field(default=None, description="A person's last name.")
    middle_name: str | None = Field(default=None, description="A person's middle name.")
    company_name: str | None = Field(default=None, description="A company record's name (not an employer).")
    emails: list[Email] | None = Field(default=None, description="Email addresses.")
    phones: list[Phone] | None = Field(default=None, description="Phone numbers.")
    addresses: list[Address] | None = Field(default=None, description="Postal addresses.")
    employment: list[Employment] | None = Field(default=None, description="A person's jobs.")
    urls: list[Url] | None = Field(default=None, description="Web addresses.")
    birthday: str | None = Field(default=None, description="MM/DD/YYYY or MM/DD.")
    domain: str | None = Field(default=None, description="A company's web domain, e.g. acme.com.")
    other_fields: list[FieldEntry] | None = Field(
        default=None, description="Any other field by name: social profiles, lead status, custom fields."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_wire(cls, data: Any) -> Any:
        # Nimble's map has lists of value objects under field names; a typo such as {"firstname": "Ann"}
        # is not one, and is left to fail as an unknown field instead of reaching Nimble.
        wire_form = (
            all(isinstance(v, list) and all(isinstance(i, Mapping) for i in v) for v in data.values())
            if isinstance(data, Mapping)
            else False
        )
        if wire_form and data and not set(data) <= set(cls.model_fields):
            return {"other_fields": list(_entries_from_wire(data))}
        return data

    @field_validator("birthday")
    @classmethod
    def _birthday(cls, value: str | None) -> str | None:
        if value is not None and not _BIRTHDAY.match(value):
            raise ValueError(f"{value!r} is not a birthday in MM/DD/YYYY or MM/DD form")
        return value

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        if value is not None and not _DOMAIN.match(value):
            raise ValueError(
                f"{value!r} is not a bare domain such as 'acme.com' (no scheme or path, at most a third-level domain)"
            )
        return value

    @model_validator(mode="after")
    def _no_duplicates(self) -> ContactFields:
        typed = {wire for attr, wire in {**_SINGLE, **_MULTI}.items() if getattr(self, attr) is not None}
        for entry in self.other_fields or ():
            if entry.name in {w.lower() for w in typed}:
                raise ValueError(f"'{entry.name}' is given twice: in other_fields and as a typed field; keep one")
        return self

    def named(self) -> set[str]:
        """Lower-cased names of the fields given a non-null value."""
        return {name.lower() for name, values in self.to_wire().items() if any(v["value"] for v in values)}

    def is_empty(self) -> bool:
        """True when no field is given at all."""
        return not self.to_wire()

    @model_serializer(mode="plain")
    def to_wire(self) -> WireFields:
        """Nimble's ``fields`` map."""
        out: WireFields = {}
        for attr, wire in _SINGLE.items():
            value = getattr(self, attr)
            if value is not None:
                out[wire] = [{"value": value, "modifier": ""}]
        for email in self.emails or ():
            out.setdefault("email", []).append(email._wire(email.value, email.modifier or "work"))
        for phone in self.phones or ():
            out.setdefault("phone", []).append(phone._wire(phone.value, phone.modifier or "work"))
        for url in self.urls or ():
            out.setdefault("URL", []).append(url._wire(url.value, url.modifier or "work"))
        for address in self.addresses or ():
            out.setdefault("address", []).append(address._wire(address.encoded(), address.modifier or "work"))
        for job in self.employment or ():
            out.setdefault("contact employment", []).append(job._wire(job.encoded(), ""))
        for entry in self.other_fields or ():
            out.setdefault(entry.name, []).append(entry.wire())
        return out


def _entries_from_wire(data: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    for name, values in data.items():
        for item in values if isinstance(values, list) else [values]:
            if isinstance(item, Mapping):
                yield {"name": name, **{k: item[k] for k in ("value", "modifier", "is_primary") if k in item}}
            else:
                yield {"name": name, "value": item}


def escape_list(items: Iterable[str]) -> str:
    """Join names or tags with commas, escaping literal commas with a backslash, as Nimble reads them."""
    return ",".join(item.replace("\\", "\\\\").replace(",", "\\,") for item in items)
