"""Per-account locks for threads and event loops, and holding a blocking lock from async code."""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager

__all__ = ["AccountLocks", "held_in_thread"]


class AccountLocks:
    """One :class:`threading.Lock` per account, and one :class:`asyncio.Lock` per account and event loop.

    Async callers queue on the asyncio lock first, so waiting tasks do not tie up worker threads;
    the task that gets it then takes the thread lock too, which keeps it exclusive with threads and
    with other event loops.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._threads: dict[str, threading.Lock] = {}
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
            weakref.WeakKeyDictionary()
        )

    def thread_lock(self, account: str) -> threading.Lock:
        """The account's lock for threads (and the last step for async callers)."""
        with self._guard:
            return self._threads.setdefault(account, threading.Lock())

    def async_lock(self, account: str) -> asyncio.Lock:
        """The account's lock for tasks of the running event loop."""
        loop = asyncio.get_running_loop()
        with self._guard:
            return self._loops.setdefault(loop, {}).setdefault(account, asyncio.Lock())


@asynccontextmanager
async def held_in_thread(lock: AbstractContextManager[object]) -> AsyncIterator[None]:
    """Hold a blocking lock (thread lock, file lock, Redis lock) without blocking the event loop.

    The lock is taken and released in a worker thread. If the task is cancelled while waiting, the
    acquisition still finishes in its thread and the lock is then released at once, never leaked.
    """
    acquiring = asyncio.ensure_future(asyncio.to_thread(lock.__enter__))
    try:
        await asyncio.shield(acquiring)
    except asyncio.CancelledError:
        acquiring.add_done_callback(lambda done: _release_if_taken(lock, done))
        raise
    try:
        yield
    finally:
        await asyncio.to_thread(lock.__exit__, None, None, None)


def _release_if_taken(lock: AbstractContextManager[object], done: asyncio.Future[object]) -> None:
    if not done.cancelled() and done.exception() is None:
        lock.__exit__(None, None, None)
