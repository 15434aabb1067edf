"""The unified envelope ``{"result": ..., "next_cursor": ...}`` and Nimble's paging styles.

Nimble pages in four ways (1-based ``page``/``per_page`` with ``meta``; zero-based draft pages;
``next_page`` argument objects; ``meta.next_page_url``). Every list operation instead takes
``limit`` and ``next_cursor``: a :class:`Paging` strategy maps those onto the operation's own
style and reads the next position back out of the answer into an opaque cursor.

A cursor is base64url JSON that names the operation it belongs to, so a cursor from one tool
cannot be replayed against another, and it never carries a host or a free path. A cursor comes
back from outside (a model may forge one), so every value read from it is checked: its keys, types
and ranges; anything else is refused as :class:`~nimble_tools.InvalidArgumentsError` naming
``next_cursor``, before any request is sent.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from ._errors import InvalidArgumentsError
from ._limits import parse_json
from ._operation import RequestSpec

__all__ = [
    "LimitPaging",
    "NextPageArgsPaging",
    "PagePaging",
    "Paging",
    "Result",
    "cursor_error",
    "decode_cursor",
    "encode_cursor",
]

MAX_CURSOR_LENGTH = 16_384
"""Longest cursor accepted (a board cursor holds up to 200 pending pages)."""
MAX_PAGE = 1_000_000
"""Highest page number a cursor may ask for."""
_NOT_OURS = "not a cursor this toolkit issued; pass next_cursor back unchanged"


def cursor_error(operation: str, problem: str = _NOT_OURS) -> InvalidArgumentsError:
    """The error for a cursor that cannot be used, naming ``next_cursor``."""
    return InvalidArgumentsError(operation, [("next_cursor", problem)])


def cursor_int(operation: str, value: Any, low: int, high: int) -> int:
    """An integer read from a cursor, within ``low``..``high`` (text digits accepted)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise cursor_error(operation)
    return value


@dataclass(frozen=True, slots=True)
class Result:
    """What every call returns: the data and, for lists, the cursor of the next page.

    Attributes:
        result: the data: the list of items for list operations, Nimble's body otherwise.
        next_cursor: an opaque string to pass back as ``next_cursor``, or None at the end.
        raw: Nimble's whole response body (paging metadata included); not part of the JSON form.
        truncated: True when an item budget (``max_items``) stopped paging before the end; the
            JSON form then says so, and ``next_cursor`` continues where it stopped.
    """

    result: Any
    next_cursor: str | None = None
    raw: Any = field(default=None, repr=False, compare=False)
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``{"result": ..., "next_cursor": ...}`` (plus ``"truncated": true`` if so)."""
        data = {"result": self.result, "next_cursor": self.next_cursor}
        if self.truncated:
            data["truncated"] = True
        return data

    def to_json(self) -> str:
        """The JSON form as a compact string."""
        return _COMPACT.encode(self.to_dict())


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
"""The envelope's encoder, made once (``json.dumps`` with options makes a new one on every call)."""


def encode_cursor(operation: str, state: Mapping[str, Any]) -> str:
    """Make an opaque cursor for ``operation`` holding ``state``."""
    payload = json.dumps({"op": operation, "s": dict(state)}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(operation: str, cursor: str) -> dict[str, Any]:
    """Read a cursor made by :func:`encode_cursor` for the same operation.

    Only its envelope is checked here (size, encoding, JSON within limits, the operation's name);
    each paging style checks the values it reads.
    """
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH:
        raise cursor_error(operation)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = parse_json(operation, base64.urlsafe_b64decode(padded.encode("ascii")), "next_cursor")
    except (ValueError, binascii.Error, UnicodeError, InvalidArgumentsError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("s"), dict):
        raise cursor_error(operation)
    if data.get("op") != operation:
        if not isinstance(data.get("op"), str):
            raise cursor_error(operation)
        raise cursor_error(operation, f"this cursor belongs to tool {data['op'][:64]!r}; use it only with that tool")
    state: dict[str, Any] = data["s"]
    return state


@runtime_checkable
class Paging(Protocol):
    """Maps ``limit``/``next_cursor`` onto one of Nimble's paging styles."""

    def apply(self, operation: str, request: RequestSpec, limit: int | None, cursor: str | None) -> RequestSpec:
        """Return ``request`` with the paging arguments for this page added."""
        ...

    def envelope(self, operation: str, request: RequestSpec, body: Any) -> Result:
        """Wrap a page's body: pick out the items and compute the next cursor."""
        ...


def _items(body: Any, key: str) -> list[Any]:
    if isinstance(body, Mapping):
        items = body.get(key)
        return list(items) if isinstance(items, list) else []
    return list(body) if isinstance(body, list) else []


@dataclass(frozen=True, slots=True)
class PagePaging:
    """``page``/``per_page`` with a ``meta`` block (contacts, notes; zero-based for drafts)."""

    items_key: str = "resources"
    first_page: int = 1
    default_limit: int = 30
    max_limit: int = 100

    def apply(self, operation: str, request: RequestSpec, limit: int | None, cursor: str | None) -> RequestSpec:
        page = self.first_page
        if cursor:
            state = decode_cursor(operation, cursor)
            if not set(state) <= {"page", "per_page"}:
                raise cursor_error(operation)
            page = cursor_int(operation, state.get("page", self.first_page), self.first_page, MAX_PAGE)
            size = cursor_int(operation, state.get("per_page", self.default_limit), 1, self.max_limit)
            limit = limit or size
        per_page = min(limit or self.default_limit, self.max_limit)
        params = {**request.params, "page": str(page), "per_page": str(per_page)}
        return replace(request, params=params, page_state={"page": page, "per_page": per_page})

    def envelope(self, operation: str, request: RequestSpec, body: Any) -> Result:
        items = _items(body, self.items_key)
        page = int(request.page_state.get("page", self.first_page))
        per_page = int(request.page_state.get("per_page", self.default_limit))
        meta = body.get("meta") if isinstance(body, Mapping) else None
        has_more: bool
        if isinstance(meta, Mapping) and "has_more" in meta:
            has_more = bool(meta["has_more"])
        elif isinstance(meta, Mapping) and isinstance(meta.get("pages"), int):
            has_more = page - self.first_page + 1 < meta["pages"]
        elif isinstance(meta, Mapping) and isinstance(meta.get("total"), int):
            has_more = page - self.first_page + 1 < math.ceil(meta["total"] / max(per_page, 1))
        else:
            has_more = len(items) >= per_page
        cursor = encode_cursor(operation, {"page": page + 1, "per_page": per_page}) if has_more and items else None
        return Result(items, cursor, raw=body)


@dataclass(frozen=True, slots=True)
class NextPageArgsPaging:
    """Nimble answers ``next_page: {arg: value, ...}`` to send back as query arguments.

    Used by contact proceedings (``next_tstamp``/``next_id``) and activities. Only the argument
    names in ``allowed`` are accepted back from a cursor, so a cursor cannot inject other ones.
    """

    items_key: str
    allowed: frozenset[str]
    limit_param: str = "limit"
    default_limit: int = 20
    max_limit: int = 100

    def apply(self, operation: str, request: RequestSpec, limit: int | None, cursor: str | None) -> RequestSpec:
        params = dict(request.params)
        if cursor:
            state = decode_cursor(operation, cursor)
            if not set(state) <= self.allowed or not all(map(_plain_value, state.values())):
                raise cursor_error(operation)
            params.update({k: str(v) for k, v in state.items()})
        params[self.limit_param] = str(min(limit or self.default_limit, self.max_limit))
        return replace(request, params=params)

    def envelope(self, operation: str, request: RequestSpec, body: Any) -> Result:
        items = _items(body, self.items_key)
        next_page = body.get("next_page") if isinstance(body, Mapping) else None
        cursor = None
        if isinstance(next_page, Mapping) and next_page and items:
            state = {k: v for k, v in next_page.items() if k in self.allowed and v is not None}
            cursor = encode_cursor(operation, state) if state else None
        return Result(items, cursor, raw=body)


def _plain_value(value: Any) -> bool:
    """A position value Nimble sent back: short printable text, or a bounded integer."""
    if isinstance(value, str):
        return len(value) <= 256 and value.isprintable()
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= 2**53


@dataclass(frozen=True, slots=True)
class LimitPaging:
    """Only a ``limit`` (deal tags, overdue deals): one page, never a next cursor."""

    items_key: str | None = None
    limit_param: str = "limit"
    default_limit: int | None = None

    def apply(self, operation: str, request: RequestSpec, limit: int | None, cursor: str | None) -> RequestSpec:
        if cursor:
            decode_cursor(operation, cursor)  # validates; this style has no further pages
        params = dict(request.params)
        chosen = limit or self.default_limit
        if chosen is not None:
            params[self.limit_param] = str(chosen)
        return replace(request, params=params)

    def envelope(self, operation: str, request: RequestSpec, body: Any) -> Result:
        items = _items(body, self.items_key) if self.items_key else body
        return Result(items, None, raw=body)
