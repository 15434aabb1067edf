"""Paging for Nimble's grouped board views, where every group carries its own ``meta.next_page_url``.

The pipeline deal views answer ``{"stages": [{stage, deals, meta: {next_page_url}}]}`` (or
``groups`` per owner): each group pages on its own, and its ``next_page_url`` fetches that group's
next deals. :class:`NextPageUrlPaging` folds all of them into the one opaque ``next_cursor``: the
cursor holds a queue of pending pages (path and query only, never a host), a call with the cursor
fetches the first of them, and the answer's new ``next_page_url`` values join the front of the
queue, so a group is read to its end before the next group continues.

A cursor is data the caller hands back: the toolkit seals every cursor it issues (see
``_cursors``), and still checks what it reads from one: the path must be exactly the path this
operation builds from the call's own arguments (same endpoint, same pipeline), and the query may
hold no credential and only bounded, printable values (a page position in digits), or the call is
refused before anything is sent. A URL from Nimble that points elsewhere never enters a cursor.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ._envelope import MAX_PAGE, Result, cursor_error, decode_cursor, encode_cursor
from ._errors import InvalidArgumentsError
from ._operation import RequestSpec

__all__ = ["NextPageUrlPaging"]

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
