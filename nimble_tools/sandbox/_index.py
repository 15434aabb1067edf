"""An inverted index over contacts, so that exact-match searches do not scan every record.

Nimble answers ``{"email": {"in": [...]}}`` over 50,000 contacts at once; a linear scan in the
sandbox would take seconds per search and make benchmarks of lookup strategies meaningless. The
index only narrows: :func:`contact_pool` returns a superset of the matching records (or every
record when the query cannot be narrowed), and the caller still checks each one with the
compiled query, so results are exactly those of a full scan. Values are read with the search
engine's own extractors, so the two cannot disagree about what a field holds.

It stays current through :class:`~._state.Table`, which notes the records a handler reached:
those are re-read before the next search.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..types.search import canonical_field
from ._search import _extractor, fold
from ._state import Record, SandboxState, Table

__all__ = ["INDEXED_FIELDS", "ContactIndex", "contact_pool", "contacts_with"]

INDEXED_FIELDS = frozenset(
    {
        "email",
        "phone",
        "first name",
        "last name",
        "company name",
        "names",
        "company_name",
        "domain",
        "tag",
        "record type",
        "_id",
    }
)
Term = tuple[str, str]


class ContactIndex:
    """``(field, folded value) -> contact ids`` for the ``is`` and ``in`` operators."""

    def __init__(self, state: SandboxState, table: Table) -> None:
        self.table = table
        self._values = {name: _extractor(state, name, None) for name in INDEXED_FIELDS if name != "record type"}
        self.postings: dict[Term, set[str]] = {}
        self.terms: dict[str, list[Term]] = {}

    def refresh(self) -> None:
        """Re-read the records reached since the last search (all of them after a full walk)."""
        table = self.table
        if table.all_touched:
            self.postings.clear()
            self.terms.clear()
            dirty: Iterable[str] = list(dict.keys(table))
        else:
            dirty = list(table.touched)
        table.all_touched = False
        table.touched.clear()
        for contact_id in dirty:
            self._forget(contact_id)
            record = table.quiet_get(contact_id)
            if record is not None:
                self._add(contact_id, record)

    def _forget(self, contact_id: str) -> None:
        for term in self.terms.pop(contact_id, ()):
            ids = self.postings.get(term)
            if ids is not None:
                ids.discard(contact_id)

    def _add(self, contact_id: str, record: Record) -> None:
        found = {(name, fold(value)) for name, values in self._values.items() for value in values(record)}
        found.add(("record type", fold(record.get("record_type", ""))))
        terms = list(found)
        self.terms[contact_id] = terms
        for term in terms:
            self.postings.setdefault(term, set()).add(contact_id)

    def candidates(self, query: Any) -> set[str] | None:
        """Ids of a superset of the records matching ``query``, or None when it cannot narrow."""
        key, body = next(iter(query.items()))
        if key in ("and", "or"):
            parts = [self.candidates(sub) for sub in body]
            narrowed = [p for p in parts if p is not None]
            if key == "and":
                return set.intersection(*sorted(narrowed, key=len)) if narrowed else None
            return set().union(*narrowed) if len(narrowed) == len(parts) else None
        field = canonical_field(str(key))
        if key == "not" or field not in INDEXED_FIELDS or not isinstance(body, Mapping):
            return None
        operator, operand = next(iter(body.items()))
        if field == "record type" and operand == "all":
            return None
        if operator == "is":
            return set(self.postings.get((field, fold(operand)), ()))
        if operator == "in":
            options = operand if isinstance(operand, list) else [operand]
            found: set[str] = set()
            for option in options:
                found |= self.postings.get((field, fold(option)), set())
            return found
        return None


def _current_index(state: SandboxState) -> ContactIndex:
    index = state.indexes.get("contacts")
    if not isinstance(index, ContactIndex):
        index = state.indexes["contacts"] = ContactIndex(state, state.table("contacts"))
    index.refresh()
    return index


def contact_pool(state: SandboxState, query: Any) -> Iterable[Record]:
    """The contacts a search must check: narrowed by the index when the query allows it."""
    table = state.table("contacts")
    if query is None:
        return table.quiet_values()
    ids = _current_index(state).candidates(query)
    if ids is None:
        return table.quiet_values()
    records = (table.quiet_get(i) for i in ids)
    return [r for r in records if r is not None]


def contacts_with(state: SandboxState, field: str, value: Any) -> list[Record]:
    """Contacts whose indexed ``field`` holds ``value`` (compared folded), without a scan.

    For handlers that look records up by value (a company by name, a domain's owner); callers
    still apply their own exact comparison to what comes back.
    """
    table = state.table("contacts")
    ids = _current_index(state).postings.get((field, fold(value)), ())
    return [r for r in (table.quiet_get(i) for i in sorted(ids)) if r is not None]
