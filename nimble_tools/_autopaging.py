"""Auto-paging with a budget: as many items as fit ``max_items``, and a cursor for the rest.

A model asked for "all contacts tagged vip" should get them in one call when there are forty, and
a bounded answer that says so when there are four thousand. :func:`collect` pages through a list
operation and stops before the page that would overflow the budget, so no item is ever skipped:
the returned ``next_cursor`` starts exactly after the last item returned, and ``truncated`` says
that more exist.

Pages are equal in size (page-numbered paging needs that: page 3 of 50 is items 101-150), chosen
so that whole pages fill the budget: 150 items at 100 per page at most are read as 2 pages of 75.
For the same reason a page-numbered cursor keeps the page size it was made with: continuing with a
smaller budget than that still returns one whole page.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from ._errors import UsageError
from ._operation import Operation
from ._paging import decode_cursor
from ._result import Result

if TYPE_CHECKING:
    from ._toolkit import NimbleToolkit

__all__ = ["acollect_with", "collect", "collect_with", "page_size", "paging_limits"]

Call = Callable[[dict[str, Any]], Result]
AsyncCall = Callable[[dict[str, Any]], Awaitable[Result]]
CursorSize = Callable[[str], int | None]
"""Reads the page size a cursor is bound to (page-numbered paging), or None if any size will do."""


def page_size(max_items: int, largest_page: int) -> int:
    """The equal page size whose whole pages come closest to ``max_items`` without passing it."""
    pages = math.ceil(max_items / largest_page)
    return max(1, max_items // pages)


class _Pager:
    """The paging loop's state, shared by the sync and async loops."""

    def __init__(
        self, arguments: Mapping[str, Any], max_items: int, largest_page: int, cursor_size: CursorSize | None
    ) -> None:
        if not isinstance(max_items, int) or max_items < 1:
            raise UsageError(f"max_items must be a positive integer, got {max_items!r}.")
        cursor = arguments.get("next_cursor")
        fixed = cursor_size(cursor) if cursor_size is not None and isinstance(cursor, str) and cursor else None
        self.size = fixed or page_size(max_items, largest_page)
        self.max_items = max_items
        self.args = {k: v for k, v in arguments.items() if k != "limit"}
        self.items: list[Any] = []

    def request(self) -> dict[str, Any]:
        return {**self.args, "limit": self.size}

    def take(self, page: Result) -> Result | None:
        """Add a page; return the final result when paging should stop."""
        self.items.extend(page.result if isinstance(page.result, list) else [page.result])
        if not page.next_cursor:
            return Result(self.items, None)
        if len(self.items) + self.size > self.max_items:
            return Result(self.items, page.next_cursor, truncated=True)
        self.args["next_cursor"] = page.next_cursor
        return None


def collect_with(
    call: Call,
    arguments: Mapping[str, Any],
    *,
    max_items: int,
    largest_page: int = 100,
    cursor_size: CursorSize | None = None,
) -> Result:
    """Page with ``call`` (one page per call) until the end or the budget; see :func:`collect`."""
    pager = _Pager(arguments, max_items, largest_page, cursor_size)
    while True:
        done = pager.take(call(pager.request()))
        if done is not None:
            return done


async def acollect_with(
    call: AsyncCall,
    arguments: Mapping[str, Any],
    *,
    max_items: int,
    largest_page: int = 100,
    cursor_size: CursorSize | None = None,
) -> Result:
    """Async twin of :func:`collect_with`."""
    pager = _Pager(arguments, max_items, largest_page, cursor_size)
    while True:
        done = pager.take(await call(pager.request()))
        if done is not None:
            return done


def collect(
    toolkit: NimbleToolkit,
    name: str,
    arguments: Mapping[str, Any] | None = None,
    *,
    max_items: int,
    account: str | None = None,
    **options: Any,
) -> Result:
    """Call list operation ``name`` page after page until its end or ``max_items`` items.

    Returns:
        A :class:`Result` holding at most ``max_items`` items. When the budget stopped it early,
        ``truncated`` is True and ``next_cursor`` continues right after the last item (pass it
        back in ``arguments`` to go on); at the end of the list ``next_cursor`` is None.

    Raises:
        UsageError: if ``name`` is not a list operation or ``max_items`` is not positive.
    """
    operation = toolkit.operations[name]
    if operation.paging is None or "limit" not in operation.params.model_fields:
        raise UsageError(f"Operation {name!r} is not a list operation; call it instead of collecting.")
    return collect_with(
        lambda args: toolkit.call(name, args, account=account, **options),
        arguments or {},
        max_items=max_items,
        **paging_limits(toolkit, operation, max_items),
    )


def paging_limits(toolkit: NimbleToolkit, operation: Operation, max_items: int) -> dict[str, Any]:
    """``largest_page`` and ``cursor_size`` of a list operation, for :func:`collect_with`."""

    def cursor_size(cursor: str) -> int | None:
        size = decode_cursor(operation.name, toolkit.open_cursor(operation.name, cursor)).get("per_page")
        return size if isinstance(size, int) and not isinstance(size, bool) and 0 < size <= 1000 else None

    return {
        "largest_page": int(getattr(operation.paging, "max_limit", None) or max_items),
        "cursor_size": cursor_size,
    }
