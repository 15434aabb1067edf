"""Fault injection: make the sandbox fail the way networks and servers do, repeatably.

A :class:`FaultPlan` says which fraction of requests fail and how; a :class:`FaultInjector`
draws from a seeded random generator, so the same requests in the same order meet the same
faults in every run. Kinds:

* ``server_error``: a 5xx answer (``statuses``);
* ``rate_limit``: 429 with a ``Retry-After`` header, the request not processed;
* ``timeout``: no answer in time (the in-process transport raises ``httpx.ReadTimeout``);
* ``disconnect``: the connection drops (``httpx.RemoteProtocolError``);
* ``malformed``: a 200 whose JSON body is cut off;
* ``slow``: the right answer, ``slow_seconds`` late.

A server error, a timeout or a dropped connection can strike before the request is handled
(nothing changed) or after it (the change was made, the answer was lost): ``lost_reply`` is the
fraction of the latter. Those are the faults that make a blind retry of a POST create a duplicate,
so they are the ones composite actions must survive.
"""

from __future__ import annotations

import random
import re
import threading
from collections import Counter
from dataclasses import dataclass, fields
from typing import Literal

from ._http import SandboxResponse

__all__ = ["FAULT_KINDS", "Fault", "FaultInjector", "FaultPlan"]

FaultKind = Literal["server_error", "rate_limit", "timeout", "disconnect", "malformed", "slow"]
FAULT_KINDS: tuple[FaultKind, ...] = ("server_error", "rate_limit", "timeout", "disconnect", "malformed", "slow")
# Kinds that may strike after the handler ran; a 429 refuses the request, a malformed body follows it.
_MAY_LOSE_REPLY = frozenset({"server_error", "timeout", "disconnect"})
_ALWAYS_AFTER = frozenset({"malformed", "slow"})


@dataclass(frozen=True)
class FaultPlan:
    """Which requests fail and how. Rates are fractions of matching requests (0 to 1, summed <= 1).

    Attributes:
        seed: seed of the random draws; the same seed and request order give the same faults.
        server_error: fraction answered with one of ``statuses``.
        rate_limit: fraction answered 429 with ``Retry-After: retry_after``.
        timeout: fraction that never answer in time.
        disconnect: fraction whose connection drops without an answer.
        malformed: fraction answered 200 with a truncated JSON body.
        slow: fraction answered correctly but ``slow_seconds`` late.
        lost_reply: for server errors, timeouts and drops: the fraction that strike after the
            request was handled, so the change is made but the caller never learns it.
        statuses: the 5xx statuses to choose from.
        retry_after: seconds announced in ``Retry-After``.
        slow_seconds: delay of a slow answer.
        hang_seconds: how long the HTTP server holds a "timed out" connection before closing it.
        methods: only requests with these methods are faulted (all by default).
        path_pattern: only requests whose path matches this regular expression are faulted.
    """

    seed: int = 0
    server_error: float = 0.0
    rate_limit: float = 0.0
    timeout: float = 0.0
    disconnect: float = 0.0
    malformed: float = 0.0
    slow: float = 0.0
    lost_reply: float = 0.5
    statuses: tuple[int, ...] = (500, 502, 503)
    retry_after: float = 1.0
    slow_seconds: float = 0.05
    hang_seconds: float = 5.0
    methods: frozenset[str] = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
    path_pattern: str | None = None

    def __post_init__(self) -> None:
        rates = [getattr(self, kind) for kind in FAULT_KINDS]
        if any(not 0.0 <= rate <= 1.0 for rate in [*rates, self.lost_reply]):
            raise ValueError("FaultPlan rates and lost_reply must each be between 0 and 1.")
        if sum(rates) > 1.0 + 1e-9:
            raise ValueError(f"FaultPlan rates add up to {sum(rates):.3f}; they must add up to at most 1.")
        if not self.statuses or any(not 500 <= s <= 599 for s in self.statuses):
            raise ValueError("FaultPlan statuses must be 5xx codes.")
        object.__setattr__(self, "methods", frozenset(m.upper() for m in self.methods))

    @classmethod
    def parse(cls, text: str) -> FaultPlan:
        """Read ``"server_error=0.1,timeout=0.05,seed=7"`` (the CLI's ``--faults`` form)."""
        known = {f.name: f for f in fields(cls)}
        values: dict[str, object] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, sep, raw = item.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in known or name in ("statuses", "methods"):
                allowed = ", ".join(n for n in known if n not in ("statuses", "methods"))
                raise ValueError(f"Unknown fault setting {item!r}; use name=value with a name among: {allowed}.")
            if name == "path_pattern":
                values[name] = raw.strip()
            elif name == "seed":
                values[name] = int(raw)
            else:
                values[name] = float(raw)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def total_rate(self) -> float:
        """The fraction of matching requests that meet some fault."""
        return float(sum(getattr(self, kind) for kind in FAULT_KINDS))


@dataclass(frozen=True)
class Fault:
    """One injected fault, as recorded in :attr:`FaultInjector.log`."""

    kind: FaultKind
    method: str
    path: str
    after: bool
    """True when the request was handled before the fault struck (its change was made)."""
    status: int | None = None

    def response(self, plan: FaultPlan, reply: SandboxResponse | None) -> SandboxResponse:
        """What the caller receives instead of (or on top of) ``reply``."""
        if self.kind == "server_error":
            assert self.status is not None
            return SandboxResponse(self.status, {"message": "Internal server error (injected)", "code": 107})
        if self.kind == "rate_limit":
            return SandboxResponse(
                429, {"message": "Too many requests (injected)"}, {"Retry-After": _seconds(plan.retry_after)}
            )
        if self.kind in ("timeout", "disconnect"):
            return SandboxResponse(0, fault=self.kind, delay=plan.hang_seconds if self.kind == "timeout" else 0.0)
        assert reply is not None
        if self.kind == "slow":
            return SandboxResponse(reply.status, reply.body, reply.headers, reply.raw, delay=plan.slow_seconds)
        # malformed: the first half of a JSON body, labelled as JSON
        return SandboxResponse(200, None, {"content-type": "application/json"}, raw=b'{"resources": [{"id": "')


class FaultInjector:
    """Draws the faults of a :class:`FaultPlan`, records them, and is safe across threads."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self._random = random.Random(plan.seed)
        self._path = re.compile(plan.path_pattern) if plan.path_pattern else None
        self._lock = threading.Lock()
        self.log: list[Fault] = []
        """Every fault injected so far, in order."""
        self.seen = 0
        """Requests considered (faulted or not)."""

    def __repr__(self) -> str:
        return f"FaultInjector(seen={self.seen}, injected={len(self.log)})"

    def draw(self, method: str, path: str) -> Fault | None:
        """Decide the fate of one request."""
        if method.upper() not in self.plan.methods or (self._path is not None and not self._path.search(path)):
            return None
        with self._lock:
            self.seen += 1
            roll, phase, status_roll = self._random.random(), self._random.random(), self._random.random()
            kind = self._kind_for(roll)
            if kind is None:
                return None
            after = kind in _ALWAYS_AFTER or (kind in _MAY_LOSE_REPLY and phase < self.plan.lost_reply)
            status = self.plan.statuses[int(status_roll * len(self.plan.statuses))] if kind == "server_error" else None
            fault = Fault(kind, method.upper(), path, after, status)
            self.log.append(fault)
            return fault

    def _kind_for(self, roll: float) -> FaultKind | None:
        edge = 0.0
        for kind in FAULT_KINDS:
            edge += getattr(self.plan, kind)
            if roll < edge:
                return kind
        return None

    def counts(self) -> Counter[str]:
        """How many faults of each kind were injected (``"timeout/after"`` style keys too)."""
        counter: Counter[str] = Counter()
        for fault in self.log:
            counter[fault.kind] += 1
            counter[f"{fault.kind}/{'after' if fault.after else 'before'}"] += 1
        return counter


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
