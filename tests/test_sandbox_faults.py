"""Sandbox fault injection: seeded, before or after the handler, raised the way httpx raises."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import httpx
import pytest
from click.testing import CliRunner

from nimble_tools import (
    ApiKeyAuth,
    NimbleClient,
    NimbleToolkit,
    RateLimitedError,
    RequestSpec,
    RetryPolicy,
    ServerError,
    TransportError,
)
from nimble_tools.cli import main
from nimble_tools.sandbox import SANDBOX_BASE_URL, FaultPlan, Sandbox

PERSON = {"record_type": "person", "fields": {"first name": [{"value": "Faulty", "modifier": ""}]}}
CREATE = RequestSpec("POST", "/api/v1/contact", json=PERSON)
MYSELF = RequestSpec("GET", "/api/v1/myself")


def client_on(box: Sandbox, sleeps: list[float] | None = None, **retry: object) -> NimbleClient:
    transport = box.transport()
    return NimbleClient(
        base_url=SANDBOX_BASE_URL,
        auth=ApiKeyAuth(box.api_key),
        transport=transport,
        async_transport=transport,
        retry=RetryPolicy(backoff_base=0, jitter=lambda: 0.0, **retry),  # type: ignore[arg-type]
        sleep=(sleeps if sleeps is not None else []).append,
    )


def raw_client(box: Sandbox) -> httpx.Client:
    return httpx.Client(
        transport=box.transport(), base_url="http://sandbox", headers={"Authorization": f"Bearer {box.api_key}"}
    )


def contacts_named(box: Sandbox, name: str) -> int:
    return sum(
        1 for r in box.state.table("contacts").values() if r["fields"].get("first name", [{}])[0].get("value") == name
    )


def test_same_seed_same_faults_and_rates_hold() -> None:
    plan = FaultPlan(seed=11, server_error=0.1, rate_limit=0.05, timeout=0.05, disconnect=0.05)

    def run() -> list[tuple[str, bool]]:
        box = Sandbox(seed=False, faults=plan)
        with raw_client(box) as client:
            for _ in range(1000):
                with contextlib.suppress(httpx.TransportError):
                    client.get("/api/v1/myself")
        assert box.faults is not None
        return [(f.kind, f.after) for f in box.faults.log]

    first, second = run(), run()
    assert first == second
    kinds = [kind for kind, _ in first]
    assert 60 <= kinds.count("server_error") <= 140
    assert 20 <= kinds.count("rate_limit") <= 80
    assert 20 <= kinds.count("timeout") <= 80
    other = Sandbox(seed=False, faults=FaultPlan(seed=12, server_error=0.1, rate_limit=0.05, timeout=0.05))
    with raw_client(other) as client:
        for _ in range(200):
            with contextlib.suppress(httpx.TransportError):
                client.get("/api/v1/myself")
    assert other.faults is not None
    assert [(f.kind, f.after) for f in other.faults.log][:20] != first[:20]


@pytest.mark.parametrize(("lost_reply", "created"), [(1.0, 1), (0.0, 0)], ids=["after-handler", "before-handler"])
def test_server_error_before_or_after_the_handler(lost_reply: float, created: int) -> None:
    box = Sandbox(seed=False, faults=FaultPlan(server_error=1.0, lost_reply=lost_reply, methods=frozenset({"POST"})))
    with pytest.raises(ServerError) as caught:
        client_on(box).send(CREATE)
    assert caught.value.status_code in (500, 502, 503)
    assert contacts_named(box, "Faulty") == created
    assert box.faults is not None and box.faults.log[0].after is bool(created)


def test_timeout_and_disconnect_are_raised_as_httpx_raises_them() -> None:
    box = Sandbox(seed=False, faults=FaultPlan(timeout=1.0))
    with raw_client(box) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/api/v1/myself")
    box.inject_faults(FaultPlan(disconnect=1.0))
    with raw_client(box) as client, pytest.raises(httpx.RemoteProtocolError):
        client.get("/api/v1/myself")
    with pytest.raises(TransportError, match="did not answer in time"):
        box.inject_faults(FaultPlan(timeout=1.0))
        client_on(box, max_attempts=2).send(MYSELF)


def test_a_timed_out_post_may_still_have_created_the_record() -> None:
    box = Sandbox(seed=False, faults=FaultPlan(timeout=1.0, lost_reply=1.0))
    with pytest.raises(TransportError):
        client_on(box).send(CREATE)
    assert contacts_named(box, "Faulty") == 1  # the reply was lost, the contact exists: never retry blindly


def test_rate_limit_carries_retry_after_and_any_method_is_retried() -> None:
    box = Sandbox(seed=3, faults=FaultPlan(rate_limit=1.0, retry_after=2))
    with raw_client(box) as client:
        response = client.get("/api/v1/myself")
    assert (response.status_code, response.headers["retry-after"]) == (429, "2")

    # A 429 refuses the request unprocessed, so even a POST is retried, after Retry-After seconds.
    sleeps: list[float] = []
    box.inject_faults(FaultPlan(seed=5, rate_limit=0.5, retry_after=2))
    client = client_on(box, sleeps, max_attempts=10)
    for _ in range(6):
        client.send(CREATE)
    assert contacts_named(box, "Faulty") == 6
    assert sleeps and set(sleeps) == {2.0}
    box.inject_faults(FaultPlan(rate_limit=1.0, retry_after=2))
    with pytest.raises(RateLimitedError) as caught:
        client_on(box, max_attempts=2).send(CREATE)
    assert caught.value.retry_after == 2.0


def test_malformed_body_is_a_transport_error_after_the_change() -> None:
    box = Sandbox(seed=False, faults=FaultPlan(malformed=1.0))
    with pytest.raises(TransportError, match="malformed JSON"):
        client_on(box, max_attempts=1).send(CREATE)
    assert contacts_named(box, "Faulty") == 1


def test_filters_by_method_and_path() -> None:
    box = Sandbox(
        seed=False, faults=FaultPlan(server_error=1.0, methods=frozenset({"post"}), path_pattern=r"/contact$")
    )
    client = client_on(box, max_attempts=1)
    assert client.send(MYSELF)["name"]
    with pytest.raises(ServerError):
        client.send(CREATE)
    assert box.faults is not None and box.faults.seen == 1


def test_slow_answers_arrive_late_but_right() -> None:
    box = Sandbox(seed=False, faults=FaultPlan(slow=1.0, slow_seconds=0.05))

    async def go() -> float:
        start = time.perf_counter()
        body = await client_on(box).asend(MYSELF)
        assert body["name"]
        return time.perf_counter() - start

    assert asyncio.run(go()) >= 0.05


def test_toolkit_sees_mapped_errors_and_stop_injecting() -> None:
    box = Sandbox(faults=FaultPlan(server_error=1.0))
    toolkit = NimbleToolkit.sandbox(emulator=box, retry=RetryPolicy(max_attempts=2, backoff_base=0))
    with pytest.raises(ServerError, match="injected"):
        toolkit.call("list_all_nimble_me")
    box.inject_faults(None)
    assert toolkit.call("list_all_nimble_me").result["name"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: FaultPlan(server_error=0.7, timeout=0.5), "add up to 1.200"),
        (lambda: FaultPlan(timeout=-0.1), "between 0 and 1"),
        (lambda: FaultPlan(statuses=(404,)), "5xx"),
        (lambda: FaultPlan.parse("server_error=0.1,colour=blue"), "Unknown fault setting 'colour=blue'"),
    ],
    ids=["sum", "negative", "status", "parse"],
)
def test_bad_plans_are_refused_with_the_fix(make: Callable[[], FaultPlan], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_parse_reads_the_cli_form() -> None:
    plan = FaultPlan.parse("server_error=0.1, rate-limit=0.05,timeout=0.02,seed=7,path_pattern=^/api/v1/contact")
    assert (plan.server_error, plan.rate_limit, plan.timeout, plan.seed) == (0.1, 0.05, 0.02, 7)
    assert plan.path_pattern == "^/api/v1/contact"
    assert plan.total_rate == pytest.approx(0.17)


def test_cli_refuses_a_bad_fault_spec() -> None:
    result = CliRunner().invoke(main, ["sandbox", "serve", "--port", "0", "--faults", "timeout=2"])
    assert result.exit_code == 2
    assert "--faults" in result.output and "between 0 and 1" in result.output


def test_server_drops_and_hangs_connections() -> None:
    box = Sandbox(seed=False, faults=FaultPlan(disconnect=1.0))
    headers = {"Authorization": f"Bearer {box.api_key}"}
    with box.server() as server:
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"{server.base_url}/api/v1/myself", headers=headers)
        box.inject_faults(FaultPlan(timeout=1.0, hang_seconds=0.5))
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{server.base_url}/api/v1/myself", headers=headers, timeout=0.1)
        box.inject_faults(None)
        assert httpx.get(f"{server.base_url}/api/v1/myself", headers=headers).status_code == 200
