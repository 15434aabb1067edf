"""The Nimble Search Engine (NSE) query language, evaluated over sandbox contacts.

A query is ``{"<field>": {"<operator>": value}}`` or a join ``{"and": [...]}``, ``{"or": [...]}``,
``{"not": [query]}`` (at most :data:`MAX_DEPTH` levels). Text is compared lower-cased and
accent-folded, like Nimble's index. Fields and their operators follow Nimble's field/operator
matrix (:data:`nimble_tools.types.search.FIELD_OPERATORS`); custom fields get the operators of
their kind. Anything Nimble would refuse (bad JSON, unknown field or operator, a wrong pair, a
malformed operand) is a 409 validation error.
"""

from __future__ import annotations

import calendar
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ..readers import parse_timestamp
from ..types.search import FIELD_OPERATORS, MAX_DEPTH, NUMBER_OPERATORS, OPERATORS, canonical_field
from ._fields import FieldDef, find_field
from ._http import ApiError
from ._records import contact_name, employment_values
from ._state import SandboxState

__all__ = ["MAX_DEPTH", "CompiledQuery", "compile_query", "fold", "parse_query"]

Record = Mapping[str, Any]
Test = Callable[[Record], bool]

NAME_FIELDS = ("first name", "middle name", "last name", "company name")
ANY_FIELDS = (*NAME_FIELDS, "address", "email", "domain", "phone", "skype id", "description")
ADDRESS_PARTS = ("city", "state", "country", "street", "zip")
_TEXT = frozenset({"is", "is_not", "contain", "not_contain", "starts_with", "is_empty", "in"})
_DATE_OPS = frozenset({"in_the_last", "not_in_the_last", "range", "not_in_range", "is_empty", "gt", "gte", "lt", "lte"})
_KIND_OPERATORS: dict[str, frozenset[str]] = {
    "string": _TEXT,
    "long_string": _TEXT,
    "choice": frozenset({"is", "is_not", "is_empty", "in"}),
    "number": NUMBER_OPERATORS,
    "datetime": _DATE_OPS,
    "boolean": frozenset({"is", "is_empty"}),
    "user": frozenset({"is", "is_not", "is_empty", "in"}),
    "address": FIELD_OPERATORS["address"],
    "employment": _TEXT,
}
_NUMERIC_FIELDS = frozenset({"rating"})
_DATE_FIELDS = frozenset({"created", "updated", "birthday", "company last contacted", "user last contacted"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY_MONTH = re.compile(r"^(0[1-9]|[12]\d|3[01])/(0[1-9]|1[0-2])$")
_UNITS = {"second", "day", "week", "month", "year"}


def fold(text: Any) -> str:
    """Lower-case and strip accents: ``"Zoë"`` becomes ``"zoe"``."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold(text)))


def _invalid(message: str, key: str = "query") -> ApiError:
    return ApiError.validation(message, {key: {"message": message}})


def parse_query(raw: str | None) -> Any:
    """Decode the ``query`` argument (JSON text); a bad one is a 409."""
    if raw is None or raw == "":
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise _invalid("query is not valid JSON") from None


class CompiledQuery:
    """A checked query, ready to test records."""

    def __init__(self, test: Test) -> None:
        self._test = test

    def matches(self, record: Record) -> bool:
        """True when the contact satisfies the query."""
        return self._test(record)


def compile_query(state: SandboxState, query: Any) -> CompiledQuery:
    """Check a decoded query against Nimble's rules and compile it (409 on any problem)."""
    return CompiledQuery(_compile(state, query, 1, "query"))


def _compile(state: SandboxState, query: Any, depth: int, path: str) -> Test:
    if depth > MAX_DEPTH:
        raise _invalid(f"Query is nested too deeply: the maximum depth is {MAX_DEPTH}")
    if not isinstance(query, Mapping) or len(query) != 1:
        raise _invalid(f"{path}: each query node must be an object with exactly one key")
    key, body = next(iter(query.items()))
    if key in ("and", "or", "not"):
        if not isinstance(body, list) or not body or (key == "not" and len(body) != 1):
            expected = "exactly one subquery" if key == "not" else "a non-empty list of subqueries"
            raise _invalid(f"{path}: '{key}' takes {expected}")
        tests = [_compile(state, sub, depth + 1, f"{path}.{key}[{i}]") for i, sub in enumerate(body)]
        if key == "and":
            return lambda r: all(t(r) for t in tests)
        if key == "or":
            return lambda r: any(t(r) for t in tests)
        return lambda r: not tests[0](r)
    if key == "custom_fields" and isinstance(body, Mapping) and len(body) == 1:
        key, body = next(iter(body.items()))  # legacy form {"custom_fields": {"<name>": {...}}}
    if not isinstance(body, Mapping) or len(body) != 1:
        raise _invalid(f"Field '{key}' needs exactly one operator, as {{operator: value}}", key)
    operator, operand = next(iter(body.items()))
    return _terminal(state, str(key), str(operator), operand)


def _terminal(state: SandboxState, raw_field: str, operator: str, operand: Any) -> Test:
    field = canonical_field(raw_field)
    if operator not in OPERATORS:
        raise _invalid(f"Unknown search operator '{operator}'", raw_field)
    definition = None
    allowed = FIELD_OPERATORS.get(field)
    if allowed is None:
        definition = find_field(state, field)
        if definition is None:
            raise _invalid(f"Unknown search field '{raw_field}'", raw_field)
        allowed = _KIND_OPERATORS.get(definition.kind, _TEXT)
    if operator not in allowed:
        raise _invalid(f"Operator '{operator}' is not supported for field '{field}'", raw_field)
    if isinstance(operand, str) and not operand.strip():
        raise _invalid(f"Empty value for field '{field}'", raw_field)
    values = _extractor(state, field, definition)
    if field in _DATE_FIELDS or (definition is not None and definition.kind == "datetime"):
        return _date_test(state, field, operator, operand, values)
    if field in _NUMERIC_FIELDS or (definition is not None and definition.kind == "number"):
        return _number_test(field, operator, operand, values)
    if field == "saved_search":
        return _saved_search(state, operand)
    if field == "record type":
        if operand not in ("person", "company", "all"):
            raise _invalid("record type must be person, company or all", raw_field)
        return lambda r: operand == "all" or r.get("record_type") == operand
    if field == "reminder":
        empty = _flag(operator, operand, field)
        return lambda r: (r.get("reminder") is None) == empty
    return _text_test(field, operator, operand, values)


# --- values of a field in a record ------------------------------------------------------------

Extractor = Callable[[Record], list[str]]


def _field_values(fields: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    out: list[str] = []
    lowered = {k.lower(): v for k, v in fields.items()}
    for name in names:
        for entry in lowered.get(name.lower(), []):
            if entry.get("value") is not None:
                out.append(str(entry["value"]))
    return out


def _addresses(record: Record) -> list[dict[str, Any]]:
    out = []
    for entry in record.get("fields", {}).get("address", []):
        try:
            decoded = json.loads(entry.get("value") or "{}")
        except ValueError:
            continue
        if isinstance(decoded, dict):
            out.append(decoded)
    return out


def _address_text(record: Record) -> list[str]:
    return [
        " ".join(str(a.get(p, "")) for p in ("street", "city", "state", "zip", "country")) for a in _addresses(record)
    ]


def _employment_text(record: Record) -> list[str]:
    return [" ".join(str(j.get(k) or "") for k in ("company_name", "title")) for j in employment_values(record)]


def _names(record: Record) -> list[str]:
    return [*_field_values(record.get("fields", {}), NAME_FIELDS), contact_name(record)]


def _extractor(state: SandboxState, field: str, definition: FieldDef | None) -> Extractor:
    if field == "names":
        return _names
    if field == "__any":
        return lambda r: (
            _names(r) + _field_values(r.get("fields", {}), ANY_FIELDS[4:]) + _address_text(r) + _employment_text(r)
        )
    if field == "_id":
        return lambda r: [str(r.get("id", ""))]
    if field == "tag":
        return lambda r: [str(t.get("tag") if isinstance(t, Mapping) else t) for t in r.get("tags", [])]
    if field == "address":
        return _address_text
    if field.startswith("address.") or field in ADDRESS_PARTS:
        part = field.split(".", 1)[-1]
        return lambda r: [str(a[part]) for a in _addresses(r) if a.get(part)]
    if field in ("company_name", "title"):
        return lambda r: [str(j[field]) for j in employment_values(r) if j.get(field)]
    if field in ("created", "updated"):
        return lambda r: [str(r[field])] if r.get(field) else []
    if field == "user last contacted":
        return lambda r: [str(r["last_contacted"]["tstamp"])] if r.get("last_contacted") else []
    if field == "company last contacted":
        return lambda r: [
            str(v["tstamp"]) for v in (r.get("company_last_contacted") or {}).values() if isinstance(v, Mapping)
        ]
    name = definition.name if definition is not None else field
    return lambda r: _field_values(r.get("fields", {}), (name,))


# --- text ---------------------------------------------------------------------------------------


def _flag(operator: str, operand: Any, field: str) -> bool:
    if operand not in (True, False):
        raise _invalid(f"'{operator}' takes true or false for field '{field}'", field)
    return bool(operand)


def _text_test(field: str, operator: str, operand: Any, values: Extractor) -> Test:
    if operator == "is_empty":
        empty = _flag(operator, operand, field)
        return lambda r: (not [v for v in values(r) if v.strip()]) == empty
    if operator in ("in", "not_in"):
        if not isinstance(operand, list) or not operand or not all(isinstance(o, str | int | float) for o in operand):
            raise _invalid(f"'{operator}' takes a non-empty list of values for field '{field}'", field)
        options = {fold(o) for o in operand}
        hit: Test = lambda r: any(fold(v) in options for v in values(r))  # noqa: E731
        return hit if operator == "in" else lambda r: not hit(r)
    if not isinstance(operand, str | int | float) or isinstance(operand, bool):
        raise _invalid(f"'{operator}' takes a text value for field '{field}'", field)
    wanted = fold(operand)
    if operator in ("is", "is_not"):
        same: Test = lambda r: any(fold(v) == wanted for v in values(r))  # noqa: E731
        return same if operator == "is" else lambda r: not same(r)
    if operator in ("contain", "not_contain"):
        # whole-token match of any word of the operand, like Nimble's full-text index
        words = _tokens(str(operand))
        if not words:
            raise _invalid(f"'{operator}' needs at least one word for field '{field}'", field)
        found: Test = lambda r: any(words & _tokens(v) for v in values(r))  # noqa: E731
        return found if operator == "contain" else lambda r: not found(r)
    if operator == "starts_with":
        return lambda r: any(
            fold(v).startswith(wanted) or any(t.startswith(wanted) for t in _tokens(v)) for v in values(r)
        )
    raise _invalid(f"Operator '{operator}' is not supported for field '{field}'", field)


# --- numbers ------------------------------------------------------------------------------------


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool):
        raise _invalid(f"Field '{field}' compares numbers", field)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _invalid(f"Field '{field}' compares numbers: {value!r} is not one", field) from None


def _numbers(values: Extractor, record: Record) -> list[float]:
    out = []
    for value in values(record):
        try:
            out.append(float(value))
        except ValueError:
            continue
    return out


def _number_test(field: str, operator: str, operand: Any, values: Extractor) -> Test:
    if operator == "is_empty":
        empty = _flag(operator, operand, field)
        return lambda r: (not _numbers(values, r)) == empty
    if operator == "in":
        if not isinstance(operand, list) or not operand:
            raise _invalid(f"'in' takes a non-empty list of numbers for field '{field}'", field)
        options = {_number(o, field) for o in operand}
        return lambda r: any(n in options for n in _numbers(values, r))
    if operator in ("range", "not_in_range"):
        if not isinstance(operand, Mapping) or set(operand) != {"start", "end"}:
            raise _invalid(f"'{operator}' takes {{start, end}} numbers for field '{field}'", field)
        low, high = _number(operand["start"], field), _number(operand["end"], field)
        inside: Test = lambda r: any(low <= n <= high for n in _numbers(values, r))  # noqa: E731
        return inside if operator == "range" else lambda r: bool(_numbers(values, r)) and not inside(r)
    target = _number(operand, field)
    compare: dict[str, Callable[[float], bool]] = {
        "is": lambda n: n == target,
        "is_not": lambda n: n == target,
        "gt": lambda n: n > target,
        "gte": lambda n: n >= target,
        "lt": lambda n: n < target,
        "lte": lambda n: n <= target,
    }
    check = compare[operator]
    if operator == "is_not":
        return lambda r: not any(check(n) for n in _numbers(values, r))
    return lambda r: any(check(n) for n in _numbers(values, r))


# --- dates --------------------------------------------------------------------------------------


def _parse_moment(value: str) -> datetime | None:
    """A stored date or timestamp as an aware datetime (year-less birthdays have none)."""
    text = value.strip()
    if re.fullmatch(r"\d{2}/\d{2}/\d{4}", text):  # birthday MM/DD/YYYY
        try:
            return datetime.strptime(text, "%m/%d/%Y").replace(tzinfo=UTC)
        except ValueError:
            return None
    return parse_timestamp(text)  # contacts write +0000, other records .000Z: both read


def _moments(values: Extractor, record: Record) -> list[datetime]:
    return [m for m in (_parse_moment(v) for v in values(record)) if m is not None]


def _minus(now: datetime, unit: str, quantity: int) -> datetime:
    if unit in ("month", "year"):
        months = quantity * (12 if unit == "year" else 1)
        year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
        day = min(now.day, calendar.monthrange(year, month + 1)[1])
        return now.replace(year=year, month=month + 1, day=day)
    seconds = {"second": 1, "day": 86400, "week": 7 * 86400}[unit]
    return now - timedelta(seconds=seconds * quantity)


def _bound(value: Any, field: str, *, end: bool) -> datetime:
    if not isinstance(value, str):
        raise _invalid(f"Field '{field}' takes dates as strings", field)
    if _DATE.match(value):
        try:
            day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise _invalid(f"'{value}' is not a valid %Y-%m-%d date", field) from None
        return day + timedelta(days=1) - timedelta(microseconds=1) if end else day
    moment = _parse_moment(value) if "T" in value else None
    if moment is None:
        raise _invalid(f"'{value}' is not a %Y-%m-%d date or an RFC 3339 datetime", field)
    return moment


def _date_range(operand: Any, field: str, operator: str) -> tuple[datetime, datetime]:
    if isinstance(operand, Mapping) and set(operand) == {"start_date", "end_date"}:
        keys = ("start_date", "end_date")
        if not all(isinstance(operand[k], str) and _DATE.match(operand[k]) for k in keys):
            raise _invalid(f"'{operator}': start_date and end_date must be %Y-%m-%d dates", field)
    elif isinstance(operand, Mapping) and set(operand) == {"start_datetime", "end_datetime"}:
        keys = ("start_datetime", "end_datetime")
    else:
        raise _invalid(f"'{operator}' takes {{start_date, end_date}} or {{start_datetime, end_datetime}}", field)
    low, high = _bound(operand[keys[0]], field, end=False), _bound(operand[keys[1]], field, end=True)
    if low > high:
        raise _invalid(f"'{operator}': the start is after the end", field)
    return low, high


def _day_month(value: Any, field: str) -> tuple[int, int]:
    if not isinstance(value, str) or not _DAY_MONTH.match(value):
        raise _invalid(f"day_month_range takes DD/MM dates for field '{field}'", field)
    day, month = value.split("/")
    return int(month), int(day)


def _birthday_month_day(value: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d{2})/(\d{2})(/\d{4})?", value.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def _date_test(state: SandboxState, field: str, operator: str, operand: Any, values: Extractor) -> Test:
    if operator == "is_empty":
        empty = _flag(operator, operand, field)
        return lambda r: (not values(r)) == empty
    if operator in ("in_the_last", "not_in_the_last"):
        if (
            not isinstance(operand, Mapping)
            or set(operand) != {"unit", "quantity"}
            or operand["unit"] not in _UNITS
            or not isinstance(operand["quantity"], int)
            or isinstance(operand["quantity"], bool)
            or operand["quantity"] < 1
        ):
            raise _invalid(
                f"'{operator}' takes {{unit: second|day|week|month|year, quantity: whole number >= 1}}", field
            )
        unit, quantity = operand["unit"], operand["quantity"]

        def recent(record: Record) -> bool:
            now = state.now()
            since = _minus(now, unit, quantity)
            return any(since <= m <= now for m in _moments(values, record))

        if operator == "in_the_last":
            return recent
        return lambda r: bool(_moments(values, r)) and not recent(r)
    if operator == "day_month_range":
        if not isinstance(operand, Mapping) or set(operand) != {"start_date", "end_date"}:
            raise _invalid("day_month_range takes {start_date: DD/MM, end_date: DD/MM}", field)
        start, end = _day_month(operand["start_date"], field), _day_month(operand["end_date"], field)

        def within(record: Record) -> bool:
            for value in values(record):
                md = _birthday_month_day(value)
                if md is None:
                    continue
                # a range such as 15/12..15/01 wraps around the end of the year
                if (start <= md <= end) if start <= end else (md >= start or md <= end):
                    return True
            return False

        return within
    if operator in ("range", "not_in_range"):
        low, high = _date_range(operand, field, operator)
        inside: Test = lambda r: any(low <= m <= high for m in _moments(values, r))  # noqa: E731
        return inside if operator == "range" else lambda r: bool(_moments(values, r)) and not inside(r)
    target = _bound(operand, field, end=operator in ("gt", "lte"))
    compare: dict[str, Callable[[datetime], bool]] = {
        "gt": lambda m: m > target,
        "gte": lambda m: m >= target,
        "lt": lambda m: m < target,
        "lte": lambda m: m <= target,
    }
    if operator not in compare:
        raise _invalid(f"Operator '{operator}' is not supported for field '{field}'", field)
    check = compare[operator]
    return lambda r: any(check(m) for m in _moments(values, r))


def _saved_search(state: SandboxState, operand: Any) -> Test:
    saved = state.table("saved_searches").get(str(operand))
    if saved is None:
        raise _invalid(f"Unknown saved search '{operand}'", "saved_search")
    return _compile(state, saved["query"], 2, "saved_search")
