"""A fully traced run, content recording on: no credential in any span, metric or log line.

OAuth (two accounts connected, tokens refreshed ahead of expiry and after a 403, an account that is
not connected), an API key (and a wrong one), confirmation tokens, calls through adapters, sync and
async. Every API key, client secret, authorization code, access and refresh token and confirm token
is recorded, then searched for in every span (names, attributes, events, status), every metric
point's attributes, and every log line (JSON lines of the call events, and every record at DEBUG).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from typing import Any

import pytest
from auth_support import oauth_world
from observability_support import Recorded, attribute_values

from nimble_tools import NimbleToolkit, NimbleToolsError
from nimble_tools.confirmation import ConfirmationRequiredError
from nimble_tools.observability import JsonFormatter, instrument
from nimble_tools.policies import ConfirmDestructivePolicy
from nimble_tools.sandbox import DEFAULT_OAUTH_CLIENT_SECRET, SANDBOX_BASE_URL, Sandbox
from nimble_tools.sandbox import _oauth as sandbox_oauth
from nimble_tools.sandbox.routes import oauth as oauth_routes

ME = "list_all_nimble_me"


class Secrets:
    def __init__(self) -> None:
        self.values: set[str] = set()

    def add(self, *values: str) -> None:
        self.values.update(value for value in values if value)

    def find_in(self, text: str) -> list[str]:
        return [value for value in self.values if value in text]


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Secrets:
    recorded = Secrets()
    issue_tokens, issue_code = sandbox_oauth.issue_tokens, oauth_routes.issue_code

    def recording_tokens(*args: Any, **kwargs: Any) -> Any:
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


def test_no_secret_in_any_span_metric_or_log(secrets: Secrets, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    recorded = Recorded()
    errors: list[NimbleToolsError] = []

    def attempt(call: Any) -> None:
        try:
            call()
        except NimbleToolsError as error:
            errors.append(error)

    try:
        # OAuth: two connected accounts, through the toolkit and an adapter, sync and async.
        world = oauth_world()
        secrets.add(world.sandbox.api_key, DEFAULT_OAUTH_CLIENT_SECRET, world.provider.app.client_secret.reveal())
        instrument(
            world.toolkit,
            tracer_provider=recorded.tracer_provider,
            meter_provider=recorded.meter_provider,
            record_content=True,
        )
        world.connect("alice")
        world.connect("bob")
        world.toolkit.call(ME, account="alice")
        toolset = world.toolkit.emit("openai", tools=[ME, "list_all_nimble_contacts"])
        call = {"id": "call-1", "type": "function", "function": {"name": ME, "arguments": "{}"}}
        toolset.dispatch({"role": "assistant", "tool_calls": [call]}, account="bob")
        world.clock.advance(560)  # refreshed ahead of expiry
        world.toolkit.call(ME, account="alice")
        world.sandbox.state.tokens.clear()  # refused: refreshed after the 403, then sent again
        world.toolkit.call(ME, account="alice")
        attempt(lambda: world.toolkit.call(ME, account="nobody"))  # never connected

        async def async_calls() -> None:
            await world.toolkit.acall("list_all_nimble_contacts", {"limit": 2}, account="bob")
            await world.toolkit.aclose()

        asyncio.run(async_calls())

        # Confirmation tokens: held, then redeemed.
        world.toolkit.register_plugin(ConfirmDestructivePolicy())
        victim = world.toolkit.call("list_all_nimble_contacts", {"limit": 1}, account="alice").result[0]["id"]
        try:
            world.toolkit.call("delete_a_nimble_contact_by_id", {"id": victim}, account="alice")
        except ConfirmationRequiredError as held:
            secrets.add(held.confirm_token)
            world.toolkit.call(
                "delete_a_nimble_contact_by_id", {"id": victim}, account="alice", confirm_token=held.confirm_token
            )
        [delete] = world.toolkit.emit("callables", tools=["nimble_contacts_bulk"], account="alice")
        try:
            delete(keyword="Turing")
        except ConfirmationRequiredError as held:
            secrets.add(held.confirm_token)
            delete(keyword="Turing", confirm_token=held.confirm_token)

        # An API key, and a wrong one.
        box = Sandbox(api_key="api-key-that-must-stay-hidden")
        secrets.add(box.api_key, "wrong-api-key-kept-secret")
        keyed = NimbleToolkit.sandbox(emulator=box)
        wrong = NimbleToolkit("wrong-api-key-kept-secret", base_url=SANDBOX_BASE_URL, transport=box.transport())
        for toolkit in (keyed, wrong):
            instrument(
                toolkit,
                tracer_provider=recorded.tracer_provider,
                meter_provider=recorded.meter_provider,
                record_content=True,
            )
        keyed.call(ME)
        attempt(lambda: wrong.call(ME))
        world.provider.close()
    finally:
        logging.getLogger().removeHandler(handler)

    # The run really happened, and the search below finds a secret where there is one.
    assert len(secrets.values) >= 10
    assert [type(error).__name__ for error in errors] == ["ReauthorizationRequiredError", "AuthenticationError"]
    spans = recorded.spans()
    assert len(spans) > 20 and any(span.name.startswith("POST ") or span.name.startswith("DELETE ") for span in spans)
    assert any(event.name == "nimble.confirmation" for span in spans for event in span.events)
    assert any(dict(span.attributes or {}).get("gen_ai.tool.call.result") for span in spans)  # content is on
    refreshed = [
        s
        for s in spans
        if dict(s.attributes or {}).get("http.response.status_code") == 403
        and "nimble.retry_in" in dict(s.attributes or {})
    ]
    assert refreshed and dict(refreshed[0].attributes or {})["nimble.retry_in"] == 0.0  # sent again once refreshed
    assert secrets.find_in(f"Bearer {box.api_key}") == [box.api_key]

    leaks: dict[str, list[str]] = {}

    def check(where: str, text: str) -> None:
        found = secrets.find_in(text)
        if found:
            leaks[where] = found

    for index, text in enumerate(attribute_values(spans)):
        check(f"span text {index}", text)
    data = recorded.reader.get_metrics_data()
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    check(f"metric {metric.name}", json.dumps(dict(point.attributes or {}), default=str))
    check("json log lines", lines.getvalue())
    for record in caplog.records:
        check(f"log {record.name}", record.getMessage() + json.dumps(getattr(record, "nimble", None), default=str))
    assert any(record.name == "nimble_tools.calls" for record in caplog.records)
    assert leaks == {}
