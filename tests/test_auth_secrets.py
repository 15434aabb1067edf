"""A full OAuth flow, failures included, with DEBUG logging on: no credential shows anywhere.

Every API key, client secret, authorization code, access token and refresh token the sandbox ever
issues is recorded; then the log records (httpx and httpcore included: the sandbox is served over
real HTTP), every exception (message, repr, model text, attributes, formatted traceback), every
repr and every tool output are searched for them.
"""

from __future__ import annotations

import asyncio
import http.client
import logging
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from auth_support import Clock

from nimble_tools import NimbleToolkit, NimbleToolsError, RetryPolicy
from nimble_tools.auth import JsonFileTokenStore, OAuthApp, OAuthProvider, ReauthorizationRequiredError
from nimble_tools.sandbox import DEFAULT_OAUTH_CLIENT_SECRET, Sandbox, revoke_grants
from nimble_tools.sandbox import _oauth as sandbox_oauth
from nimble_tools.sandbox.routes import oauth as oauth_routes


class Secrets:
    """Every credential issued during the test."""

    def __init__(self) -> None:
        self.values: set[str] = set()

    def add(self, *values: str) -> None:
        self.values.update(v for v in values if v)

    def find_in(self, text: str) -> list[str]:
        return [v for v in self.values if v in text]


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Secrets:
    recorded = Secrets()
    issue_tokens, issue_code = sandbox_oauth.issue_tokens, oauth_routes.issue_code

    def recording_tokens(*args: Any, **kwargs: Any) -> dict[str, Any]:
        body = issue_tokens(*args, **kwargs)
        recorded.add(body["access_token"], body["refresh_token"])
        return body

    def recording_code(*args: Any, **kwargs: Any) -> str:
        code = issue_code(*args, **kwargs)
        recorded.add(code)
        return code

    monkeypatch.setattr(sandbox_oauth, "issue_tokens", recording_tokens)
    monkeypatch.setattr(oauth_routes, "issue_code", recording_code)
    return recorded


@pytest.fixture
def server(secrets: Secrets) -> Iterator[tuple[Sandbox, Any, Clock]]:
    clock = Clock()
    box = Sandbox(clock=clock, api_key="sandbox-api-key-that-must-stay-hidden")
    secrets.add(box.api_key, DEFAULT_OAUTH_CLIENT_SECRET)
    with box.server(port=0) as running:
        yield box, running, clock


def browse(url: str, **extra: str) -> str:
    """Follow the authorize URL like the user's browser; return the callback it is redirected to.

    The browser is not nimble-tools, so it talks plain ``http.client``, which logs nothing: only the
    library's own logging is under test (httpcore would log the redirect's ``Location``, code and all).
    """
    if extra:
        url = f"{url}&{urlencode(extra)}"
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(str(parts.hostname), parts.port, timeout=10)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        answer = connection.getresponse()
        answer.read()
    finally:
        connection.close()
    assert answer.status == 302, answer.status
    return str(answer.getheader("location"))


def test_no_credential_appears_in_logs_errors_reprs_or_tool_output(
    server: tuple[Sandbox, Any, Clock], secrets: Secrets, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    box, running, clock = server
    store = JsonFileTokenStore(tmp_path / "tokens.json")
    provider = OAuthProvider(OAuthApp.for_sandbox(base_url=running.base_url), store, clock=clock)
    toolkit = NimbleToolkit(auth=provider, base_url=running.base_url, retry=RetryPolicy(backoff_base=0.0))
    errors: list[BaseException] = []
    outputs: list[str] = []
    objects: list[object] = [provider, store, provider.app, toolkit, toolkit.client, provider._endpoint]

    def call(account: str = "alice") -> None:
        try:
            outputs.append(toolkit.call("list_all_nimble_me", account=account).to_json())
        except NimbleToolsError as error:
            errors.append(error)

    def complete(callback: str, **kwargs: Any) -> None:
        try:
            objects.append(provider.complete_authorization(callback, **kwargs))
        except NimbleToolsError as error:
            errors.append(error)

    # Connect two accounts, use them, let tokens expire and be refreshed (ahead of time and after a 403).
    request = provider.begin_authorization("alice")
    objects.append(request)
    complete(browse(request.url))
    complete(browse(provider.begin_authorization("bob").url, login_hint="sam@sandbox.example"))
    call()
    call("bob")
    clock.advance(560)
    call()
    box.state.tokens.clear()
    call()
    objects.extend([store.load("alice"), provider.connection("alice")])

    async def async_call() -> str:
        try:
            return (await toolkit.acall("list_all_nimble_contacts", {"limit": 2}, account="bob")).to_json()
        finally:
            await toolkit.aclose()
            await provider.aclose()

    outputs.append(asyncio.run(async_call()))

    # Failures: replayed and forged callbacks, a denied consent, a refused code, a refused refresh,
    # an account that is not connected, a wrong client secret, a wrong API key.
    replay = browse(provider.begin_authorization("carol").url)
    complete(replay)
    complete(replay)
    forged = parse_qs(urlsplit(browse(provider.begin_authorization("dave").url)).query)
    complete(urlencode({"code": forged["code"][0], "state": "forged"}))
    complete(browse(provider.begin_authorization("erin").url, sandbox_consent="deny"))
    late = browse(provider.begin_authorization("frank").url)
    clock.advance(120)  # the code expires
    complete(late)
    revoke_grants(box.state)
    clock.advance(3600)
    call()
    call("nobody")
    wrong = OAuthProvider(
        OAuthApp("sandbox-oauth-client", "wrong-client-secret", "http://127.0.0.1/callback", base_url=running.base_url),
        store,
        clock=clock,
    )
    secrets.add("wrong-client-secret")
    try:
        wrong.complete_authorization(browse(wrong.begin_authorization("gina").url))
    except NimbleToolsError as error:
        errors.append(error)
    bad_key = NimbleToolkit("wrong-api-key-kept-secret", base_url=running.base_url)
    secrets.add("wrong-api-key-kept-secret")
    objects.append(bad_key)
    try:
        bad_key.call("list_all_nimble_me")
    except NimbleToolsError as error:
        errors.append(error)
    good_key = NimbleToolkit(box.api_key, base_url=running.base_url)
    outputs.append(good_key.call("list_all_nimble_me").to_json())
    for closable in (provider, wrong, toolkit, bad_key, good_key):
        closable.close()

    # The flow really happened, failures included...
    assert len(secrets.values) >= 12
    assert len(outputs) == 6
    assert [type(e).__name__ for e in errors] == [
        "OAuthStateError",  # the replayed callback
        "OAuthStateError",  # the forged state
        "OAuthError",  # access_denied
        "OAuthError",  # the expired code
        "ReauthorizationRequiredError",  # the refused refresh
        "ReauthorizationRequiredError",  # the account that is not connected
        "OAuthError",  # the wrong client secret
        "AuthenticationError",  # the wrong API key
    ]
    assert sum(isinstance(e, ReauthorizationRequiredError) for e in errors) == 2
    assert any(r.name.startswith("httpcore") for r in caplog.records)  # the wire was logged at DEBUG
    assert any(r.name == "nimble_tools.auth" for r in caplog.records)
    # ...and the search below does find a credential where there is one.
    assert secrets.find_in(f"Bearer {box.api_key}") == [box.api_key]

    leaks: dict[str, list[str]] = {}

    def check(where: str, text: str) -> None:
        found = secrets.find_in(text)
        if found:
            leaks[where] = found

    for record in caplog.records:
        check(f"log {record.name}", f"{record.getMessage()} {record.args!r} {record.exc_text or ''}")
    check("captured log text", caplog.text)
    for error in errors:
        name = type(error).__name__
        check(f"{name} str", str(error))
        check(f"{name} repr", repr(error))
        check(f"{name} attributes", repr(vars(error)))
        check(f"{name} traceback", "".join(traceback.format_exception(error)))
        if isinstance(error, NimbleToolsError):
            check(f"{name} for_model", error.for_model())
    for obj in objects:
        check(f"repr {type(obj).__name__}", repr(obj))
        check(f"str {type(obj).__name__}", str(obj))
    for output in outputs:
        check("tool output", output)
    assert leaks == {}
