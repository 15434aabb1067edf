"""Nimble's paging styles behind ``limit`` and ``next_cursor``, and the cursors that carry a position.

Nimble pages in four ways, one strategy each here: 1-based ``page``/``per_page`` with ``meta``
(zero-based for drafts) in :class:`PagePaging`; ``next_page`` argument objects in
:class:`NextPageArgsPaging`; a ``limit`` only in :class:`LimitPaging`; and the grouped boards' per-group
``meta.next_page_url`` in :class:`NextPageUrlPaging`. Every list operation instead takes ``limit`` and
``next_cursor``: a :class:`Paging` strategy maps those onto the operation's own style and reads the
next position back out of the answer into an opaque cursor (the toolkit seals it, see ``_cursors``).

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
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qsl, urlsplit

from ._errors import InvalidArgumentsError
from ._limits import parse_json
from ._operation import RequestSpec
from ._result import Result

__all__ = [
    "LimitPaging",
    "NextPageArgsPaging",
    "NextPageUrlPaging",
    "PagePaging",
    "Paging",
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


# -- the grouped boards: every group pages on its own ---------------------------------------------------
# Paging for Nimble's grouped board views, where every group carries its own ``meta.next_page_url``.
#
# The pipeline deal views answer ``{"stages": [{stage, deals, meta: {next_page_url}}]}`` (or
# ``groups`` per owner): each group pages on its own, and its ``next_page_url`` fetches that group's
# next deals. :class:`NextPageUrlPaging` folds all of them into the one opaque ``next_cursor``: the
# cursor holds a queue of pending pages (path and query only, never a host), a call with the cursor
# fetches the first of them, and the answer's new ``next_page_url`` values join the front of the
# queue, so a group is read to its end before the next group continues.
#
# A cursor is data the caller hands back: the toolkit seals every cursor it issues (see
# ``_cursors``), and still checks what it reads from one: the path must be exactly the path this
# operation builds from the call's own arguments (same endpoint, same pipeline), and the query may
# hold no credential and only bounded, printable values (a page position in digits), or the call is
# refused before anything is sent. A URL from Nimble that points elsewhere never enters a cursor.

logger = logging.getLogger("nimble_tools.paging")

# Query arguments a next page may never carry: credentials travel only in headers this toolkit controls.
_FORBIDDEN_ARGS = frozenset({"access_token", "api_key", "apikey", "token", "key", "auth", "authorization"})
_NUMBERS = frozenset({"page", "per_page", "limit", "offset"})
_MAX_VALUE = 10_000
_MAX_PENDING = 200


@dataclass(frozen=True, slots=True)
class NextPageUrlPaging:
    """``limit`` per group, and a cursor that walks every group's ``meta.next_page_url``.

    Attributes:
        groups_key: where the answer lists its groups (``stages`` or ``groups``); the envelope's
            ``result`` is that list.
        limit_param: the query argument for the page size.
    """

    groups_key: str
    limit_param: str = "limit"

    def apply(self, operation: str, request: RequestSpec, limit: int | None, cursor: str | None) -> RequestSpec:
        """Ask for the first page, or for the first pending group page held by ``cursor``."""
        params = dict(request.params)
        pending: list[dict[str, Any]] = []
        if cursor:
            pending = _pending(operation, decode_cursor(operation, cursor))
            page = pending.pop(0)
            if page["path"] != request.path:
                raise InvalidArgumentsError(
                    operation,
                    [
                        (
                            "next_cursor",
                            "this cursor continues a listing of another pipeline; call again with the same "
                            "arguments as the page that returned it",
                        )
                    ],
                )
            params = dict(page["query"])
        if limit is not None:
            params[self.limit_param] = str(limit)
        return replace(request, params=params, page_state={"pending": pending})

    def envelope(self, operation: str, request: RequestSpec, body: Any) -> Result:
        """Return the groups; the cursor queues their next pages ahead of those still pending."""
        groups = body.get(self.groups_key) if isinstance(body, Mapping) else None
        groups = list(groups) if isinstance(groups, list) else []
        fresh = []
        for group in groups:
            meta = group.get("meta") if isinstance(group, Mapping) else None
            url = meta.get("next_page_url") if isinstance(meta, Mapping) else None
            if not url:
                continue
            page = _page_of(str(url))
            if page is None or page["path"] != request.path:
                # Following it would leave this endpoint (or carry credentials): never put it in a cursor.
                logger.warning("%s: ignoring a next_page_url that does not continue this listing", operation)
                continue
            fresh.append(page)
        pending = (fresh + list(request.page_state.get("pending", [])))[:_MAX_PENDING]
        cursor = encode_cursor(operation, {"pending": pending}) if pending else None
        return Result(groups, cursor, raw=body)


def _page_of(url: str) -> dict[str, Any] | None:
    """The path and query of a next-page URL (absolute or relative); None if it is not a plain path."""
    parts = urlsplit(url)
    if not parts.path.startswith("/") or parts.path.startswith("//") or "\\" in parts.path:
        return None
    query = [[key, value] for key, value in parse_qsl(parts.query, keep_blank_values=True)]
    if not all(_allowed(key, value) for key, value in query):
        return None
    return {"path": parts.path, "query": query}


def _allowed(key: str, value: str) -> bool:
    if key.lower() in _FORBIDDEN_ARGS or not (key.isprintable() and len(key) <= 64):
        return False
    if key in _NUMBERS:
        return value.isascii() and value.isdigit() and len(value) <= 7 and int(value) <= MAX_PAGE
    return len(value) <= _MAX_VALUE and value.isprintable()


def _pending(operation: str, state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The cursor's queue, each entry checked to be ``{path: str, query: [[str, str], ...]}``."""
    queue = state.get("pending")
    if set(state) != {"pending"} or not isinstance(queue, list) or not queue or len(queue) > _MAX_PENDING:
        raise cursor_error(operation)
    checked = []
    for entry in queue:
        if not isinstance(entry, Mapping) or set(entry) != {"path", "query"} or not isinstance(entry["path"], str):
            raise cursor_error(operation)
        query = entry["query"]
        if not isinstance(query, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair) for pair in query
        ):
            raise cursor_error(operation)
        if not all(_allowed(key, value) for key, value in query):
            raise cursor_error(operation)
        checked.append({"path": entry["path"], "query": [list(pair) for pair in query]})
    return checked
