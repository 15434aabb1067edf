"""A lead: the person to find or create, checked and normalised before any request."""

from __future__ import annotations

import json
from typing import Any

from nimble_tools_action_support import Country, Email, Phone, ShortText, fold, normalise_email, normalise_phone
from pydantic import ConfigDict, Field, PrivateAttr, model_validator

from nimble_tools import Params
from nimble_tools.types._schema import model_facing
from nimble_tools.types.contact_fields import FieldEntry

__all__ = ["MATCH_KEYS", "Lead"]

MATCH_KEYS = ("email", "phone", "name_company")
"""What a lead is matched on, strongest first."""
_TYPED_FIELDS = frozenset({"first name", "last name", "email", "phone", "contact employment"})


class Lead(Params):
    """A person to find in Nimble, or to create when nothing matches."""

    # The tools that take leads say what one is; the docstring is for programmers.
    model_config = ConfigDict(json_schema_extra=model_facing(None))

    # Limits and the country pattern are checked but not published (nimble_tools_action_support._schema):
    # this model is read on every request by two tools, and a model never comes near them.
    first_name: ShortText | None = Field(default=None, description="First name.")
    last_name: ShortText | None = Field(default=None, description="Last name.")
    email: Email | None = Field(default=None, description="Email.")
    phone: Phone | None = Field(default=None, description="Phone, any format.")
    country: Country | None = Field(default=None, description="Two-letter country of a phone without +code, e.g. US.")
    company: ShortText | None = Field(default=None, description="Employer.")
    title: ShortText | None = Field(default=None, description="Job title.")
    tags: list[str] = Field(default_factory=list, max_length=5, description="Tags, if created.")
    other_fields: list[FieldEntry] = Field(
        default_factory=list,
        max_length=50,
        description="More fields, if created, e.g. [{name: 'lead source', value: 'webinar'}].",
    )

    _email: str | None = PrivateAttr(default=None)
    _phone: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check_and_normalise(self) -> Lead:
        for name in ("first_name", "last_name", "email", "phone", "company", "title"):
            value = getattr(self, name)
            if isinstance(value, str):
                setattr(self, name, value.strip() or None)
        if not (self.first_name or self.last_name):
            raise ValueError("a lead needs first_name or last_name (Nimble requires a name for a person)")
        if not (self.email or self.phone or self.company):
            raise ValueError(
                "a lead needs an email, a phone or a company: without one there is nothing to match "
                "existing contacts on, so a retry could create a duplicate"
            )
        typed = sorted({e.name for e in self.other_fields} & _TYPED_FIELDS)
        if typed:
            raise ValueError(f"set {typed} through the lead's own fields (first_name, email, ...), not other_fields")
        self._email = normalise_email(self.email) if self.email else None
        self._phone = normalise_phone(self.phone, self.country) if self.phone else None
        return self

    @property
    def normal_email(self) -> str | None:
        """The email, trimmed and lower-cased."""
        return self._email

    @property
    def normal_phone(self) -> str | None:
        """The phone in E.164."""
        return self._phone

    @property
    def name_company(self) -> tuple[str, str] | None:
        """``("first last", "company")`` folded, when the lead has a company."""
        if not self.company:
            return None
        return fold(f"{self.first_name or ''} {self.last_name or ''}"), fold(self.company)

    def keys(self) -> dict[str, Any]:
        """The lead's identity keys by kind (see :data:`MATCH_KEYS`); absent kinds are left out."""
        found: dict[str, Any] = {"email": self._email, "phone": self._phone, "name_company": self.name_company}
        return {kind: value for kind, value in found.items() if value is not None}

    def contact_fields(self) -> dict[str, list[dict[str, Any]]]:
        """The lead in Nimble's write form for ``create_a_nimble_contact``."""
        fields: dict[str, list[dict[str, Any]]] = {}
        if self.first_name:
            fields["first name"] = [{"value": self.first_name, "modifier": ""}]
        if self.last_name:
            fields["last name"] = [{"value": self.last_name, "modifier": ""}]
        if self._email:
            fields["email"] = [{"value": self._email, "modifier": "work"}]
        if self._phone:
            fields["phone"] = [{"value": self._phone, "modifier": "work"}]
        employment = {k: v for k, v in (("company_name", self.company), ("title", self.title)) if v}
        if employment:
            fields["contact employment"] = [{"value": json.dumps(employment), "modifier": ""}]
        for entry in self.other_fields:
            fields.setdefault(entry.name, []).append(entry.wire())
        return fields
