"""Network surfaces refuse unsafe setups.

1. ``nimble-tools mcp --http`` on an interface other than loopback refuses to start without
   ``NIMBLE_TOOLS_MCP_TOKEN``, unless ``--insecure`` is given; with the token set, every request must
   carry it; the Host and Origin headers are checked on every interface.
2. ``nimble-tools mcp --account NAME`` serves that OAuth account, or refuses like ``call --account``.
3. A plain ``http://`` base URL to a host other than loopback is refused (credentials would travel
   in clear) unless explicitly allowed.
4. The SQLite token store makes an existing database file private; an unconnected account does not
   grow the store on every call.
5. The served sandbox answers malformed requests with a JSON error and keeps serving.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from benchmarks._local_servers import free_port
from nimble_tools import ConfigurationError, NimbleToolkit
from nimble_tools.auth import OAuthApp, OAuthProvider, ReauthorizationRequiredError, SQLiteTokenStore
from nimble_tools.cli import main
from nimble_tools.sandbox import Sandbox

CLI = str(Path(sys.executable).with_name("nimble-tools"))
TOKEN = "a-long-random-secret-for-this-test"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}


def child_env(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("NIMBLE_")}, **extra}


# -- 1. the MCP command over HTTP ------------------------------------------------------------------------


def test_a_non_loopback_interface_needs_a_token() -> None:
    done = subprocess.run(
        [CLI, "mcp", "--sandbox", "--http", "--host", "0.0.0.0", "--json"],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=60,
    )
    assert done.returncode == 2
    error = json.loads(done.stdout)["error"]
    assert "NIMBLE_TOOLS_MCP_TOKEN" in error["message"] and "--insecure" in error["message"]


@pytest.mark.parametrize(
    ("flags", "env"),
    [(["--insecure"], {}), ([], {"NIMBLE_TOOLS_MCP_TOKEN": TOKEN})],
    ids=["insecure", "token"],
)
def test_a_non_loopback_interface_starts_when_told_how(
    monkeypatch: pytest.MonkeyPatch, flags: list[str], env: dict[str, str]
) -> None:
    from nimble_tools_mcp import NimbleMCPServer

    served: list[dict[str, Any]] = []
    monkeypatch.setattr(NimbleMCPServer, "serve", lambda self, transport, **options: served.append(options))
    command = ["mcp", "--sandbox", "--http", "--host", "0.0.0.0", "--allowed-host", "crm.example", *flags]
    outcome = CliRunner().invoke(main, command, env=env)
    assert outcome.exit_code == 0, outcome.output
    assert served[0]["bearer_token"] == env.get("NIMBLE_TOOLS_MCP_TOKEN")
    assert served[0]["allowed_hosts"] == ("crm.example",)
    assert ("no authentication" in outcome.stderr) is (not env)


@pytest.fixture(scope="module")
def served_mcp() -> Iterator[str]:
    """``nimble-tools mcp --sandbox --http`` on loopback, with a bearer token; its URL."""
    port = free_port()
    command = [CLI, "mcp", "--sandbox", "--http", "--port", str(port)]
    with subprocess.Popen(command, env=child_env(NIMBLE_TOOLS_MCP_TOKEN=TOKEN), stderr=subprocess.DEVNULL) as process:
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            process.terminate()


def post(url: str, **headers: str) -> httpx.Response:
    base = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
    return httpx.post(url, json=INITIALIZE, headers={**base, **headers}, timeout=10)


def test_every_request_must_carry_the_token(served_mcp: str) -> None:
    assert post(served_mcp).status_code == 401
    assert post(served_mcp, authorization="Bearer wrong").status_code == 401
    assert post(served_mcp, authorization=f"Bearer {TOKEN}").status_code == 200


def test_the_host_and_origin_are_checked(served_mcp: str) -> None:
    auth = f"Bearer {TOKEN}"
    assert post(served_mcp, authorization=auth, host="evil.example").status_code == 421
    assert post(served_mcp, authorization=auth, origin="http://evil.example").status_code == 403
    assert post(served_mcp, authorization=auth, host="localhost:1", origin="http://localhost:1").status_code == 421


def test_the_http_app_checks_hosts_on_any_interface(toolkit: NimbleToolkit) -> None:
    from starlette.testclient import TestClient

    app = toolkit.emit("mcp").http_app("10.1.2.3", 8000, allowed_hosts=["crm.example"])
    headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
    with TestClient(app, base_url="http://crm.example:8000") as client:
        assert client.post("/mcp", json=INITIALIZE, headers=headers).status_code == 200
        assert client.post("/mcp", json=INITIALIZE, headers={**headers, "host": "evil.example"}).status_code == 421


# -- 2. --account ---------------------------------------------------------------------------------------


def test_mcp_account_without_an_oauth_app_refuses_like_call() -> None:
    for command in (
        ["mcp", "--account", "acme", "--json"],
        ["call", "list_all_nimble_me", "--account", "acme", "--json"],
    ):
        done = subprocess.run([CLI, *command], capture_output=True, text=True, env=child_env(), timeout=60)
        error = json.loads(done.stdout)["error"]
        assert done.returncode == 1 and "NIMBLE_CLIENT_ID" in error["message"], command


def test_mcp_account_that_was_never_connected_is_refused(tmp_path: Path) -> None:
    env = child_env(NIMBLE_CLIENT_ID="id", NIMBLE_CLIENT_SECRET="secret", NIMBLE_TOOLS_TOKEN_DB=str(tmp_path / "t.db"))
    done = subprocess.run(
        [CLI, "mcp", "--account", "acme", "--json"], capture_output=True, text=True, env=env, timeout=60
    )
    error = json.loads(done.stdout)["error"]
    assert done.returncode == 1 and "auth login --account acme" in error["message"]


# -- 3. plain http to another host -------------------------------------------------------------------------


def test_plain_http_to_another_host_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NIMBLE_ALLOW_INSECURE_HTTP", raising=False)
    with pytest.raises(ConfigurationError, match="clear text") as refused:
        NimbleToolkit("key-kept-secret", base_url="http://nimble.example.com")
    assert "key-kept-secret" not in str(refused.value)
    NimbleToolkit("k", base_url="http://nimble.example.com", allow_insecure_http=True)
    NimbleToolkit("k", base_url="http://127.0.0.1:8765")
    NimbleToolkit("k", base_url="https://nimble.example.com")
    monkeypatch.setenv("NIMBLE_ALLOW_INSECURE_HTTP", "1")
    NimbleToolkit("k", base_url="http://nimble.example.com")


def test_the_oauth_token_endpoint_is_held_to_the_same_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NIMBLE_ALLOW_INSECURE_HTTP", raising=False)
    app = OAuthApp("id", "secret", "http://127.0.0.1:1/callback", base_url="http://nimble.example.com")
    with pytest.raises(ConfigurationError, match="client secret"):
        OAuthProvider(app)


# -- 4. the token store ---------------------------------------------------------------------------------


def test_an_existing_world_readable_database_becomes_private(tmp_path: Path) -> None:
    path = tmp_path / "tokens.sqlite3"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    SQLiteTokenStore(path).accounts()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_calls_for_an_unconnected_account_do_not_grow_the_store(tmp_path: Path) -> None:
    store = SQLiteTokenStore(tmp_path / "tokens.sqlite3")
    box = Sandbox()
    toolkit = NimbleToolkit(
        auth=OAuthProvider.for_sandbox(box, store), transport=box.transport(), base_url="http://sandbox.nimble.invalid"
    )
    urls = set()
    for _ in range(50):
        with pytest.raises(ReauthorizationRequiredError) as needed:
            toolkit.call("list_all_nimble_me", account="never-connected")
        urls.add(needed.value.authorize_url)
    with sqlite3.connect(store.path) as db:
        pending = db.execute("SELECT COUNT(*) FROM pending").fetchone()[0]
    assert pending == 1 and len(urls) == 1


# -- 5. the served sandbox and malformed requests ----------------------------------------------------------------


@pytest.fixture(scope="module")
def served_sandbox() -> Iterator[tuple[int, str]]:
    box = Sandbox()
    with box.server(port=0) as running:
        yield int(running.base_url.rsplit(":", 1)[1]), box.api_key


def raw_request(port: int, head: str, body: bytes = b"") -> tuple[int, dict[str, Any]]:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(head.encode() + b"\r\n\r\n" + body)
        reply = b""
        while b"\r\n\r\n" not in reply or len(reply.split(b"\r\n\r\n", 1)[1]) < _length(reply):
            chunk = connection.recv(65536)
            if not chunk:
                break
            reply += chunk
    status = int(reply.split(b" ", 2)[1])
    return status, json.loads(reply.split(b"\r\n\r\n", 1)[1] or b"{}")


def _length(reply: bytes) -> int:
    for line in reply.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


@pytest.mark.parametrize(
    ("length", "status"), [("abc", 400), ("-1", 400), (str(10**12), 413)], ids=["text", "negative", "huge"]
)
def test_a_bad_content_length_gets_a_json_error_at_once(
    served_sandbox: tuple[int, str], length: str, status: int
) -> None:
    head = f"POST /api/v1/contact HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\nContent-Type: application/json"
    answer, body = raw_request(served_sandbox[0], head)
    assert answer == status and ("Content-Length" in body["message"] or "larger" in body["message"])


def test_a_body_nested_absurdly_deep_gets_a_json_error(served_sandbox: tuple[int, str]) -> None:
    port, key = served_sandbox
    body = ("[" * 100_000 + "]" * 100_000).encode()
    head = f"POST /api/v1/contact HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\nContent-Type: application/json"
    status, answer = raw_request(port, f"{head}\r\nAuthorization: Bearer {key}", body)
    assert 400 <= status < 500 and "not valid JSON" in answer["message"]
    healthy, me = raw_request(port, f"GET /api/v1/myself HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}")
    assert healthy == 200 and me["user_id"]  # still serving
