"""Deal search queries (Nimble's NSE shape) evaluated over sandbox deals.

The shape is the contacts one (``{"<field>": {"<operator>": value}}`` joined by ``and``/``or``/``not``);
the field names are the ``search_field.search_name`` values of the column catalogue: ``name``,
``amount``, ``probability``, ``stage``, ``pipeline``, ``owner``, ``tag``, ``description``,
``expected close date``, ``created``, ``updated``, ``deal number``, ``_id``, ``is_editable``,
``__any``, and custom fields by field id. Stages, pipelines and owners match by id or by name.
Numbers and dates also take ``gt``, ``gte``, ``lt``, ``lte`` and ``range``; dates also
``in_the_last`` and ``not_in_the_last`` with ``{unit, quantity}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, timedelta
from typing import Any

from ._deal_pipelines import deal_field_id, find_stage
from ._deals import AMOUNT, DESCRIPTION, NAME, PROBABILITY, can_edit, parse_datetime
from ._http import ApiError
from ._search import MAX_DEPTH, fold
from ._state import SandboxState

__all__ = ["SEARCH_FIELDS", "check_deal_query", "deal_matches", "parse_deal_query"]

Record = Mapping[str, Any]

SEARCH_FIELDS = (
    "name",
    "amount",
    "probability",
    "stage",
    "pipeline",
    "owner",
    "tag",
    "description",
    "expected close date",
    "created",
    "updated",
    "deal number",
    "_id",
    "is_editable",
    "__any",
)
_DATE_WINDOWS = ("in_the_last", "not_in_the_last")


def _number(text: Any) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _compare(values: list[str], operand: Any, test: Callable[[Any, Any], bool]) -> bool:
    for value in values:
        left, right = _number(value), _number(operand)
        if left is not None and right is not None:
            if test(left, right):
                return True
        elif test(str(value), str(operand)):  # ISO dates compare as text
            return True
    return False


def _range(values: list[str], operand: Any) -> bool:
    if not isinstance(operand, Mapping):
        return False
    low = operand.get("start", operand.get("start_date", operand.get("start_datetime")))
    high = operand.get("end", operand.get("end_date", operand.get("end_datetime")))
    return any(
        (low is None or _compare([v], low, lambda a, b: a >= b))
        and (high is None or _compare([v], high, lambda a, b: a <= b))
        for v in values
    )


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold(text)))


def _is(values: list[str], operand: Any) -> bool:
    return fold(operand) in {fold(v) for v in values}


def _contain(values: list[str], operand: Any) -> bool:
    # whole-token match of any word of the operand, like Nimble's index
    wanted = _tokens(str(operand))
    return bool(wanted) and any(wanted & _tokens(v) for v in values)


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


DEAL_OPERATORS: dict[str, Callable[[list[str], Any], bool]] = {
    "is": _is,
    "is_not": lambda values, operand: not _is(values, operand),
    "contain": _contain,
    "not_contain": lambda values, operand: not _contain(values, operand),
    "starts_with": _starts_with,
    "is_empty": _is_empty,
    "in": _in,
    "not_in": lambda values, operand: not _in(values, operand),
    "gt": lambda values, operand: _compare(values, operand, lambda a, b: a > b),
    "gte": lambda values, operand: _compare(values, operand, lambda a, b: a >= b),
    "lt": lambda values, operand: _compare(values, operand, lambda a, b: a < b),
    "lte": lambda values, operand: _compare(values, operand, lambda a, b: a <= b),
    "range": _range,
    "not_in_range": lambda values, operand: not _range(values, operand),
}


_UNIT_SECONDS = {"second": 1, "day": 86400, "week": 7 * 86400, "month": 30 * 86400, "year": 365 * 86400}


def _in_the_last(state: SandboxState, values: list[str], operand: Any) -> bool:
    """Dates within ``{unit, quantity}`` of now (a month counts as 30 days)."""
    if not isinstance(operand, Mapping) or operand.get("unit") not in _UNIT_SECONDS:
        raise ApiError.validation(
            "Invalid in_the_last", {"query": {"message": f"Expected {{unit: {'|'.join(_UNIT_SECONDS)}, quantity: N}}"}}
        )
    quantity = _number(operand.get("quantity"))
    if quantity is None or quantity < 0:
        raise ApiError.validation("Invalid in_the_last", {"query": {"message": "quantity must be a positive number"}})
    since = state.now() - timedelta(seconds=_UNIT_SECONDS[operand["unit"]] * quantity)
    for value in values:
        moment = parse_datetime(value)
        if moment is not None and (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) >= since:
            return True
    return False


def parse_deal_query(raw: Any) -> Any:
    """Decode a query given as JSON text (pipeline views) or an object (bulk tagging); None when absent."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ApiError.validation("query is not valid JSON", {"query": {"message": "Invalid JSON"}}) from None
    check_deal_query(raw, 0)
    return raw


def check_deal_query(query: Any, depth: int) -> None:
    """Validate the shape of a deal query (409 like Nimble on a malformed one)."""
    if depth > MAX_DEPTH:
        raise ApiError.validation("Query is nested too deeply", {"query": {"message": f"Maximum depth is {MAX_DEPTH}"}})
    if not isinstance(query, Mapping) or len(query) != 1:
        raise ApiError.validation("Each query node must have exactly one key", {"query": {"message": "Invalid node"}})
    key, body = next(iter(query.items()))
    if key in ("and", "or", "not"):
        if not isinstance(body, list) or not body or (key == "not" and len(body) != 1):
            raise ApiError.validation(f"'{key}' takes a list of subqueries", {"query": {"message": f"Invalid {key}"}})
        for sub in body:
            check_deal_query(sub, depth + 1)
        return
    if not isinstance(body, Mapping) or len(body) != 1 or next(iter(body)) not in (*DEAL_OPERATORS, *_DATE_WINDOWS):
        raise ApiError.validation(
            f"Invalid condition on '{key}'",
            {key: {"message": f"Expected {{operator: value}} with one of {', '.join(DEAL_OPERATORS)}"}},
        )


def deal_matches(state: SandboxState, record: Record, query: Any, user: Record) -> bool:
    """True when the deal satisfies the (already checked) query."""
    key, body = next(iter(query.items()))
    if key == "and":
        return all(deal_matches(state, record, sub, user) for sub in body)
    if key == "or":
        return any(deal_matches(state, record, sub, user) for sub in body)
    if key == "not":
        return not deal_matches(state, record, body[0], user)
    operator, operand = next(iter(body.items()))
    values = _values(state, record, key, user)
    if operator in _DATE_WINDOWS:
        within = _in_the_last(state, values, operand)
        return within if operator == "in_the_last" else not within
    return DEAL_OPERATORS[operator](values, operand)


def _values(state: SandboxState, record: Record, field: str, user: Record) -> list[str]:
    name = fold(field).strip()
    values: Mapping[str, list[str]] = record["values"]
    pipeline = state.table("deal_pipelines").get(record["pipeline_id"]) or {"stages": [], "name": ""}
    if name == "name":
        return list(values.get(NAME, []))
    if name in ("amount", "probability"):
        return list(values.get(AMOUNT if name == "amount" else PROBABILITY, []))
    if name == "description":
        return list(values.get(DESCRIPTION, []))
    if name == "expected close date":
        return list(values.get(deal_field_id("expected_close_date"), []))
    if name in ("created", "updated"):
        return [str(record[name])]
    if name == "deal number":
        return [str(record["deal_number"])]
    if name == "_id":
        return [str(record["deal_id"])]
    if name == "is_editable":
        return ["true" if can_edit(record, user) else "false"]
    if name == "tag":
        return list(record["tags"])
    if name == "stage":
        stage = find_stage(pipeline, record["stage_id"])
        return [record["stage_id"], *([stage["name"]] if stage else [])]
    if name == "pipeline":
        return [record["pipeline_id"], str(pipeline["name"])]
    if name == "owner":
        owner = state.users.get(record["owner_id"], {})
        return [record["owner_id"], str(owner.get("name", ""))]
    if name == "__any":
        return [*values.get(NAME, []), *values.get(DESCRIPTION, []), *record["tags"]]
    return list(values.get(field, []))  # a custom field, by id
