"""Reusable parameter types: Nimble's awkward wire formats behind plain, typed models.

* :mod:`.contact_fields`: typed contact values (emails, phones, addresses, employment, ...) that
  serialize to Nimble's ``fields`` map, JSON-encoding address and employment values.
* :mod:`.search`: contact search conditions, nested with and/or/not, that serialize to Nimble's
  search query JSON (NSE).

Both also accept Nimble's own wire form when validating, so programs can pass either.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .contact_fields import Address, ContactFields, Email, Employment, FieldEntry, Phone, Url, escape_list
    from .search import SearchCondition, SearchGroup, SearchQuery, parse_nse, to_nse

# Imported on first use: a plugin that needs one helper of this package does not load every type.
_HOMES = {
    **dict.fromkeys(
        ("Address", "ContactFields", "Email", "Employment", "FieldEntry", "Phone", "Url", "escape_list"),
        ".contact_fields",
    ),
    **dict.fromkeys(("SearchCondition", "SearchGroup", "SearchQuery", "parse_nse", "to_nse"), ".search"),
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Address",
    "ContactFields",
    "Email",
    "Employment",
    "FieldEntry",
    "Phone",
    "SearchCondition",
    "SearchGroup",
    "SearchQuery",
    "Url",
    "escape_list",
    "parse_nse",
    "to_nse",
]
