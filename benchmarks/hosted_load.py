"""Load and fault run of the hosted server: 2 uvicorn workers, a real redis-server, a worker killed mid-run.

``python -m benchmarks.hosted_load`` (2,000 calls by 20 concurrent MCP sessions; ``--calls``,
``--sessions``, ``--workers`` change it). Everything runs on loopback and stops by itself:

1. a throwaway ``redis-server`` on a free loopback port;
2. ``nimble-tools serve --sandbox --workers 2 --store redis://...`` (the sandbox in the parent process);
3. two people connect through the consent pages (one signs in with Nimble, one pastes an API key);
4. N sessions of the official MCP client SDK make a mix of reads and writes, each write creating a
   contact with a unique marker; reads that lose their connection are retried once, writes never;
5. when a share of the calls is done, one worker is killed (SIGKILL); uvicorn starts another;
6. afterwards every write is looked up in the sandbox: none may exist twice, every one answered as
   done must exist, and every call must be accounted for (done, failed, or a write whose answer
   was lost and which is then found to have happened or not).

The baseline, measured in the same run, is the same read sent straight to the served sandbox
with the toolkit (Nimble's own cost, without the hosted server in between).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks._local_servers import free_port, redis_server

TAG_PREFIX = "load-"
READS = ("list_all_nimble_me", "list_all_nimble_contacts", "list_all_nimble_contacts_search")


@dataclass
class Outcome:
    """What happened to the calls of a run."""

    calls: int = 0
    ok: int = 0
    errors: int = 0
    retried: int = 0
    lost_writes: list[str] = field(default_factory=list)
    done_writes: list[str] = field(default_factory=list)
    failed_writes: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    wrong_person: int = 0


@dataclass
class Report:
    """The figures of a run, and the checks made after it."""

    calls: int
    seconds: float
    calls_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    retried_reads: int
    writes: int
    lost_writes: int
    lost_writes_applied: int
    duplicates: int
    missing_writes: int
    unaccounted: int
    wrong_person: int
    killed_worker: int | None
    restarted_worker: int | None
    baseline_p50_ms: float

    def lines(self) -> list[str]:
        """The report as text."""
        return [
            f"{self.calls} calls in {self.seconds:.1f} s: {self.calls_per_second:.0f} calls/s",
            f"latency p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms "
            f"(baseline, the same read straight to the sandbox: p50 {self.baseline_p50_ms:.1f} ms; "
            f"ratio {self.p50_ms / max(self.baseline_p50_ms, 1e-6):.1f}x)",
            f"errors {self.errors}; reads retried once after a dropped connection: {self.retried_reads}",
            f"writes {self.writes}: duplicates {self.duplicates}, answered but missing {self.missing_writes}, "
            f"answer lost {self.lost_writes} (of which applied {self.lost_writes_applied})",
            f"calls unaccounted for: {self.unaccounted}; answers for the wrong person: {self.wrong_person}",
            f"worker killed: pid {self.killed_worker}; restarted as pid {self.restarted_worker}",
        ]


# --- the pieces it runs -------------------------------------------------------------------------


def _wait_for(check: Any, seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(message)
        time.sleep(0.05)


@dataclass
class RunningServer:
    """``nimble-tools serve --sandbox`` in a subprocess."""

    process: subprocess.Popen[str]
    url: str
    mcp_url: str
    facts: dict[str, Any]
    log: Path

    def workers(self, tries: int = 40) -> set[int]:
        """The worker pids answering /healthz (each request lands on one of them)."""
        seen: set[int] = set()
        with httpx.Client(timeout=5) as http:
            for _ in range(tries):
                with contextlib.suppress(httpx.HTTPError):
                    seen.add(int(http.get(f"{self.url}/healthz", headers={"connection": "close"}).json()["worker"]))
        return seen


@contextlib.contextmanager
def hosted_server(
    store: str, *, workers: int = 2, extra_env: dict[str, str] | None = None, extra_args: tuple[str, ...] = ()
) -> Iterator[RunningServer]:
    """Start the hosted server with ``workers`` processes and wait until every worker answers."""
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="nimble-load-")) / "server.log"
    command = [
        sys.executable,
        "-c",
        "from nimble_tools.cli import main; main()",
        "serve",
        "--sandbox",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--store",
        store,
        "--json",
        *extra_args,
    ]
    env = {**os.environ, **(extra_env or {})}
    with open(log, "a") as errors:  # append mode: the drained stdout is appended to the same file
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env)
    assert process.stdout is not None
    drain: threading.Thread | None = None
    try:
        facts = json.loads(process.stdout.readline())
        # uvicorn's access log goes to stdout: keep draining it (into the log), or the workers block
        # on a full pipe.
        drain = threading.Thread(target=_drain, args=(process.stdout, log), daemon=True)
        drain.start()
        server = RunningServer(process, facts["public_url"], facts["url"], facts, log)
        _wait_for(lambda: _ready(server.url), 60, f"the hosted server did not start; see {log}")
        _wait_for(lambda: len(server.workers(10)) >= workers, 60, "not every worker started")
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if drain is not None:
            drain.join(timeout=10)
        process.stdout.close()


def _drain(stream: Any, log: Path) -> None:
    with open(log, "a") as out:
        for line in stream:
            out.write(line)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


# --- the load -----------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _session(mcp_url: str, token: str) -> AsyncIterator[Any]:
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {token}"}
    # A connection per request, as many clients on many machines would open: the requests spread over
    # the workers, so the one that is killed has calls in flight.
    limits = httpx2.Limits(max_keepalive_connections=0)
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60, limits=limits) as http,
        Client(streamable_http_client(mcp_url, http_client=http)) as client,
    ):
        yield client


async def _session_calls(
    mcp_url: str, person: dict[str, Any], count: int, run_tag: str, outcome: Outcome, progress: Any
) -> None:
    """One MCP session's share of the calls; a new session after a dropped connection.

    When a worker dies mid-call the SDK client's session fails as a whole (its transport task
    raises), so the call in flight is settled here: a read is retried once on a new session, a
    write is recorded as "answer lost" (never retried: it may have happened) and looked up later.
    """
    rng = random.Random(secrets.randbits(32))
    done = 0
    while done < count:
        in_flight: tuple[str, str] | None = None
        try:
            async with _session(mcp_url, person["access_token"]) as client:
                while done < count:
                    if rng.random() < 0.3:
                        in_flight = ("write", f"{run_tag}-{secrets.token_hex(6)}")
                        await _write(client, in_flight[1], run_tag, outcome)
                    else:
                        in_flight = ("read", rng.choice(READS))
                        await _read(client, in_flight[1], person, outcome)
                    in_flight = None
                    done += 1
                    outcome.calls += 1
                    progress()
        except Exception as error:
            if not _is_transport_failure(error) or in_flight is None:
                raise
            kind, detail = in_flight
            if kind == "write":
                outcome.lost_writes.append(detail)
            else:
                outcome.retried += 1
                try:
                    async with _session(mcp_url, person["access_token"]) as fresh:
                        await _read(fresh, detail, person, outcome)
                except Exception as again:
                    if not _is_transport_failure(again):
                        raise
                    outcome.errors += 1
            done += 1
            outcome.calls += 1
            progress()


def _is_transport_failure(error: BaseException) -> bool:
    if isinstance(error, BaseExceptionGroup):
        return all(_is_transport_failure(e) for e in error.exceptions)
    text = f"{type(error).__name__} {error}"
    keywords = ("Connect", "RemoteProtocol", "ReadError", "WriteError", "Closed", "disconnect", "reset", "Timeout")
    return any(k in text for k in keywords)


def _arguments(name: str) -> dict[str, Any]:
    if name == "list_all_nimble_contacts":
        return {"limit": 5}
    if name == "list_all_nimble_contacts_search":
        return {"query": {"join": "and", "conditions": [{"field": "tag", "operator": "is", "value": "customer"}]}}
    return {}


async def _read(client: Any, name: str, person: dict[str, Any], outcome: Outcome) -> None:
    started = time.perf_counter()
    result = await client.call_tool(name, _arguments(name))
    outcome.latencies.append(time.perf_counter() - started)
    if result.is_error:
        outcome.errors += 1
        return
    outcome.ok += 1
    if name == "list_all_nimble_me" and result.structured_content["result"]["email"] != person["email"]:
        outcome.wrong_person += 1


async def _write(client: Any, marker: str, run_tag: str, outcome: Outcome) -> None:
    arguments = {"fields": {"first_name": "Load", "last_name": marker}, "tags": [run_tag]}
    started = time.perf_counter()
    result = await client.call_tool("create_a_nimble_contact", arguments)
    outcome.latencies.append(time.perf_counter() - started)
    if result.is_error:
        outcome.errors += 1
        outcome.failed_writes.append(marker)
    else:
        outcome.ok += 1
        outcome.done_writes.append(marker)


async def _load(
    mcp_url: str, people: list[dict[str, Any]], calls: int, sessions: int, kill: Any, kill_at: int, run_tag: str
) -> Outcome:
    outcome = Outcome()
    shares = [calls // sessions + (1 if i < calls % sessions else 0) for i in range(sessions)]
    finished = 0
    killed = False

    def progress() -> None:
        nonlocal finished, killed
        finished += 1
        if not killed and finished >= kill_at:
            killed = True
            kill()

    await asyncio.gather(
        *(
            _session_calls(mcp_url, people[i % len(people)], share, run_tag, outcome, progress)
            for i, share in enumerate(shares)
        )
    )
    return outcome


def _baseline(sandbox: dict[str, Any], samples: int = 200) -> float:
    from nimble_tools import NimbleToolkit

    toolkit = NimbleToolkit(sandbox["api_key"], base_url=sandbox["base_url"])
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        toolkit.call("list_all_nimble_contacts", {"limit": 5})
        timings.append(time.perf_counter() - started)
    toolkit.close()
    return statistics.median(timings) * 1000


def _stored_markers(sandbox: dict[str, Any], run_tag: str) -> list[str]:
    from nimble_tools import NimbleToolkit

    toolkit = NimbleToolkit(sandbox["api_key"], base_url=sandbox["base_url"])
    condition = {"field": "tag", "operator": "is", "value": run_tag}
    query = {"query": {"join": "and", "conditions": [condition]}, "limit": 100}
    markers = []
    for contact in toolkit.paginate("list_all_nimble_contacts_search", query):
        last = contact.get("fields", {}).get("last name") or [{}]
        markers.append(str(last[0].get("value")))
    toolkit.close()
    return markers


def run(calls: int = 2000, sessions: int = 20, workers: int = 2, kill_share: float = 0.4) -> Report:
    """One run on loopback: start everything, load it, kill a worker, check every write, stop everything."""
    with redis_server() as redis_url, hosted_server(redis_url, workers=workers) as server:
        return load(server, calls, sessions, kill_share)


def load(
    server: RunningServer, calls: int = 2000, sessions: int = 20, kill_share: float = 0.4, baseline_samples: int = 200
) -> Report:
    """Load a running server, kill one of its workers on the way, and check every write."""
    from nimble_tools_hosted.testing import connect

    sandbox = server.facts["sandbox"]
    keys = sandbox["personal_keys"]
    admin_email, sam_email = sorted(keys)
    people = [
        {**connect(server.url, client_name="Load (sign-in)"), "email": admin_email},
        {**connect(server.url, api_key=keys[sam_email], client_name="Load (key)"), "email": sam_email},
    ]
    baseline = _baseline(sandbox, baseline_samples)
    before = server.workers()
    killed: list[int] = []

    def kill() -> None:
        victim = sorted(before)[0]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)

    run_tag = f"{TAG_PREFIX}{secrets.token_hex(4)}"
    started = time.perf_counter()
    outcome = asyncio.run(_load(server.mcp_url, people, calls, sessions, kill, int(calls * kill_share), run_tag))
    seconds = time.perf_counter() - started
    after: set[int] = set()
    with contextlib.suppress(RuntimeError):  # uvicorn starts a new worker for the killed one
        _wait_for(lambda: bool(after.update(server.workers(10)) or after - before), 60, "no new worker")
    stored = _stored_markers(sandbox, run_tag)

    counts: dict[str, int] = {}
    for marker in stored:
        counts[marker] = counts.get(marker, 0) + 1
    writes = len(outcome.done_writes) + len(outcome.failed_writes) + len(outcome.lost_writes)
    accounted = outcome.ok + outcome.errors + len(outcome.lost_writes)
    latencies = sorted(outcome.latencies)
    new_workers = sorted(after - before)
    return Report(
        calls=outcome.calls,
        seconds=seconds,
        calls_per_second=outcome.calls / seconds,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        errors=outcome.errors,
        retried_reads=outcome.retried,
        writes=writes,
        lost_writes=len(outcome.lost_writes),
        lost_writes_applied=sum(1 for m in outcome.lost_writes if counts.get(m)),
        duplicates=sum(1 for c in counts.values() if c > 1),
        missing_writes=sum(1 for m in outcome.done_writes if counts.get(m) != 1),
        unaccounted=calls - accounted,
        wrong_person=outcome.wrong_person,
        killed_worker=killed[0] if killed else None,
        restarted_worker=new_workers[0] if new_workers else None,
        baseline_p50_ms=baseline,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hosted_load", description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--full", action="store_true", help="(accepted for `python -m benchmarks --full`)")
    options = parser.parse_args(argv or [])
    report = run(options.calls, options.sessions, options.workers)
    for line in report.lines():
        print(line)
    healthy = (
        report.duplicates == 0
        and report.missing_writes == 0
        and report.unaccounted == 0
        and report.wrong_person == 0
        and report.restarted_worker is not None
    )
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
