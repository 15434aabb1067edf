"""Reusable parameter types: Nimble's awkward wire formats behind plain, typed models.

* :mod:`.contact_fields`: typed contact values (emails, phones, addresses, employment, ...) that
  serialize to Nimble's ``fields`` map, JSON-encoding address and employment values.
* :mod:`.search`: contact search conditions, nested with and/or/not, that serialize to Nimble's
  search query JSON (NSE).

Both also accept Nimble's own wire form when validating, so programs can pass either.
"""

from .contact_fields import (
    Address,
    ContactFields,
    Email,
    Employment,
    FieldEntry,
    Phone,
    Url,
    escape_list,
)
from .search import SearchCondition, SearchGroup, SearchQuery, parse_nse, to_nse

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
