"""Concurrent callers trigger one refresh, not many: threads, asyncio tasks, both at once."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from auth_support import OAuthWorld, oauth_world

from nimble_tools.auth._locks import held_in_thread

CALLERS = 8


def _email(world: OAuthWorld) -> str:
    return str(world.toolkit.call("list_all_nimble_me", account="alice").result["email"])


def _in_threads(world: OAuthWorld, callers: int = CALLERS) -> list[str]:
    barrier = threading.Barrier(callers)

    def call() -> str:
        barrier.wait(timeout=10)  # all callers find the same expired token at once
        return _email(world)

    with ThreadPoolExecutor(callers) as pool:
        return list(pool.map(lambda _: call(), range(callers)))


async def _in_tasks(world: OAuthWorld, callers: int = CALLERS) -> list[str]:
    results = await asyncio.gather(
        *(world.toolkit.acall("list_all_nimble_me", account="alice") for _ in range(callers))
    )
    return [str(r.result["email"]) for r in results]


def test_threads_share_one_refresh_ahead_of_expiry() -> None:
    world = oauth_world(token_delay=0.2)  # the first refresh is still in flight when the others arrive
    world.connect("alice")
    world.clock.advance(3600)
    assert _in_threads(world) == ["admin@sandbox.example"] * CALLERS
    assert world.refresh_grants() == 1
    assert world.transport.token_calls == 2  # the code exchange and one refresh


def test_threads_share_one_refresh_after_403s() -> None:
    world = oauth_world(token_delay=0.2)
    world.connect("alice")
    world.sandbox.state.tokens.clear()  # every caller's request is refused with a 403
    assert _in_threads(world) == ["admin@sandbox.example"] * CALLERS
    assert world.refresh_grants() == 1


@pytest.mark.anyio
async def test_tasks_share_one_refresh_ahead_of_expiry() -> None:
    world = oauth_world(token_delay=0.05)
    world.connect("alice")
    world.clock.advance(3600)
    assert await _in_tasks(world) == ["admin@sandbox.example"] * CALLERS
    assert world.refresh_grants() == 1
    assert world.transport.token_calls == 2


@pytest.mark.anyio
async def test_tasks_share_one_refresh_after_403s() -> None:
    world = oauth_world(token_delay=0.05)
    world.connect("alice")
    world.sandbox.state.tokens.clear()
    assert await _in_tasks(world) == ["admin@sandbox.example"] * CALLERS
    assert world.refresh_grants() == 1


def test_threads_and_event_loops_together_share_one_refresh() -> None:
    world = oauth_world(token_delay=0.2)
    world.connect("alice")
    world.clock.advance(3600)
    start = threading.Barrier(3)

    def threads() -> list[str]:
        start.wait(timeout=10)
        return _in_threads(world, 4)

    def loop() -> list[str]:
        start.wait(timeout=10)
        return asyncio.run(_in_tasks(world, 4))

    with ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(threads), pool.submit(loop), pool.submit(loop)]
        emails = [email for future in futures for email in future.result(timeout=30)]
    assert emails == ["admin@sandbox.example"] * 12
    assert world.refresh_grants() == 1


def test_different_accounts_refresh_independently() -> None:
    world = oauth_world()
    world.connect("alice")
    world.connect("bob", user="sam@sandbox.example")
    world.clock.advance(3600)
    with ThreadPoolExecutor(4) as pool:
        emails = list(
            pool.map(
                lambda a: world.toolkit.call("list_all_nimble_me", account=a).result["email"],
                ["alice", "bob", "alice", "bob"],
            )
        )
    assert emails == ["admin@sandbox.example", "sam@sandbox.example"] * 2
    assert world.refresh_grants() == 2


class GatedLock:
    """A lock whose acquisition blocks (in its worker thread) until the test opens the gate."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.events: list[str] = []

    def __enter__(self) -> GatedLock:
        assert self.gate.wait(timeout=10)
        self.events.append("acquired")
        return self

    def __exit__(self, *exc: object) -> None:
        self.events.append("released")


@pytest.mark.anyio
async def test_a_task_cancelled_while_waiting_for_a_lock_does_not_leak_it() -> None:
    lock = GatedLock()
    body_ran = False

    async def waiter() -> None:
        nonlocal body_ran
        async with held_in_thread(lock):
            body_ran = True

    task = asyncio.create_task(waiter())
    await asyncio.sleep(0)  # the task starts waiting for the lock
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    lock.gate.set()  # the abandoned acquisition now completes in its thread...
    for _ in range(500):
        if lock.events == ["acquired", "released"]:
            break
        await asyncio.sleep(0.01)
    assert lock.events == ["acquired", "released"]  # ...and is released at once, not leaked
    assert not body_ran


def test_first_calls_from_many_threads_see_every_operation() -> None:
    """The lazily built registry is built once, not seen half-loaded by a second thread (a core race)."""
    from nimble_tools import NimbleToolkit

    toolkit = NimbleToolkit.sandbox()
    barrier = threading.Barrier(CALLERS)

    def first_call() -> str:
        barrier.wait(timeout=10)
        return str(toolkit.call("list_all_nimble_me").result["email"])

    with ThreadPoolExecutor(CALLERS) as pool:
        assert list(pool.map(lambda _: first_call(), range(CALLERS))) == ["admin@sandbox.example"] * CALLERS
