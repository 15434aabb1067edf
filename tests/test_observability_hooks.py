"""The observers' hooks, as any plugin sees them: on_http_attempt, on_confirmation, on_call_rejected.

No OpenTelemetry here: these hooks are part of the core contract (nimble_tools/hookspecs.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from observability_support import Flaky

from nimble_tools import (
    CallContext,
    HttpAttempt,
    InvalidArgumentsError,
    NimbleToolkit,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    UnknownOperationError,
    hookimpl,
)
from nimble_tools.approval import ApprovalDeclinedError
from nimble_tools.confirmation import ConfirmationRequiredError
from nimble_tools.sandbox import SANDBOX_BASE_URL, Sandbox

ME = "list_all_nimble_me"


class Observer:
    def __init__(self) -> None:
        self.attempts: list[tuple[str, HttpAttempt]] = []
        self.confirmations: list[tuple[str, str, str]] = []
        self.rejected: list[dict[str, Any]] = []
        self.errors: list[tuple[str, BaseException]] = []

    @hookimpl
    def on_http_attempt(self, context: CallContext, attempt: HttpAttempt) -> None:
        self.attempts.append((context.operation.name, attempt))

    @hookimpl
    def on_confirmation(self, context: CallContext, outcome: str, via: str) -> None:
        self.confirmations.append((context.operation.name, outcome, via))

    @hookimpl
    def on_call_rejected(self, name: str, operation: Any, origin: Any, parent: Any, error: Exception) -> None:
        self.rejected.append(
            {
                "name": name,
                "operation": operation.name if operation else None,
                "origin": origin,
                "step": parent is not None,
                "error": type(error).__name__,
            }
        )

    @hookimpl
    def on_call_error(self, context: CallContext, error: BaseException) -> None:
        self.errors.append((context.operation.name, error))


def watched(toolkit: NimbleToolkit) -> Observer:
    observer = Observer()
    toolkit.register_plugin(observer)
    return observer


def test_each_attempt_is_reported_with_its_outcome_and_the_wait_that_follows() -> None:
    box = Sandbox()
    line = Flaky(box.transport(), [429, 503])
    toolkit = NimbleToolkit(
        box.api_key, base_url=SANDBOX_BASE_URL, transport=line, async_transport=line, retry=RetryPolicy(backoff_base=0)
    )
    observer = watched(toolkit)
    toolkit.call(ME)
    limited, failed, answered = (attempt for _, attempt in observer.attempts)
    assert (limited.number, limited.status_code, limited.retry_after, limited.retry_in) == (1, 429, "0", 0.0)
    assert isinstance(limited.error, RateLimitedError)
    assert (failed.number, failed.status_code, failed.retry_in) == (2, 503, 0.0) and isinstance(
        failed.error, ServerError
    )
    assert (answered.number, answered.status_code, answered.error, answered.retry_in) == (3, 200, None, None)
    for attempt in (limited, failed, answered):
        assert attempt.method == "GET" and attempt.path == "/api/v1/myself"
        assert 0 < attempt.start_ns <= attempt.end_ns and attempt.rate_limit_wait == 0.0


def test_the_last_attempt_has_no_wait_after_it() -> None:
    box = Sandbox()
    line = Flaky(box.transport(), [503])
    toolkit = NimbleToolkit(box.api_key, base_url=SANDBOX_BASE_URL, transport=line, async_transport=line)
    observer = watched(toolkit)
    with pytest.raises(ServerError):
        toolkit.call("create_a_nimble_contact", {"fields": {"first_name": "Ann"}})  # a POST is not sent twice
    [(_, attempt)] = observer.attempts
    assert attempt.status_code == 503 and attempt.retry_in is None


def test_async_attempts_are_reported_too(toolkit: NimbleToolkit) -> None:
    import asyncio

    observer = watched(toolkit)

    async def run() -> None:
        await toolkit.acall(ME)
        await toolkit.aclose()

    asyncio.run(run())
    [(name, attempt)] = observer.attempts
    assert name == ME and attempt.status_code == 200


def test_confirmations_by_token_and_by_person(toolkit: NimbleToolkit) -> None:
    observer = watched(toolkit)
    victims = toolkit.call("nimble_contacts_contact_ids", {"record_type": "person", "limit": 3}).result
    [by_token] = toolkit.emit("callables", tools=["delete_a_nimble_contact_by_id"])
    with pytest.raises(ConfirmationRequiredError) as held:
        by_token(id=victims[0])
    by_token(id=victims[0], confirm_token=held.value.confirm_token)
    [yes] = toolkit.emit("callables", tools=["delete_a_nimble_contact_by_id"], approve=lambda request: True)
    yes(id=victims[1])
    [no] = toolkit.emit("callables", tools=["delete_a_nimble_contact_by_id"], approve=lambda request: False)
    with pytest.raises(ApprovalDeclinedError):
        no(id=victims[2])
    assert [(outcome, via) for _, outcome, via in observer.confirmations] == [
        ("asked", "token"),
        ("approved", "token"),
        ("asked", "person"),
        ("approved", "person"),
        ("asked", "person"),
        ("refused", "person"),
    ]


def test_a_token_that_does_not_fit_is_asked_again(toolkit: NimbleToolkit) -> None:
    observer = watched(toolkit)
    [delete] = toolkit.emit("callables", tools=["delete_a_nimble_contact_by_id"])
    with pytest.raises(ConfirmationRequiredError):
        delete(id="5e" * 12, confirm_token="not-a-token-we-issued")
    assert [(outcome, via) for _, outcome, via in observer.confirmations] == [("asked", "token")]


def test_calls_refused_before_they_start_are_reported(toolkit: NimbleToolkit) -> None:
    observer = watched(toolkit)
    toolset = toolkit.emit("openai", tools=["get_single_nimble_contact_by_id"])
    call = {"id": "c1", "type": "function", "function": {"name": "get_single_nimble_contact_by_id", "arguments": "{}"}}
    toolset.dispatch({"role": "assistant", "tool_calls": [call]})
    with pytest.raises(UnknownOperationError):
        toolkit.call("no_such_operation")
    with pytest.raises(InvalidArgumentsError):
        toolkit.call(ME, {"unexpected": 1})
    model, unknown, application = observer.rejected
    assert model["name"] == model["operation"] == "get_single_nimble_contact_by_id"
    assert model["origin"].target == "openai" and model["origin"].call_id == "c1"
    assert model["error"] == "InvalidArgumentsError" and not model["step"]
    assert unknown == {
        "name": "no_such_operation",
        "operation": None,
        "origin": None,
        "step": False,
        "error": "UnknownOperationError",
    }
    assert application["operation"] == ME and application["error"] == "InvalidArgumentsError"
    assert observer.errors == []  # refused calls never reach on_call_error


def test_on_call_error_sees_a_bug_too(toolkit: NimbleToolkit) -> None:
    class Bug:
        @hookimpl
        def after_call(self, context: CallContext) -> None:
            raise KeyError("a bug in a plugin")

    observer = watched(toolkit)
    toolkit.register_plugin(Bug())
    with pytest.raises(KeyError):
        toolkit.call(ME)
    [(name, error)] = observer.errors
    assert name == ME and isinstance(error, KeyError)


def test_nobody_listening_means_no_attempt_is_timed(toolkit: NimbleToolkit) -> None:
    seen: list[Any] = []
    send = toolkit.client.send

    def spy(spec: Any, **options: Any) -> Any:
        seen.append(options.get("observe"))
        return send(spec, **options)

    toolkit.client.send = spy  # type: ignore[method-assign]
    toolkit.call(ME)
    watched(toolkit)
    toolkit.call(ME)
    assert seen[0] is None and callable(seen[1])
