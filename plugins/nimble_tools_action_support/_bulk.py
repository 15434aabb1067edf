"""Bulk actions: a report of every item, progress callbacks, and batches run with bounded concurrency."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from nimble_tools import CallContext, UsageError

from ._steps import CallCounter, Steps, arun, run

__all__ = ["BulkReport", "Progress", "ProgressCallback", "progress_option", "run_batches", "run_batches_async"]


@dataclass(frozen=True)
class Progress:
    """Handed to an ``on_progress`` callback after each item of a bulk action is decided."""

    done: int
    total: int
    counts: dict[str, int]
    """Items per decision so far (every decision of the action is present, zeros included)."""
    index: int
    """Position of the item just decided in the input list."""
    decision: str


ProgressCallback = Callable[[Progress], None]


def progress_option(context: CallContext) -> ProgressCallback | None:
    """The ``on_progress`` option of a call (``toolkit.call(name, args, on_progress=...)``), checked."""
    callback = context.options.get("on_progress")
    if callback is not None and not callable(callback):
        raise UsageError("on_progress must be a callable taking a Progress.")
    return callback


class BulkReport:
    """The outcome of every item, filled in by concurrent batches; reports progress as it goes."""

    def __init__(self, total: int, decisions: Sequence[str], on_progress: ProgressCallback | None) -> None:
        self._items: list[dict[str, Any] | None] = [None] * total
        self.counts: Counter[str] = Counter(dict.fromkeys(decisions, 0))
        self._lock = threading.Lock()
        self._on_progress = on_progress

    def record(self, index: int, outcome: dict[str, Any]) -> None:
        """Store the outcome (a decision record with a ``decision`` key) of item ``index``."""
        with self._lock:
            self._items[index] = {"index": index, **outcome}
            self.counts[outcome["decision"]] += 1
            if self._on_progress is not None:
                done = sum(self.counts.values())
                self._on_progress(Progress(done, len(self._items), dict(self.counts), index, outcome["decision"]))

    def get(self, index: int) -> dict[str, Any] | None:
        """The outcome of item ``index``, once recorded."""
        return self._items[index]

    def to_dict(self, calls: int, key: str) -> dict[str, Any]:
        """``{"total", <count per decision>, "calls", key: [outcome per item, by index]}``."""
        items = [item for item in self._items if item is not None]
        if len(items) != len(self._items):
            missing = [i for i, item in enumerate(self._items) if item is None]
            raise AssertionError(f"items {missing[:10]} were never accounted for")
        return {"total": len(items), **dict(self.counts), "calls": calls, key: items}


def run_batches(
    context: CallContext, batches: Sequence[Callable[[], Steps[None]]], concurrency: int, counter: CallCounter
) -> None:
    """Run each batch's steps, at most ``concurrency`` at once (threads)."""

    def one(batch: Callable[[], Steps[None]]) -> None:
        run(context, batch(), counter)

    if concurrency == 1 or len(batches) <= 1:
        for batch in batches:
            one(batch)
        return
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="nimble-bulk") as pool:
        list(pool.map(one, batches))  # list() re-raises the first unexpected error


async def run_batches_async(
    context: CallContext, batches: Sequence[Callable[[], Steps[None]]], concurrency: int, counter: CallCounter
) -> None:
    """Async twin of :func:`run_batches` (tasks behind a semaphore)."""
    import asyncio  # imported on first use: it costs 30 ms at import time

    gate = asyncio.Semaphore(concurrency)

    async def one(batch: Callable[[], Steps[None]]) -> None:
        async with gate:
            await arun(context, batch(), counter)

    await asyncio.gather(*(one(batch) for batch in batches))
