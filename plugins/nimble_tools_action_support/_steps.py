"""Composite actions written once, run sync or async: steps are generators of calls.

An action's logic is a generator that *yields* the calls it needs, ``(operation name,
arguments)``, and receives each call's :class:`~nimble_tools.Result` back (or the call's
:class:`~nimble_tools.NimbleToolsError` thrown in, to handle or let through). :func:`run` drives
it with ``context.call``, :func:`arun` with ``context.acall``; every step so takes the toolkit's
one call path (validation, policies, retries, the envelope), and the logic is not written twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Mapping
from typing import Any, TypeVar

from nimble_tools import CallContext, NimbleToolsError, Result

__all__ = ["Call", "CallCounter", "Steps", "arun", "handlers", "run"]

T = TypeVar("T")
P = TypeVar("P")
Call = tuple[str, Mapping[str, Any]]
Steps = Generator[Call, Result, T]


class CallCounter:
    """Counts the calls an action makes (shared by threads), for its decision record."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self) -> None:
        """Count one call."""
        with self._lock:
            self.value += 1


def run(context: CallContext, steps: Steps[T], counter: CallCounter | None = None) -> T:
    """Drive ``steps`` to the end with synchronous calls; return its value."""
    try:
        call = next(steps)
        while True:
            if counter is not None:
                counter.add()
            try:
                result = context.call(call[0], call[1])
            except NimbleToolsError as error:
                call = steps.throw(error)
            else:
                call = steps.send(result)
    except StopIteration as stop:
        value: T = stop.value
        return value


async def arun(context: CallContext, steps: Steps[T], counter: CallCounter | None = None) -> T:
    """Async twin of :func:`run`."""
    try:
        call = next(steps)
        while True:
            if counter is not None:
                counter.add()
            try:
                result = await context.acall(call[0], call[1])
            except NimbleToolsError as error:
                call = steps.throw(error)
            else:
                call = steps.send(result)
    except StopIteration as stop:
        value: T = stop.value
        return value


def handlers(steps: Callable[[P], Steps[T]]) -> dict[str, Any]:
    """``handler`` and ``async_handler`` for an operation whose logic is ``steps(params)``.

    Use as ``Operation(..., **handlers(my_steps))``.
    """

    def handler(context: CallContext, params: P) -> T:
        return run(context, steps(params))

    async def async_handler(context: CallContext, params: P) -> T:
        return await arun(context, steps(params))

    handler.__doc__ = async_handler.__doc__ = steps.__doc__
    return {"handler": handler, "async_handler": async_handler}
