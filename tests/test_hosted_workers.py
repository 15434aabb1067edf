"""The hosted server as deployed: several uvicorn workers (and hosts) sharing a real redis-server.

One deployment serves the module: two servers (hosts) behind the same public address, sharing the
store, with 2 workers and 1. On it, a bounded version of ``python -m benchmarks.hosted_load``: 8
concurrent MCP sessions, 200 mixed calls, one worker of the first host killed (SIGKILL) mid-run and
restarted by uvicorn; afterwards no write exists twice and every call is accounted for. Then
revocation: a person revoked from the command line is refused at once by every worker of both hosts
(the restarted one included).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from nimble_tools_hosted.testing import connect

from benchmarks.hosted_load import RunningServer, hosted_server, load

SECRET = "workers-test-secret-0123456789-abcdefghij"
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}


@dataclass
class Deployment:
    redis_url: str
    first: RunningServer
    """2 workers."""
    second: RunningServer
    """1 worker, the same public address."""


@pytest.fixture(scope="module")
def deployment(redis_url: str) -> Iterator[Deployment]:
    env = {"NIMBLE_HOSTED_SECRET_KEY": SECRET}
    with (
        hosted_server(redis_url, workers=2, extra_env=env) as first,
        hosted_server(redis_url, workers=1, extra_env=env, extra_args=("--public-url", first.url)) as second,
    ):
        yield Deployment(redis_url, first, second)


def test_two_workers_survive_a_killed_worker_without_duplicate_or_lost_calls(deployment: Deployment) -> None:
    report = load(deployment.first, calls=200, sessions=8, kill_share=0.4, baseline_samples=20)
    print("\n".join(report.lines()))
    assert report.killed_worker is not None and report.restarted_worker is not None
    assert report.restarted_worker != report.killed_worker
    assert report.calls == 200 and report.unaccounted == 0
    assert report.duplicates == 0 and report.missing_writes == 0
    assert report.wrong_person == 0
    assert report.writes > 20 and report.errors == 0


def _ping(url: str, token: str, times: int) -> set[int]:
    codes = set()
    for _ in range(times):  # a new connection each time, so that the requests spread over the workers
        answer = httpx.post(url, json=PING, headers={"Authorization": f"Bearer {token}", "connection": "close"})
        codes.add(answer.status_code)
    return codes


def test_revoking_a_person_is_refused_at_once_by_every_worker_of_every_host(deployment: Deployment) -> None:
    first, second = deployment.first, deployment.second
    keys = first.facts["sandbox"]["personal_keys"]
    sam = next(email for email in keys if email.startswith("sam"))
    tokens = connect(first.url, api_key=keys[sam])
    token = tokens["access_token"]
    second_mcp = f"http://127.0.0.1:{second.url.rsplit(':', 1)[1]}/mcp"
    assert _ping(first.mcp_url, token, 10) == {200}
    assert _ping(second_mcp, token, 3) == {200}
    assert len(first.workers()) == 2

    revoked = subprocess.run(
        [sys.executable, "-c", "from nimble_tools.cli import main; main()", "serve", "revoke", sam, "--json"],
        env={**os.environ, "NIMBLE_HOSTED_STORE": deployment.redis_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert revoked.returncode == 0, revoked.stderr
    assert json.loads(revoked.stdout)["revoked"]["email"] == sam

    assert _ping(first.mcp_url, token, 20) == {401}
    assert _ping(second_mcp, token, 5) == {401}
    refresh = httpx.post(
        f"{first.url}/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": tokens["client"]["client_id"],
            "client_secret": tokens["client"]["client_secret"],
        },
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"
    log = first.log.read_text()
    # The access log redacts query strings: no code, state or token reaches it.
    assert "POST /token HTTP/1.1" in log and "GET /authorize?…" in log
    for secret in (tokens["code"], token, tokens["refresh_token"], keys[sam]):
        assert secret not in log
