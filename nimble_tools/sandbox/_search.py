"""The Nimble Search Engine (NSE) query language, evaluated over sandbox contacts.

A query is ``{"<field>": {"<operator>": value}}`` or a join ``{"and": [...]}``, ``{"or": [...]}``,
``{"not": [query]}``. Text is compared lower-cased and accent-folded, like Nimble's index. An
unknown operator or a malformed query is a 409, as in Nimble.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._http import ApiError

__all__ = ["MAX_DEPTH", "fold", "matches", "parse_query"]

MAX_DEPTH = 20
Record = Mapping[str, Any]

NAME_FIELDS = ("first name", "middle name", "last name", "company name")
ANY_FIELDS = (
    *NAME_FIELDS,
    "address",
    "email",
    "domain",
    "phone",
    "skype id",
    "description",
    "twitter",
    "linkedin",
    "facebook",
    "contact employment",
)
ADDRESS_PARTS = ("city", "state", "country", "street", "zip")


def fold(text: Any) -> str:
    """Lower-case and strip accents: ``"Zoë"`` becomes ``"zoe"``."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def parse_query(raw: str | None) -> Any:
    """Decode the ``query`` argument (JSON text); a bad one is a 409."""
    import json

    if raw is None or raw == "":
        return None
    try:
        query = json.loads(raw)
    except ValueError:
        raise ApiError.validation("query is not valid JSON", {"query": {"message": "Invalid JSON"}}) from None
    check(query, 0)
    return query


def check(query: Any, depth: int) -> None:
    """Validate the shape of a query (joins, operators, depth)."""
    if depth > MAX_DEPTH:
        raise ApiError.validation("Query is nested too deeply", {"query": {"message": f"Maximum depth is {MAX_DEPTH}"}})
    if not isinstance(query, Mapping) or len(query) != 1:
        raise ApiError.validation(
            "Each query node must be an object with exactly one key",
            {"query": {"message": "Invalid query node"}},
        )
    key, body = next(iter(query.items()))
    if key in ("and", "or", "not"):
        if not isinstance(body, list) or not body or (key == "not" and len(body) != 1):
            raise ApiError.validation(f"'{key}' takes a list of subqueries", {"query": {"message": f"Invalid {key}"}})
        for sub in body:
            check(sub, depth + 1)
        return
    if not isinstance(body, Mapping) or len(body) != 1:
        raise ApiError.validation(
            f"Field '{key}' needs exactly one operator", {key: {"message": "Expected {operator: value}"}}
        )
    operator = next(iter(body))
    if operator not in OPERATORS:
        raise ApiError.validation(
            f"Unknown search operator '{operator}'", {key: {"message": f"Unknown operator '{operator}'"}}
        )


def matches(record: Record, query: Any) -> bool:
    """True when the contact satisfies the (already checked) query."""
    key, body = next(iter(query.items()))
    if key == "and":
        return all(matches(record, sub) for sub in body)
    if key == "or":
        return any(matches(record, sub) for sub in body)
    if key == "not":
        return not matches(record, body[0])
    operator, operand = next(iter(body.items()))
    return OPERATORS[operator](field_values(record, key), operand)


def field_values(record: Record, field: str) -> list[str]:
    """The searchable text values of ``field`` in a record (synthetic fields resolved)."""
    name = field.strip().lower()
    fields: Mapping[str, list[Mapping[str, Any]]] = record.get("fields", {})
    if name in ("names", "name"):
        return _values(fields, NAME_FIELDS)
    if name == "__any":
        return _values(fields, ANY_FIELDS) + [str(t) for t in record.get("tags", [])]
    if name == "record type":
        return [str(record.get("record_type", ""))]
    if name == "_id":
        return [str(record.get("id", ""))]
    if name == "tag":
        return [str(t.get("tag") if isinstance(t, Mapping) else t) for t in record.get("tags", [])]
    if name in ("created", "updated"):
        return [str(record.get(name, ""))]
    if name.startswith("address.") or name in ADDRESS_PARTS:
        part = name.split(".", 1)[-1]
        return [str(a.get(part, "")) for a in _json_values(fields.get("address", [])) if a.get(part)]
    if name == "company_name":
        return [
            str(e.get("company_name"))
            for e in _json_values(fields.get("contact employment", []))
            if e.get("company_name")
        ]
    if name == "title":
        return [str(e.get("title")) for e in _json_values(fields.get("contact employment", [])) if e.get("title")]
    return _values(fields, (name,))


def _values(fields: Mapping[str, list[Mapping[str, Any]]], names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        for entry in fields.get(name, []):
            value = entry.get("value")
            if value is not None:
                out.append(str(value))
    return out


def _json_values(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    import json

    decoded = []
    for entry in entries:
        try:
            value = json.loads(entry.get("value") or "{}")
        except ValueError:
            continue
        if isinstance(value, dict):
            decoded.append(value)
    return decoded


def _tokens(text: str) -> set[str]:
    import re

    return set(re.findall(r"\w+", fold(text)))


def _is(values: list[str], operand: Any) -> bool:
    return fold(operand) in {fold(v) for v in values}


def _contain(values: list[str], operand: Any) -> bool:
    # whole-token match of any word of the operand, like Nimble's index
    wanted = _tokens(str(operand))
    return any(wanted & _tokens(v) for v in values) if wanted else False


def _starts_with(values: list[str], operand: Any) -> bool:
    prefix = fold(operand)
    return any(fold(v).startswith(prefix) or any(t.startswith(prefix) for t in _tokens(v)) for v in values)


def _is_empty(values: list[str], operand: Any) -> bool:
    empty = not [v for v in values if v != ""]
    return empty if operand in (True, "true", 1) else not empty


def _in(values: list[str], operand: Any) -> bool:
    options = operand if isinstance(operand, list) else [operand]
    folded = {fold(v) for v in values}
    return any(fold(o) in folded for o in options)


OPERATORS: dict[str, Callable[[list[str], Any], bool]] = {
    "is": _is,
    "is_not": lambda values, operand: not _is(values, operand),
    "contain": _contain,
    "not_contain": lambda values, operand: not _contain(values, operand),
    "starts_with": _starts_with,
    "is_empty": _is_empty,
    "in": _in,
    "not_in": lambda values, operand: not _in(values, operand),
}
