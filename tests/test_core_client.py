"""The client: auth header, error mapping, retries, rate limiting, secrets."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from nimble_tools import (
    AuthenticationError,
    ConnectError,
    NimbleAPIError,
    NimbleClient,
    NimbleToolkit,
    NotAcceptableError,
    NotFoundError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitedError,
    RequestSpec,
    RetryPolicy,
    ServerError,
    TransportError,
    ValidationFailedError,
)
from nimble_tools._auth import ApiKeyAuth

KEY = "sk-live-very-secret-key"
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that replays scripted answers and records requests."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def client_for(recorder: Recorder, sleeps: list[float] | None = None, **kwargs: object) -> NimbleClient:
    slept = sleeps if sleeps is not None else []

    async def async_sleep(seconds: float) -> None:
        slept.append(seconds)

    transport = httpx.MockTransport(recorder)
    options: dict[str, object] = {"retry": RetryPolicy(jitter=lambda: 1.0), **kwargs}
    return NimbleClient(
        base_url="https://app.nimble.com",
        auth=ApiKeyAuth(KEY),
        transport=transport,
        async_transport=transport,
        sleep=slept.append,
        async_sleep=async_sleep,
        **options,  # type: ignore[arg-type]
    )


GET = RequestSpec("GET", "/api/v1/myself")
POST = RequestSpec("POST", "/api/v1/contact", json={"fields": {}})


def ok(body: object = None) -> httpx.Response:
    return httpx.Response(200, json=body if body is not None else {"ok": True})


def test_sends_bearer_key_json_and_query() -> None:
    recorder = Recorder(ok({"user_id": "u"}))
    body = client_for(recorder).send(RequestSpec("POST", "/api/v1/x", {"a": "1"}, {"b": 2}))
    assert body == {"user_id": "u"}
    request = recorder.requests[0]
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.url == "https://app.nimble.com/api/v1/x?a=1"
    assert json.loads(request.content) == {"b": 2}


@pytest.mark.parametrize(
    ("status", "body", "error_type"),
    [
        pytest.param(402, {"message": "Quota", "code": 108}, QuotaExceededError, id="402"),
        pytest.param(403, {"message": "Can't authenticate request"}, AuthenticationError, id="403-auth"),
        pytest.param(403, {"message": "You don't have access to this deal"}, PermissionDeniedError, id="403-perm"),
        pytest.param(404, {"object_type": "contact", "object_id": "abc"}, NotFoundError, id="404"),
        pytest.param(
            406, {"errors": [{"type": "non_editable_contacts", "message": "3 locked"}]}, NotAcceptableError, id="406"
        ),
        pytest.param(
            409,
            {"message": "Validation error", "errors": {"first name": [{"message": "required"}]}},
            ValidationFailedError,
            id="409",
        ),
        pytest.param(500, {"message": "boom", "code": 107}, ServerError, id="500"),
    ],
)
def test_errors_map_onto_the_hierarchy(status: int, body: object, error_type: type[NimbleAPIError]) -> None:
    recorder = Recorder(httpx.Response(status, json=body))
    with pytest.raises(error_type) as caught:
        client_for(recorder, retry=RetryPolicy(max_attempts=1)).send(GET)
    error = caught.value
    assert error.status_code == status
    assert error.body == body
    assert error.explanation
    assert error.for_model().startswith(f"Nimble answered HTTP {status}")


def test_404_names_object_and_409_lists_fields() -> None:
    recorder = Recorder(httpx.Response(404, json={"object_type": "contact", "object_id": "abc"}))
    with pytest.raises(NotFoundError) as not_found:
        client_for(recorder).send(GET)
    assert (not_found.value.object_type, not_found.value.object_id) == ("contact", "abc")
    assert "No contact with id 'abc'" in str(not_found.value)

    body = {"message": "Validation error", "errors": {"first name": [{"message": "required", "field_id": "f"}]}}
    recorder = Recorder(httpx.Response(409, json=body))
    with pytest.raises(ValidationFailedError) as invalid:
        client_for(recorder).send(POST)
    assert invalid.value.field_errors == {"first name": ["required"]}
    assert "first name: required" in invalid.value.for_model()


def test_get_retries_5xx_with_growing_backoff() -> None:
    sleeps: list[float] = []
    recorder = Recorder(httpx.Response(503, json={}), httpx.Response(502, json={}), ok())
    assert client_for(recorder, sleeps).send(GET) == {"ok": True}
    assert len(recorder.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_retry_after_is_honoured() -> None:
    sleeps: list[float] = []
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "7"}, json={"message": "slow down"}), ok())
    client_for(recorder, sleeps).send(GET)
    assert sleeps == [7.0]


def test_retry_after_beyond_the_cap_is_raised_not_waited() -> None:
    sleeps: list[float] = []
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "3600"}, json={}))
    with pytest.raises(RateLimitedError) as caught:
        client_for(recorder, sleeps).send(GET)
    assert caught.value.retry_after == 3600.0
    assert sleeps == []


def test_gives_up_after_max_attempts() -> None:
    recorder = Recorder(httpx.Response(500, json={"message": "down"}))
    with pytest.raises(ServerError):
        client_for(recorder).send(GET)
    assert len(recorder.requests) == 4


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(500, json={}), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped")],
    ids=["500", "read-timeout", "dropped"],
)
def test_post_is_not_retried_once_it_may_have_reached_the_server(failure: httpx.Response | Exception) -> None:
    recorder = Recorder(failure, ok())
    with pytest.raises(NimbleAPIError):
        client_for(recorder).send(POST)
    assert len(recorder.requests) == 1


def test_post_is_retried_after_a_connect_error() -> None:
    recorder = Recorder(httpx.ConnectError("refused"), ok({"id": "new"}))
    assert client_for(recorder).send(POST) == {"id": "new"}
    assert len(recorder.requests) == 2


def test_transport_failures_are_translated() -> None:
    with pytest.raises(ConnectError):
        client_for(Recorder(httpx.ConnectError("refused")), retry=RetryPolicy(max_attempts=1)).send(GET)
    with pytest.raises(TransportError, match="did not answer in time"):
        client_for(Recorder(httpx.ReadTimeout("slow")), retry=RetryPolicy(max_attempts=1)).send(GET)
    malformed = httpx.Response(200, headers={"content-type": "application/json"}, content=b"{not json")
    with pytest.raises(TransportError, match="malformed JSON"):
        client_for(Recorder(malformed), retry=RetryPolicy(max_attempts=1)).send(GET)


def test_non_json_success_bodies() -> None:
    assert client_for(Recorder(httpx.Response(200, text="Deleted"))).send(GET) == "Deleted"
    assert client_for(Recorder(httpx.Response(200))).send(GET) is None
    raw = httpx.Response(200, headers={"content-type": "application/pdf"}, content=b"%PDF")
    assert client_for(Recorder(raw)).send(GET) == b"%PDF"


@pytest.mark.anyio
async def test_async_send_retries_and_maps_errors() -> None:
    sleeps: list[float] = []
    recorder = Recorder(httpx.Response(503, json={}), ok({"async": True}))
    client = client_for(recorder, sleeps)
    assert await client.asend(GET) == {"async": True}
    assert sleeps == [0.5]
    recorder = Recorder(httpx.Response(404, json={"object_type": "note", "object_id": "n"}))
    with pytest.raises(NotFoundError):
        await client_for(recorder).asend(GET)
    await client.aclose()


def test_auth_refresh_is_tried_once_after_403() -> None:
    class RotatingAuth:
        def __init__(self) -> None:
            self.token = "old"
            self.refreshes = 0

        def headers(self, account: str | None) -> dict[str, str]:
            return {"Authorization": f"Bearer {self.token}"}

        async def aheaders(self, account: str | None) -> dict[str, str]:
            return self.headers(account)

        def refresh(self, account: str | None) -> bool:
            self.refreshes += 1
            self.token = "new"
            return True

        async def arefresh(self, account: str | None) -> bool:
            return self.refresh(account)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == "Bearer new":
            return ok()
        return httpx.Response(403, json={"message": "Can't authenticate request"})

    auth = RotatingAuth()
    client = NimbleClient(base_url="https://app.nimble.com", auth=auth, transport=httpx.MockTransport(handler))
    assert client.send(GET) == {"ok": True}
    assert auth.refreshes == 1

    auth.token = "revoked"
    auth.refresh = lambda account: False  # type: ignore[method-assign]
    with pytest.raises(AuthenticationError):
        client.send(GET)


def test_rate_limit_spaces_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    from nimble_tools import _client

    clock = [100.0]
    waits: list[float] = []
    monkeypatch.setattr(_client.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(_client.time, "sleep", waits.append)
    limiter = _client.RateLimiter(rate=4)
    for _ in range(3):
        limiter.wait()
    assert waits == [0.25, 0.5]


def test_secrets_stay_out_of_reprs_errors_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    recorder = Recorder(httpx.Response(403, json={"message": "Can't authenticate request"}))
    transport = httpx.MockTransport(recorder)
    toolkit = NimbleToolkit(KEY, transport=transport)
    with pytest.raises(AuthenticationError) as caught:
        toolkit.call("list_all_nimble_me")
    texts = [
        repr(toolkit),
        repr(toolkit.client),
        repr(toolkit.client.auth),
        str(caught.value),
        caught.value.for_model(),
        repr(caught.value),
        caplog.text,
    ]
    assert all(KEY not in text for text in texts)
    assert recorder.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_each_event_loop_gets_its_own_async_client() -> None:
    """An AsyncClient's connections belong to the loop that opened them: never share one across loops."""
    import asyncio

    client = client_for(Recorder(ok({"n": 1})))
    seen: list[httpx.AsyncClient] = []

    async def once() -> object:
        first = client._clients.for_running_loop()
        assert client._clients.for_running_loop() is first  # stable within a loop
        seen.append(first)
        return await client.asend(GET)

    assert asyncio.run(once()) == {"n": 1}
    assert asyncio.run(once()) == {"n": 1}
    assert seen[0] is not seen[1]
