"""Metric values after a scripted run, and the same metrics as Prometheus text at /metrics."""

from __future__ import annotations

import re

import pytest
from observability_support import Flaky, Recorded, observed
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.testclient import TestClient

from nimble_tools import InvalidArgumentsError, NimbleToolkit, NotFoundError, RetryPolicy
from nimble_tools.approval import ApprovalDeclinedError
from nimble_tools.confirmation import ConfirmationRequiredError
from nimble_tools.observability import instrument
from nimble_tools.observability.prometheus import PrometheusMetrics
from nimble_tools.sandbox import SANDBOX_BASE_URL, Sandbox

ME = "list_all_nimble_me"
GET = "get_single_nimble_contact_by_id"
DELETE = "delete_a_nimble_contact_by_id"
LEAD = {"first_name": "Ann", "last_name": "Lee", "email": "ann@acme.example", "company": "Acme"}


def scripted_run(toolkit: NimbleToolkit) -> None:
    """Calls of every kind, each with a known count (see the assertions below)."""
    for _ in range(3):
        toolkit.call(ME)  # application: 3 ok (the first one is retried twice: see flaky_toolkit)
    with pytest.raises(NotFoundError):
        toolkit.call(GET, {"id": "0" * 24})  # application: NotFoundError
    [get] = toolkit.emit("callables", tools=[GET])
    with pytest.raises(InvalidArgumentsError):
        get(id="not an id")  # callables: rejected before it started
    [save] = toolkit.emit("callables", tools=["nimble_find_or_create_contact"])
    save(**LEAD)  # callables: the action and its 2 steps
    victims = toolkit.call("nimble_contacts_contact_ids", {"record_type": "person", "limit": 3}).result
    [by_token] = toolkit.emit("callables", tools=[DELETE])
    with pytest.raises(ConfirmationRequiredError) as held:
        by_token(id=victims[0])  # asked (token)
    by_token(id=victims[0], confirm_token=held.value.confirm_token)  # approved (token)
    [yes] = toolkit.emit("callables", tools=[DELETE], approve=True)
    yes(id=victims[1])  # asked, approved (person)
    [no] = toolkit.emit("callables", tools=[DELETE], approve=False)
    with pytest.raises(ApprovalDeclinedError):
        no(id=victims[2])  # asked, refused (person)


def flaky_toolkit(rate_limit: float | None = None) -> NimbleToolkit:
    box = Sandbox()
    line = Flaky(box.transport(), [429, 503])
    toolkit = NimbleToolkit(
        box.api_key,
        base_url=SANDBOX_BASE_URL,
        transport=line,
        async_transport=line,
        retry=RetryPolicy(backoff_base=0.0),
        rate_limit=rate_limit,
    )
    toolkit.emulator = box
    return toolkit


@pytest.fixture
def run() -> Recorded:
    toolkit = flaky_toolkit()
    recorded = observed(toolkit)
    scripted_run(toolkit)
    return recorded


def test_calls_are_counted_by_tool_adapter_and_outcome(run: Recorded) -> None:
    assert (
        run.total("nimble_tools.calls", gen_ai__tool__name=ME, nimble__adapter="application", nimble__outcome="ok") == 3
    )
    assert run.total("nimble_tools.calls", gen_ai__tool__name=GET, nimble__outcome="error") == 2
    assert run.total("nimble_tools.calls", gen_ai__tool__name=GET, nimble__adapter="callables") == 1
    assert run.total("nimble_tools.calls", gen_ai__tool__name="nimble_find_or_create_contact", nimble__step=False) == 1
    assert run.total("nimble_tools.calls", nimble__adapter="callables", nimble__step=True) >= 2  # its steps
    assert run.total("nimble_tools.calls", gen_ai__tool__name=DELETE, nimble__outcome="ok") == 2
    assert run.total("nimble_tools.calls", gen_ai__tool__name=DELETE, nimble__outcome="error") == 2
    # One duration per call, whatever its outcome.
    assert run.total("gen_ai.execute_tool.duration") == run.total("nimble_tools.calls")


def test_errors_are_counted_by_class(run: Recorded) -> None:
    by_class = {}
    for attributes, point in run.points("nimble_tools.errors"):
        by_class[attributes["error.type"]] = by_class.get(attributes["error.type"], 0) + point.value
    assert by_class == {
        "NotFoundError": 1,
        "InvalidArgumentsError": 1,
        "ConfirmationRequiredError": 1,
        "ApprovalDeclinedError": 1,
    }
    assert run.total("nimble_tools.calls", nimble__outcome="error") == 4


def test_requests_and_retries_are_counted(run: Recorded) -> None:
    assert run.total("http.client.request.duration", gen_ai__tool__name=ME) == 5  # 3 calls, 2 retries
    assert run.total("http.client.request.duration", gen_ai__tool__name=ME, http__response__status_code=429) == 1
    assert run.total("http.client.request.duration", gen_ai__tool__name=ME, error__type="503") == 1
    assert run.total("nimble_tools.http.retries", gen_ai__tool__name=ME) == 2
    assert run.total("nimble_tools.http.retries", error__type="429") == 1
    assert run.total("nimble_tools.rate_limit.wait", nimble__rate_limit__source="retry_after") == 1


def test_confirmations_are_counted_by_outcome_and_way(run: Recorded) -> None:
    counts = {}
    for attributes, point in run.points("nimble_tools.confirmations"):
        key = (attributes["nimble.confirmation.outcome"], attributes["nimble.confirmation.via"])
        counts[key] = counts.get(key, 0) + point.value
    assert counts == {
        ("asked", "token"): 1,
        ("approved", "token"): 1,
        ("asked", "person"): 2,
        ("approved", "person"): 1,
        ("refused", "person"): 1,
    }


def test_the_client_rate_limiters_waits_are_counted() -> None:
    toolkit = NimbleToolkit.sandbox(rate_limit=5)  # 200 ms between requests: the second one waits
    recorded = observed(toolkit)
    toolkit.call(ME)
    toolkit.call(ME)
    [(attributes, point)] = recorded.points("nimble_tools.rate_limit.wait")
    assert attributes["nimble.rate_limit.source"] == "local" and point.count == 1 and point.sum > 0


def test_two_toolkits_count_into_one_meter_provider() -> None:
    recorded = Recorded()
    for _ in range(2):
        toolkit = NimbleToolkit.sandbox()
        instrument(toolkit, tracer_provider=recorded.tracer_provider, meter_provider=recorded.meter_provider)
        toolkit.call(ME)
    assert recorded.total("nimble_tools.calls", gen_ai__tool__name=ME) == 2


# -- Prometheus ---------------------------------------------------------------------------------------

ALLOWED_LABELS = {
    "gen_ai_tool_name",
    "gen_ai_operation_name",
    "nimble_adapter",
    "nimble_step",
    "nimble_outcome",
    "error_type",
    "http_request_method",
    "http_response_status_code",
    "server_address",
    "nimble_rate_limit_source",
    "nimble_confirmation_outcome",
    "nimble_confirmation_via",
    "le",
    "otel_scope_name",
    "otel_scope_version",
    "otel_scope_schema_url",
}


def test_metrics_endpoint_serves_prometheus_text_with_bounded_labels() -> None:
    metrics = PrometheusMetrics()
    toolkit = flaky_toolkit()
    instrument(toolkit, meter_provider=metrics.meter_provider, account_key=b"k")
    scripted_run(toolkit)
    toolkit.call(ME, account=None)
    app = Starlette(routes=[metrics.route()])
    answer = TestClient(app).get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    families = {family.name: family for family in text_string_to_metric_families(answer.text)}
    assert {
        "nimble_tools_calls",
        "nimble_tools_errors",
        "gen_ai_execute_tool_duration_seconds",
        "http_client_request_duration_seconds",
        "nimble_tools_http_retries",
        "nimble_tools_rate_limit_wait_seconds",
        "nimble_tools_confirmations",
    } <= set(families)
    ok = [
        sample
        for sample in families["nimble_tools_calls"].samples
        if sample.labels.get("gen_ai_tool_name") == ME and sample.labels.get("nimble_outcome") == "ok"
    ]
    assert sum(sample.value for sample in ok) == 4
    tools = set(toolkit.operations)
    for name, family in families.items():
        if name == "target_info":
            continue
        for sample in family.samples:
            assert set(sample.labels) <= ALLOWED_LABELS, (name, sample.labels)
            # A family's points share its label names: a label a point lacks is rendered empty.
            tool = sample.labels.get("gen_ai_tool_name", "")
            assert tool in tools or tool in {"_OTHER", ""}, tool
            adapter = sample.labels.get("nimble_adapter", "")
            assert adapter in {"application", "callables", "langchain", "openai", "mcp", ""}, adapter
            error = sample.labels.get("error_type", "")
            assert error == "" or re.fullmatch(r"[A-Z][A-Za-z]+Error|\d{3}", error), error
    assert toolkit.emulator is not None and toolkit.emulator.api_key not in answer.text


def test_metrics_render_without_starlette_too() -> None:
    metrics = PrometheusMetrics()
    toolkit = NimbleToolkit.sandbox()
    instrument(toolkit, meter_provider=metrics.meter_provider)
    toolkit.call(ME)
    text = metrics.render().decode()
    assert 'nimble_tools_calls_total{gen_ai_tool_name="list_all_nimble_me"' in text
    assert metrics.content_type.startswith("text/plain")
    metrics.shutdown()
    assert "nimble_tools_calls_total" not in metrics.render().decode()


def test_each_endpoint_has_its_own_registry() -> None:
    first, second = PrometheusMetrics(), PrometheusMetrics()
    toolkit = NimbleToolkit.sandbox()
    instrument(toolkit, meter_provider=first.meter_provider)
    toolkit.call(ME)
    assert b"nimble_tools_calls_total" in first.render()
    assert b"nimble_tools_calls_total" not in second.render()
