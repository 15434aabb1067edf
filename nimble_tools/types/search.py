"""Contact search as structured conditions, serialized to Nimble's search query JSON (NSE).

Nimble's form is ``{"<field>": {"<operator>": value}}``, joined by ``{"and": [...]}``,
``{"or": [...]}`` and ``{"not": [query]}``. A model instead sends one :class:`SearchCondition`
(``field``, ``operator``, ``value``) or a :class:`SearchGroup` (``join`` plus ``conditions``).
Serializing either gives the NSE JSON; validating also accepts NSE JSON, so programs can pass
Nimble's form directly.

One ``value`` carries every operator's operand: text or a number, a list for ``in``, ``[start,
end]`` for ranges, ``"30 day"`` for ``in_the_last``. Three keys per condition keep the schema a
model reads (and pays for on every request) small; the operand slots of earlier versions
(``values``, ``quantity`` + ``unit``, ``start`` + ``end``) are still accepted and folded into it.

Checks made here, before any request: operator names, which operators a documented field
supports (:data:`FIELD_OPERATORS`), the operand each operator needs, and the depth limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    GetJsonSchemaHandler,
    Tag,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from ._schema import model_facing

__all__ = [
    "DATE_OPERATORS",
    "FIELD_OPERATORS",
    "MAX_DEPTH",
    "NUMBER_OPERATORS",
    "OPERATORS",
    "TEXT_OPERATORS",
    "SearchCondition",
    "SearchGroup",
    "SearchQuery",
    "parse_nse",
    "to_nse",
]

MAX_DEPTH = 20
"""Nimble's limit on the nesting of a query."""

Operator = Literal[
    "is",
    "is_not",
    "contain",
    "not_contain",
    "starts_with",
    "is_empty",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "range",
    "not_in_range",
    "in_the_last",
    "not_in_the_last",
    "day_month_range",
]
OPERATORS: tuple[str, ...] = get_args(Operator)
TEXT_OPERATORS = frozenset({"is", "is_not", "contain", "not_contain", "starts_with", "is_empty", "in", "not_in"})
DATE_OPERATORS = frozenset({"in_the_last", "not_in_the_last", "range", "not_in_range", "day_month_range", "is_empty"})
NUMBER_OPERATORS = frozenset({"is", "is_not", "is_empty", "in", "gt", "gte", "lt", "lte", "range", "not_in_range"})
TimeUnit = Literal["second", "day", "week", "month", "year"]
TIME_UNITS: tuple[str, ...] = get_args(TimeUnit)

_PLAIN_TEXT = frozenset({"is", "is_not", "contain", "not_contain", "starts_with", "is_empty", "in"})
_ADDRESS_PART = frozenset({"is", "is_not", "contain", "not_contain", "starts_with", "is_empty"})
_LAST_CONTACTED = frozenset(
    {"is_empty", "gt", "gte", "lt", "lte", "range", "not_in_range", "in_the_last", "not_in_the_last"}
)

FIELD_OPERATORS: dict[str, frozenset[str]] = {
    "__any": frozenset({"contain", "not_contain", "starts_with"}),
    "names": frozenset({"contain", "not_contain", "starts_with", "is_empty", "is", "is_not"}),
    **dict.fromkeys(
        ("first name", "middle name", "last name", "company name", "email", "phone", "domain", "skype id"),
        _PLAIN_TEXT,
    ),
    **dict.fromkeys(("title", "company_name"), _PLAIN_TEXT | {"not_in"}),
    "address": frozenset({"contain", "not_contain", "starts_with", "is_empty"}),
    **{f"address.{part}": _ADDRESS_PART for part in ("city", "state", "country", "street", "zip")},
    **dict.fromkeys(("city", "state", "country", "street", "zip"), _ADDRESS_PART),
    "rating": NUMBER_OPERATORS,
    **dict.fromkeys(("created", "updated"), frozenset({"in_the_last", "not_in_the_last", "range", "not_in_range"})),
    "birthday": DATE_OPERATORS,
    **dict.fromkeys(("company last contacted", "user last contacted"), _LAST_CONTACTED),
    "record type": frozenset({"is"}),
    "_id": frozenset({"is", "in", "not_in"}),
    "tag": frozenset({"is", "is_not", "is_empty", "in"}),
    "saved_search": frozenset({"is"}),
    "reminder": frozenset({"is_empty"}),
}
"""Operators each documented search field supports (Nimble's field/operator matrix).

Fields not listed (custom fields) are passed on unchecked; Nimble itself answers 409 for a wrong pair.
"""
FIELD_ALIASES = {"name": "names"}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")
_DAY_MONTH = re.compile(r"^(0[1-9]|[12]\d|3[01])/(0[1-9]|1[0-2])$")

Scalar = str | int | float | bool


def canonical_field(name: str) -> str:
    """A search field name as Nimble indexes it: trimmed, lower-cased, ``name`` -> ``names``."""
    key = " ".join(name.strip().lower().split())
    return FIELD_ALIASES.get(key, key)


FIELD_HELP = (
    "names, __any (any text), first name, last name, company name, email, phone, domain, title, company_name "
    "(employer), address, address.city|state|country|street|zip, tag, record type, _id, created, updated, birthday, "
    "rating, company last contacted, user last contacted, saved_search, reminder, or a custom field."
)
OPERATOR_HELP = "How to compare; it sets the form of value."
VALUE_HELP = (
    "Text or number (gt..lte: number or YYYY-MM-DD; contain: whole words); in/not_in: a list; "
    "range/not_in_range: [start, end] (numbers, YYYY-MM-DD or RFC 3339); day_month_range: ['DD/MM','DD/MM']; "
    "in_the_last/not_in_the_last: '<n> <second|day|week|month|year>', e.g. '30 day'; is_empty: true (default) "
    "or false."
)
_LEGACY_SLOTS = ("values", "quantity", "unit", "start", "end")
_PERIOD = re.compile(rf"^\s*(\d+)\s*({'|'.join(TIME_UNITS)})s?\s*$", re.IGNORECASE)

Operand = Scalar | list[str | int | float]


class SearchCondition(BaseModel):
    """One test on one field, e.g. ``{field: "email", operator: "is", value: "ann@acme.com"}``."""

    model_config = ConfigDict(
        extra="forbid",
        defer_build=True,  # built on first use, not when a plugin imports the type
        json_schema_extra=model_facing(None),  # the search tool's description has an example
    )

    field: str = Field(min_length=1, description=FIELD_HELP)
    operator: Operator = Field(description=OPERATOR_HELP)
    value: Operand | None = Field(default=None, description=VALUE_HELP)

    @model_validator(mode="before")
    @classmethod
    def _fold_slots(cls, data: Any) -> Any:
        """Accept the operand slots of earlier versions: ``values``, ``quantity`` + ``unit``, ``start`` + ``end``."""
        if not isinstance(data, Mapping) or not set(data) & set(_LEGACY_SLOTS):
            return data
        out = {key: item for key, item in data.items() if key not in _LEGACY_SLOTS}
        slots = {key: data[key] for key in _LEGACY_SLOTS if data.get(key) is not None}
        if not slots:
            return out  # all null, as a strict-mode model sends unused keys
        where = f"operator '{data.get('operator')}'"
        if out.get("value") is not None:
            raise ValueError(f"{where}: give the operand once, in value ({', '.join(slots)} are older spellings of it)")
        if "values" in slots:
            out["value"] = slots["values"]
        elif "quantity" in slots or "unit" in slots:
            if "quantity" not in slots or "unit" not in slots:
                raise ValueError(f"{where} needs quantity and unit together, or value such as '30 day'")
            out["value"] = [slots["quantity"], slots["unit"]]
        else:
            if "start" not in slots or "end" not in slots:
                raise ValueError(f"{where} needs both start and end, or value [start, end]")
            out["value"] = [slots["start"], slots["end"]]
        return out

    @model_validator(mode="after")
    def _check(self) -> SearchCondition:
        field = canonical_field(self.field)
        allowed = FIELD_OPERATORS.get(field)
        if allowed is not None and self.operator not in allowed:
            raise ValueError(
                f"field '{field}' does not support operator '{self.operator}'; use one of {', '.join(sorted(allowed))}"
            )
        _operand(self)  # raises when the operand does not suit the operator
        return self

    @model_serializer(mode="plain")
    def nse(self) -> dict[str, Any]:
        """Nimble's JSON form of this condition."""
        return {canonical_field(self.field): {self.operator: _operand(self)}}


def _operand(condition: SearchCondition) -> Any:
    op, value = condition.operator, condition.value
    where = f"operator '{op}'"
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"{where} needs value: a non-empty list, e.g. ['a', 'b']")
        return [item if isinstance(item, str) else str(item) for item in value]
    if op in ("in_the_last", "not_in_the_last"):
        return _period(where, value)
    if op in ("range", "not_in_range", "day_month_range"):
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError(f"{where} needs value [start, end], both start and end")
        return _range(where, op, value[0], value[1])
    if isinstance(value, list):
        raise ValueError(f"{where} takes one value, not a list (lists are for in, not_in and ranges)")
    if op == "is_empty":
        if value is None:
            return True
        if not isinstance(value, bool):
            raise ValueError(f"{where} takes value true or false")
        return value
    if value is None or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{where} needs a non-empty value")
    if (
        op in ("gt", "gte", "lt", "lte")
        and isinstance(value, str)
        and not (_DATE.match(value) or _DATETIME.match(value))
    ):
        raise ValueError(f"{where} compares numbers or dates: got {value!r} (use a number or YYYY-MM-DD)")
    if op in ("contain", "not_contain", "starts_with") and not isinstance(value, str):
        raise ValueError(f"{where} matches text: pass value as a string")
    return value


def _period(where: str, value: Any) -> dict[str, Any]:
    """``"30 day"`` (or ``[30, "day"]``) as Nimble's ``{"unit": "day", "quantity": 30}``."""
    if isinstance(value, list) and len(value) == 2:
        value = f"{value[0]} {value[1]}"
    found = _PERIOD.match(value) if isinstance(value, str) else None
    if found is None or int(found.group(1)) < 1:
        raise ValueError(
            f"{where} needs value '<quantity> <unit>' such as '30 day': quantity a whole number >= 1, "
            f"unit second|day|week|month|year (got {value!r})"
        )
    return {"unit": found.group(2).lower(), "quantity": int(found.group(1))}


def _range(where: str, op: str, start: float | str | None, end: float | str | None) -> dict[str, Any]:
    if start is None or end is None:
        raise ValueError(f"{where} needs both start and end")
    if op == "day_month_range":
        if not (isinstance(start, str) and isinstance(end, str) and _DAY_MONTH.match(start) and _DAY_MONTH.match(end)):
            raise ValueError(f"{where} takes start and end as DD/MM, e.g. '01/03' and '31/03'")
        return {"start_date": start, "end_date": end}
    if isinstance(start, int | float) and isinstance(end, int | float):
        if start > end:
            raise ValueError(f"{where}: start must not be greater than end")
        return {"start": start, "end": end}
    if isinstance(start, str) and isinstance(end, str):
        if _DATE.match(start) and _DATE.match(end):
            pair = {"start_date": start, "end_date": end}
        elif _DATETIME.match(start) and _DATETIME.match(end):
            pair = {"start_datetime": start, "end_datetime": end}
        else:
            raise ValueError(
                f"{where}: start and end must both be numbers, both YYYY-MM-DD dates or both RFC 3339 datetimes"
            )
        if start > end:
            raise ValueError(f"{where}: start must be before end")
        return pair
    raise ValueError(f"{where}: start and end must both be numbers, or both dates of the same form")


class SearchGroup(BaseModel):
    """Conditions joined by and / or, or negated by not (exactly one condition)."""

    model_config = ConfigDict(extra="forbid", defer_build=True, json_schema_extra=model_facing(None))

    join: Literal["and", "or", "not"] = Field(description="not takes exactly one condition.")
    conditions: list[SearchQuery] = Field(min_length=1, description="Conditions or nested groups.")

    @model_validator(mode="after")
    def _check(self) -> SearchGroup:
        if self.join == "not" and len(self.conditions) != 1:
            raise ValueError("join 'not' takes exactly one condition (wrap several in an 'and' group)")
        if _depth(self) > MAX_DEPTH:
            raise ValueError(f"the query is nested deeper than Nimble's limit of {MAX_DEPTH} levels")
        return self

    @model_serializer(mode="plain")
    def nse(self) -> dict[str, Any]:
        """Nimble's JSON form of this group."""
        return {self.join: [condition.nse() for condition in self.conditions]}


def _depth(node: SearchCondition | SearchGroup) -> int:
    if isinstance(node, SearchCondition):
        return 1
    return 1 + max(_depth(child) for child in node.conditions)


def query_kind(value: Any) -> str:
    if isinstance(value, SearchGroup):
        return "group"
    if isinstance(value, Mapping) and ("join" in value or "conditions" in value):
        return "group"
    return "condition"


def from_nse_if_raw(value: Any) -> Any:
    """Let Nimble's own JSON in: a mapping without ``field``/``join`` keys is read as NSE."""
    if isinstance(value, Mapping) and not ({"field", "join", "conditions", "operator"} & set(value)):
        return parse_nse(value)
    return value


class AnyOfUnion:
    """Publish the union as ``anyOf``: OpenAI strict mode and several SDKs refuse ``oneOf``.

    The two branches cannot both match (each forbids the other's required keys), so nothing changes.
    """

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        result = handler(schema)
        if "oneOf" in result:
            result["anyOf"] = result.pop("oneOf")
        return result


SearchQuery = Annotated[
    Annotated[SearchCondition, Tag("condition")] | Annotated[SearchGroup, Tag("group")],
    Discriminator(query_kind),
    BeforeValidator(from_nse_if_raw),
    AnyOfUnion(),
]
"""One condition or a group: the type of every ``query`` parameter."""


def parse_nse(query: Any, path: str = "query", depth: int = 1) -> dict[str, Any]:
    """Read Nimble's JSON form into the structured form (as plain data), or raise ValueError.

    Args:
        query: an NSE query, e.g. ``{"and": [{"email": {"is": "a@b.c"}}]}``.
        path: where the query sits, for error messages.
        depth: nesting level of ``query``.
    """
    if depth > MAX_DEPTH:
        raise ValueError(f"{path}: the query is nested deeper than Nimble's limit of {MAX_DEPTH} levels")
    if not isinstance(query, Mapping) or len(query) != 1:
        raise ValueError(f"{path}: each query node is an object with exactly one key (a field, and, or, not)")
    key, body = next(iter(query.items()))
    if key in ("and", "or", "not"):
        if not isinstance(body, list) or not body:
            raise ValueError(f"{path}.{key}: takes a non-empty list of queries")
        return {"join": key, "conditions": [parse_nse(q, f"{path}.{key}[{i}]", depth + 1) for i, q in enumerate(body)]}
    if key == "custom_fields" and isinstance(body, Mapping) and len(body) == 1:
        key, body = next(iter(body.items()))  # legacy wrapper: {"custom_fields": {"<name>": {...}}}
    if not isinstance(body, Mapping) or len(body) != 1:
        raise ValueError(f'{path}.{key}: expected exactly one operator, as {{"<operator>": value}}')
    operator, operand = next(iter(body.items()))
    if operator not in OPERATORS:
        raise ValueError(f"{path}.{key}: unknown operator {operator!r}; use one of {', '.join(OPERATORS)}")
    condition: dict[str, Any] = {"field": key, "operator": operator}
    if operator in ("in", "not_in"):
        condition["value"] = [str(v) for v in operand] if isinstance(operand, list) else operand
    elif isinstance(operand, Mapping):
        # An incomplete operand leaves value out: the condition's own check then says what is missing.
        if "quantity" in operand or "unit" in operand:
            if operand.get("quantity") is not None and operand.get("unit") is not None:
                condition["value"] = [operand["quantity"], operand["unit"]]
        else:
            start = _first(operand, "start", "start_date", "start_datetime")
            end = _first(operand, "end", "end_date", "end_datetime")
            if start is not None and end is not None:
                condition["value"] = [start, end]
    else:
        condition["value"] = operand
    return condition


def _first(mapping: Mapping[str, Any], *keys: str) -> Any:
    return next((mapping[k] for k in keys if k in mapping), None)


def to_nse(query: SearchCondition | SearchGroup) -> dict[str, Any]:
    """Nimble's JSON form of a structured query."""
    return query.nse()
