"""Fault soak: 5,000 mixed calls while the sandbox injects every fault it knows.

The sandbox answers a share of requests with 5xx, 429 + ``Retry-After``, timeouts, dropped
connections, malformed JSON and slow answers; server errors, timeouts and drops strike before or
after the change was made (a lost reply). Calls mix reads, creates, updates, deletes and the
dedupe composite, sync and async, straight through the toolkit and through the four adapters.

Checked: no exception other than a ``NimbleToolsError`` ever reaches the caller (and none at all
through an adapter), retries happen only where they are safe (a POST only after a 429, which
refuses the request unprocessed), every 429 is retried after exactly its ``Retry-After``, no record
is created twice, and the whole run stays within its time bound.

Seeded: ``NIMBLE_SOAK_SEED`` picks another seed (the failure message names the one used) and
``NIMBLE_SOAK_CALLS`` another length; the same seed replays the same calls and the same faults.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from hardening_support import ADAPTERS, adapters_for, wired_toolkit

from nimble_tools import (
    ConnectError,
    NimbleAPIError,
    NimbleToolkit,
    NimbleToolsError,
    RateLimitedError,
    RetryPolicy,
    TransportError,
)
from nimble_tools.sandbox import FaultInjector, FaultPlan, Sandbox
from nimble_tools.sandbox._faults import FAULT_KINDS

SEED = int(os.environ.get("NIMBLE_SOAK_SEED", "20261130"))
CALLS = int(os.environ.get("NIMBLE_SOAK_CALLS", "5000"))
TIME_BOUND = 150.0  # seconds for the whole soak on a 2-core machine (it takes a fraction of that)
RETRY_AFTER = 0.01
PLAN = FaultPlan(
    seed=SEED,
    server_error=0.04,
    rate_limit=0.03,
    timeout=0.02,
    disconnect=0.02,
    malformed=0.02,
    slow=0.02,
    slow_seconds=0.001,
    retry_after=RETRY_AFTER,
    lost_reply=0.5,
)


@dataclass
class Decision:
    method: str
    error: str
    status: int | None
    delay: float | None


@dataclass(frozen=True)
class RecordingRetry(RetryPolicy):
    """The client's retry policy, with each of its decisions recorded."""

    decisions: list[Decision] = field(default_factory=list, compare=False, repr=False)

    def delay_for(self, method: str, attempt: int, error: NimbleAPIError) -> float | None:
        delay = super().delay_for(method, attempt, error)
        self.decisions.append(Decision(method, type(error).__name__, error.status_code, delay))
        return delay


@dataclass
class Ledger:
    """What the soak did and saw."""

    outcomes: Counter[str] = field(default_factory=Counter)
    created: dict[str, tuple[str, bool]] = field(default_factory=dict)
    """Marker of each contact or note create -> (kind, whether a call reported success)."""
    deleted: set[str] = field(default_factory=set)
    """Markers of notes deleted later on."""
    note_markers: dict[str, str] = field(default_factory=dict)
    emails: dict[str, bool] = field(default_factory=dict)
    """Email of each find-or-create lead -> whether a call reported it done."""
    unexpected: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)


class Soak:
    def __init__(self, toolkit: NimbleToolkit, rng: random.Random, ledger: Ledger) -> None:
        self.toolkit = toolkit
        self.rng = rng
        self.ledger = ledger
        self.counter = 0

    def next_marker(self) -> str:
        self.counter += 1
        return f"soak{SEED}x{self.counter}"

    # Each step: (operation, arguments, marker kind or None). Markers make duplicates countable.
    def step(self) -> tuple[str, dict[str, Any], str | None, str]:
        rng, ledger = self.rng, self.ledger
        contact = rng.choice(ledger.contacts)
        roll = rng.random()
        if roll < 0.14:
            return "list_all_nimble_contacts", {"limit": 5}, None, ""
        if roll < 0.26:
            return "get_single_nimble_contact_by_id", {"id": contact}, None, ""
        if roll < 0.34:
            return "list_all_nimble_me", {}, None, ""
        if roll < 0.42:
            return "list_all_nimble_deals", {"limit": 5}, None, ""
        if roll < 0.50:
            return "list_all_nimble_contact_notes", {"contact_id": contact, "limit": 5}, None, ""
        if roll < 0.60:
            marker = self.next_marker()
            return "create_a_nimble_contact", {"fields": {"first_name": "Soak", "last_name": marker}}, "contact", marker
        if roll < 0.70:
            marker = self.next_marker()
            return "create_a_nimble_contact_note", {"contact_ids": [contact], "note": marker}, "note", marker
        if roll < 0.78:
            return (
                "update_a_nimble_contact_by_id",
                {"id": contact, "fields": {"middle_name": f"m{rng.randrange(9)}"}},
                None,
                "",
            )
        if roll < 0.84:
            return "nimble_contacts_assign_tags", {"id": contact, "tags": [f"soak{rng.randrange(4)}"]}, None, ""
        if roll < 0.90 and ledger.notes:
            note = ledger.notes.pop(rng.randrange(len(ledger.notes)))
            ledger.deleted.add(ledger.note_markers[note])  # whether or not the reply is lost
            return "delete_a_nimble_contact_note_by_id", {"id": note}, None, ""
        marker = self.next_marker()
        lead = {"first_name": "Lead", "last_name": marker, "email": f"{marker}@soak.example"}
        return "nimble_find_or_create_contact", lead, "lead", marker

    def record(self, name: str, kind: str | None, marker: str, result: Any, error: Exception | None) -> None:
        ledger = self.ledger
        if error is not None and not isinstance(error, NimbleToolsError):
            ledger.unexpected.append(f"{name}: {type(error).__name__}: {error}")
        ledger.outcomes[type(error).__name__ if error is not None else "ok"] += 1
        if kind in ("contact", "note"):
            ledger.created[marker] = (kind, ledger.created.get(marker, (kind, False))[1] or error is None)
        if kind == "note" and error is None:
            ledger.notes.append(result["id"])
            ledger.note_markers[result["id"]] = marker
        if kind == "lead":  # the composite reports a lead it could not settle as decision "failed"
            settled = error is None and result.get("decision") in ("created", "matched")
            ledger.emails[f"{marker}@soak.example"] = ledger.emails.get(f"{marker}@soak.example", False) or settled


def run_soak(toolkit: NimbleToolkit, adapters: Any, ledger: Ledger) -> None:
    rng = random.Random(SEED)
    soak = Soak(toolkit, rng, ledger)
    done = 0
    while done < CALLS:
        mode = rng.random()
        if mode < 0.55:  # straight through the toolkit, synchronously
            name, arguments, kind, marker = soak.step()
            try:
                result = toolkit.call(name, arguments)
                soak.record(name, kind, marker, result.result, None)
            except Exception as error:
                soak.record(name, kind, marker, None, error)
                if kind == "lead" and isinstance(error, TransportError):  # an agent tries again
                    retry_lead(toolkit, soak, name, arguments, marker)
            done += 1
        elif mode < 0.80:  # a batch of concurrent async calls
            batch = [soak.step() for _ in range(min(8, CALLS - done))]
            asyncio.run(async_batch(toolkit, soak, batch))
            done += len(batch)
        else:  # through an adapter: whatever happens, the model gets a text
            name, arguments, kind, marker = soak.step()
            target = rng.choice(ADAPTERS)
            try:
                outcome = adapters.call(target, name, arguments)
            except Exception as error:  # nothing may escape an adapter
                ledger.unexpected.append(f"{name} via {target}: {type(error).__name__}: {error}")
                done += 1
                continue
            ledger.outcomes[f"{target}:{'ok' if outcome.ok else 'error'}"] += 1
            if kind in ("contact", "note"):
                ledger.created[marker] = (kind, outcome.ok)
            if kind == "lead":
                settled = outcome.ok and any(f'"decision":"{d}"' in outcome.text for d in ("created", "matched"))
                ledger.emails[f"{marker}@soak.example"] = settled
            done += 1


def retry_lead(toolkit: NimbleToolkit, soak: Soak, name: str, arguments: dict[str, Any], marker: str) -> None:
    try:
        soak.record(name, "lead", marker, toolkit.call(name, arguments).result, None)
    except Exception as error:
        soak.record(name, "lead", marker, None, error)


async def async_batch(
    toolkit: NimbleToolkit, soak: Soak, batch: list[tuple[str, dict[str, Any], str | None, str]]
) -> None:
    async def one(name: str, arguments: dict[str, Any], kind: str | None, marker: str) -> None:
        try:
            result = await toolkit.acall(name, arguments)
            soak.record(name, kind, marker, result.result, None)
        except Exception as error:
            soak.record(name, kind, marker, None, error)

    await asyncio.gather(*(one(*step) for step in batch))


def contacts_by_last_name(toolkit: NimbleToolkit) -> Counter[str]:
    assert toolkit.emulator is not None
    names: Counter[str] = Counter()
    for record in toolkit.emulator.state.table("contacts").quiet_values():
        for value in record.get("fields", {}).get("last name", []):
            names[value.get("value")] += 1
    return names


def notes_by_text(toolkit: NimbleToolkit) -> Counter[str]:
    assert toolkit.emulator is not None
    return Counter(str(note.get("note")) for note in toolkit.emulator.state.table("contact_notes").quiet_values())


@dataclass
class Soaked:
    toolkit: NimbleToolkit
    ledger: Ledger
    retry: RecordingRetry
    faults: FaultInjector
    elapsed: float


@pytest.fixture(scope="module")
def soaked() -> Soaked:
    retry = RecordingRetry(max_attempts=4, backoff_base=0.001, backoff_max=0.005)
    toolkit, _wire = wired_toolkit(retry=retry)
    people = toolkit.call("nimble_contacts_contact_ids", {"record_type": "person", "limit": 20}).result
    ledger = Ledger(contacts=people)
    assert toolkit.emulator is not None
    with adapters_for(toolkit) as adapters:
        faults = toolkit.emulator.inject_faults(PLAN)
        assert faults is not None
        start = time.perf_counter()
        run_soak(toolkit, adapters, ledger)
        elapsed = time.perf_counter() - start
        toolkit.emulator.inject_faults(None)
    return Soaked(toolkit, ledger, retry, faults, elapsed)


def test_nothing_but_toolkit_errors_ever_escapes(soaked: Soaked) -> None:
    ledger = soaked.ledger
    assert not ledger.unexpected, f"seed {SEED}: {ledger.unexpected[:5]}"
    assert sum(ledger.outcomes.values()) >= CALLS
    assert ledger.outcomes["ok"] > CALLS // 2, f"seed {SEED}: most calls still succeed: {dict(ledger.outcomes)}"
    print(
        f"\nsoak seed {SEED}: {CALLS} calls, {soaked.faults.seen} requests, {len(soaked.faults.log)} faults "
        f"in {soaked.elapsed:.1f}s; outcomes {dict(ledger.outcomes)}"
    )


def test_every_fault_kind_struck(soaked: Soaked) -> None:
    counts = soaked.faults.counts()
    for kind in FAULT_KINDS:
        assert counts[kind] > 0, f"seed {SEED}: no {kind} fault in {dict(counts)}"
    assert counts["server_error/after"] and counts["timeout/after"] and counts["disconnect/after"], "lost replies"


def test_retries_only_where_safe(soaked: Soaked) -> None:
    retry = soaked.retry
    retried = [d for d in retry.decisions if d.delay is not None]
    assert retried, f"seed {SEED}: the soak retried nothing"
    for decision in retried:
        if decision.method in ("POST", "PATCH"):
            assert decision.status == 429 or decision.error == ConnectError.__name__, (
                f"seed {SEED}: a {decision.method} was retried after {decision.error} {decision.status}"
            )
    refused = [d for d in retry.decisions if d.delay is None and d.method == "POST"]
    assert any(d.error in ("ServerError", "TransportError") for d in refused), (
        "a POST that may have landed is not retried"
    )
    for decision in retry.decisions:
        if decision.error == RateLimitedError.__name__ and decision.delay is not None:
            assert decision.delay == pytest.approx(RETRY_AFTER), f"seed {SEED}: Retry-After not honoured: {decision}"


def test_no_record_is_created_twice(soaked: Soaked) -> None:
    toolkit, ledger = soaked.toolkit, soaked.ledger
    contacts, notes = contacts_by_last_name(toolkit), notes_by_text(toolkit)
    for marker, (kind, succeeded) in ledger.created.items():
        count = contacts[marker] if kind == "contact" else notes[marker]
        assert count <= 1, f"seed {SEED}: {kind} {marker} was created {count} times"
        if succeeded and marker not in ledger.deleted:
            assert count == 1, f"seed {SEED}: {kind} {marker} was reported created, and is missing"
    emails = Counter(
        value.get("value")
        for record in toolkit.emulator.state.table("contacts").quiet_values()  # type: ignore[union-attr]
        for value in record.get("fields", {}).get("email", [])
    )
    for email, succeeded in ledger.emails.items():
        assert emails[email] <= 1, f"seed {SEED}: {email} was created {emails[email]} times"
        if succeeded:
            assert emails[email] == 1, f"seed {SEED}: {email} reported done, but there is no such contact"
    assert len(ledger.created) > CALLS // 20 and len(ledger.emails) > CALLS // 50


def test_bounded_time(soaked: Soaked) -> None:
    assert soaked.elapsed < TIME_BOUND, f"seed {SEED}: {soaked.elapsed:.1f}s"


def test_a_shorter_soak_over_real_sockets() -> None:
    """The same mix through the sandbox's HTTP server on loopback: real timeouts, real dropped sockets."""
    calls = max(CALLS // 10, 50)
    retry = RecordingRetry(max_attempts=3, backoff_base=0.001, backoff_max=0.005)
    box = Sandbox()
    plan = FaultPlan(
        seed=SEED,
        server_error=0.04,
        rate_limit=0.03,
        timeout=0.02,
        disconnect=0.03,
        malformed=0.02,
        slow=0.02,
        slow_seconds=0.001,
        retry_after=RETRY_AFTER,
        hang_seconds=0.3,
    )
    with box.server() as server:
        toolkit = NimbleToolkit(box.api_key, base_url=server.base_url, timeout=0.15, retry=retry)
        people = toolkit.call("nimble_contacts_contact_ids", {"record_type": "person", "limit": 20}).result
        ledger = Ledger(contacts=people)
        soak = Soak(toolkit, random.Random(SEED), ledger)
        faults = box.inject_faults(plan)
        assert faults is not None
        start = time.perf_counter()
        for _ in range(calls):
            name, arguments, kind, marker = soak.step()
            try:
                soak.record(name, kind, marker, toolkit.call(name, arguments).result, None)
            except Exception as error:
                soak.record(name, kind, marker, None, error)
        elapsed = time.perf_counter() - start
        box.inject_faults(None)
        toolkit.close()
    assert not ledger.unexpected, f"seed {SEED}: {ledger.unexpected[:5]}"
    assert faults.counts()["timeout"] and faults.counts()["disconnect"], dict(faults.counts())
    assert ledger.outcomes["ok"] > calls // 2, dict(ledger.outcomes)
    for decision in retry.decisions:
        if decision.method == "POST" and decision.delay is not None:
            assert decision.status == 429 or decision.error == ConnectError.__name__, decision
    names = Counter(
        value.get("value")
        for record in box.state.table("contacts").quiet_values()
        for value in record.get("fields", {}).get("last name", [])
    )
    assert all(names[marker] <= 1 for marker in ledger.created), "a contact was created twice"
    assert elapsed < TIME_BOUND / 3, f"seed {SEED}: {elapsed:.1f}s"
