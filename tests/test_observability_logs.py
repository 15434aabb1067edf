"""One structured log event per call, with the ids of its span, as JSON lines on request."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from observability_support import observed

from nimble_tools import NimbleToolkit, NotFoundError
from nimble_tools.observability import CALL_LOGGER, JsonFormatter

ME = "list_all_nimble_me"
LEAD = {"first_name": "Ann", "last_name": "Lee", "email": "ann@acme.example", "company": "Acme"}


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Everything the ``nimble_tools`` loggers write at INFO, through :class:`JsonFormatter`."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("nimble_tools")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def events(stream: io.StringIO) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [line for line in lines if line.get("event") == "nimble_tools.call"]


def test_one_json_event_per_call_carries_its_trace_and_span_ids(
    toolkit: NimbleToolkit, json_lines: io.StringIO
) -> None:
    recorded = observed(toolkit)
    toolkit.call(ME)
    with pytest.raises(NotFoundError) as missing:
        toolkit.call("get_single_nimble_contact_by_id", {"id": "0" * 24})
    ok, failed = events(json_lines)
    call = recorded.one(f"execute_tool {ME}")
    assert ok["trace_id"] == format(call.context.trace_id, "032x")
    assert ok["span_id"] == format(call.context.span_id, "016x") and ok["parent_span_id"] is None
    assert ok["level"] == "INFO" and ok["logger"] == CALL_LOGGER
    assert {key: ok[key] for key in ("tool", "operation", "adapter", "outcome", "http_requests", "retries")} == {
        "tool": ME,
        "operation": ME,
        "adapter": "application",
        "outcome": "ok",
        "http_requests": 1,
        "retries": 0,
    }
    assert isinstance(ok["duration_ms"], float) and ok["duration_ms"] > 0
    assert failed["outcome"] == "error" and failed["error_type"] == "NotFoundError"
    assert failed["status_code"] == missing.value.status_code  # live Nimble reads a missing contact as an empty 200
    assert failed["message"].startswith("get_single_nimble_contact_by_id NotFoundError in ")
    assert failed["trace_id"] != ok["trace_id"]


def test_a_composite_actions_steps_log_their_parent(toolkit: NimbleToolkit, json_lines: io.StringIO) -> None:
    observed(toolkit)
    [save] = toolkit.emit("callables", tools=["nimble_find_or_create_contact"])
    save(**LEAD)
    search, create, action = events(json_lines)  # a call logs when it ends: steps first
    assert action["tool"] == "nimble_find_or_create_contact" and action["step"] is False
    for step in (search, create):
        assert step["step"] is True and step["adapter"] == "callables"
        assert step["trace_id"] == action["trace_id"] and step["parent_span_id"] == action["span_id"]


def test_the_host_call_id_and_the_account_hash_are_logged(json_lines: io.StringIO) -> None:
    from adapter_support import recording_toolkit

    toolkit, _ = recording_toolkit()
    recorded = observed(toolkit)
    toolset = toolkit.emit("openai", tools=[ME], account="acme-corp")
    call = {"id": "call-7", "type": "function", "function": {"name": ME, "arguments": "{}"}}
    toolset.dispatch({"role": "assistant", "tool_calls": [call]}, account="acme-corp")
    [event] = events(json_lines)
    assert event["call_id"] == "call-7" and event["adapter"] == "openai"
    assert recorded.plugin is not None and event["account"] == recorded.plugin.account_hash("acme-corp")
    assert "acme-corp" not in json_lines.getvalue()


def test_without_tracing_the_event_has_no_trace_id(toolkit: NimbleToolkit, json_lines: io.StringIO) -> None:
    from nimble_tools.observability._plugin import ObservabilityPlugin

    toolkit.register_plugin(ObservabilityPlugin(tracer_provider=None, meter_provider=None))
    toolkit.call(ME)
    [event] = events(json_lines)
    assert event["outcome"] == "ok" and "trace_id" not in event


def test_nothing_is_logged_below_info(toolkit: NimbleToolkit) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger(CALL_LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        observed(toolkit)
        toolkit.call(ME)
        with pytest.raises(NotFoundError):
            toolkit.call("get_single_nimble_contact_by_id", {"id": "0" * 24})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    assert stream.getvalue() == ""  # failures are INFO too: no stray line where logging is not set up


def test_other_records_keep_their_message(json_lines: io.StringIO) -> None:
    logging.getLogger("nimble_tools.http").info("retrying %s in %.2fs", "GET /api/v1/myself", 0.5)
    [line] = [json.loads(text) for text in json_lines.getvalue().splitlines()]
    assert line["message"] == "retrying GET /api/v1/myself in 0.50s" and "event" not in line
