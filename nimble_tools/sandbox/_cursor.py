"""Nimble's ``next_page`` cursor paging: a page after the item a (timestamp, id) pair names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._http import ApiError, SandboxRequest

__all__ = ["cursor_page"]


def cursor_page(
    request: SandboxRequest,
    items: list[dict[str, Any]],
    *,
    id_of: Callable[[dict[str, Any]], str],
    tstamp_of: Callable[[dict[str, Any]], str],
    id_arg: str,
    limit: int,
) -> tuple[list[dict[str, Any]], dict[str, str] | None]:
    """Slice ordered ``items`` after the cursor in the request; return the page and the next cursor."""
    start = 0
    after = request.arg(id_arg)
    if after:
        ids = [id_of(item) for item in items]
        if after not in ids:
            raise ApiError.validation(f"Unknown {id_arg} {after!r}", {id_arg: {"message": "not found"}})
        start = ids.index(after) + 1
    page = items[start : start + limit]
    more = start + limit < len(items)
    next_page = {"next_tstamp": tstamp_of(page[-1]), id_arg: id_of(page[-1])} if more and page else None
    return page, next_page
