"""Nimble's default contact fields and the rules for values written to them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = ["DEFAULT_FIELDS", "FieldDef", "field_id_for", "find_field"]


@dataclass(frozen=True)
class FieldDef:
    """One contact field: its name, modifiers and whether it holds several values."""

    name: str
    modifiers: tuple[str, ...] = ()
    multiples: bool = True
    kind: str = "string"
    record_types: tuple[str, ...] = ("person", "company")
    group: str = "Contact info"

    @property
    def field_id(self) -> str:
        return field_id_for(self.name)


def field_id_for(name: str) -> str:
    """A stable 24-hex id for a field name, the same in every sandbox."""
    return hashlib.sha1(f"field:{name}".encode()).hexdigest()[:24]


_SOCIAL = (
    "skype id",
    "twitter",
    "facebook",
    "linkedin",
    "google plus",
    "muck rack",
    "threads",
    "instagram",
    "tiktok",
    "youtube",
    "foursquare",
)

DEFAULT_FIELDS: tuple[FieldDef, ...] = (
    FieldDef("first name", multiples=False, record_types=("person",), group="Name"),
    FieldDef("middle name", multiples=False, record_types=("person",), group="Name"),
    FieldDef("last name", multiples=False, record_types=("person",), group="Name"),
    FieldDef("company name", multiples=False, record_types=("company",), group="Name"),
    FieldDef("contact employment", kind="employment", record_types=("person",), group="Employment"),
    FieldDef("birthday", multiples=False, kind="date", record_types=("person",)),
    FieldDef("domain", multiples=False, record_types=("company",)),
    FieldDef("phone", modifiers=("work", "home", "mobile", "main", "home fax", "work fax", "other")),
    FieldDef("email", modifiers=("work", "personal", "other")),
    *(FieldDef(name) for name in _SOCIAL),
    FieldDef("url", modifiers=("work", "personal", "blog", "other")),
    FieldDef("address", modifiers=("work", "home", "other"), kind="address"),
    FieldDef("description", modifiers=("other", "twitter", "facebook", "linkedin", "google+", "foursquare")),
    FieldDef("hubspot", multiples=False),
    FieldDef("annual revenue", multiples=False, record_types=("company",)),
    FieldDef("# of employees", multiples=False, kind="choice", record_types=("company",)),
    FieldDef("rating", multiples=False, kind="choice"),
    FieldDef("lead status", multiples=False, kind="choice"),
    FieldDef("lead source", multiples=False, kind="choice"),
    FieldDef("lead type", multiples=False, kind="choice"),
)

_BY_NAME = {f.name: f for f in DEFAULT_FIELDS}
_BY_NAME["URL"] = _BY_NAME["url"]


def find_field(name: str, custom: dict[str, FieldDef] | None = None) -> FieldDef | None:
    """The definition of a field by its (case-insensitive) name, default or custom."""
    key = name.strip().lower()
    if key in _BY_NAME:
        return _BY_NAME[key]
    return (custom or {}).get(key)
