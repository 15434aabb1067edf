"""The docs' Observability page stays true: its example runs, its trace and tables match."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from docs_examples import blocks, run_python_in_subprocess
from observability_support import observed

from nimble_tools import NimbleToolkit
from nimble_tools.observability import JsonFormatter, TraceRecorder, _semconv, format_tree, span_rows
from nimble_tools.sandbox import FaultPlan, Sandbox

ROOT = Path(__file__).resolve().parent.parent
SECTION = (ROOT / "docs" / "guides" / "observability.md").read_text(encoding="utf-8")
EXAMPLES = dict(re.findall(r"<!-- observability-example: (\w+) -->\n```python\n(.*?)```", SECTION, flags=re.S))
TRACE = re.search(r"<!-- observability-trace -->\n```text\n(.*?)```", SECTION, flags=re.S)


def untimed(lines: list[str]) -> list[str]:
    """Tree lines without durations and waits (they vary from run to run)."""
    return [re.sub(r"\s+\d+\.\d ms|retrying in \d+\.\d\d s", "", line).rstrip() for line in lines]


def test_the_configured_example_prints_both_spans() -> None:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", EXAMPLES["configured"]], capture_output=True, text=True, env=environment, timeout=120
    )
    assert done.returncode == 0, done.stderr
    names = re.findall(r'"name": "([^"]+)"', done.stdout)
    assert names == ["GET /api/v1/myself", "execute_tool list_all_nimble_me"]


def test_the_terminal_trace_is_what_the_fault_plan_gives() -> None:
    assert TRACE is not None
    shown = TRACE.group(1).splitlines()
    box = Sandbox(faults=FaultPlan(seed=1, rate_limit=0.25, server_error=0.25, lost_reply=1))
    toolkit = NimbleToolkit.sandbox(emulator=box)
    toolkit.client._sleep = lambda seconds: None  # the same requests, without waiting for the retries
    recorder = TraceRecorder().observe(toolkit)
    lead = {"first_name": "Ann", "last_name": "Lee", "email": "ann@acme.example", "company": "Acme"}
    assert toolkit.call("nimble_find_or_create_contact", lead).result["decision"] == "created"
    rows = span_rows(recorder.spans())
    assert shown[0].startswith(f"trace: 4 call(s), {sum(row.kind == 'http' for row in rows)} HTTP request(s), ")
    assert untimed(format_tree(rows)) == untimed(shown[1:])


def test_the_metrics_table_names_every_metric() -> None:
    listed = set(re.findall(r"^  \| `([a-z_.]+)` \(", SECTION, flags=re.M))
    made = {
        _semconv.CALLS,
        _semconv.ERRORS,
        _semconv.TOOL_DURATION,
        _semconv.HTTP_DURATION,
        _semconv.HTTP_RETRIES,
        _semconv.RATE_LIMIT_WAITS,
        _semconv.CONFIRMATIONS,
    }
    assert listed == made
    toolkit = NimbleToolkit.sandbox()
    recorded = observed(toolkit)
    toolkit.call("list_all_nimble_me")
    data = recorded.reader.get_metrics_data()
    produced = {metric.name for r in data.resource_metrics for s in r.scope_metrics for metric in s.metrics}
    assert produced <= made and {_semconv.CALLS, _semconv.TOOL_DURATION, _semconv.HTTP_DURATION} <= produced


def test_the_json_log_line_has_the_fields_of_a_real_event(
    toolkit: NimbleToolkit, caplog: pytest.LogCaptureFixture
) -> None:
    shown = json.loads(re.search(r"```json\n(\{.*?\})\n```", SECTION, flags=re.S).group(1))  # type: ignore[union-attr]
    caplog.set_level(logging.INFO, logger="nimble_tools.calls")
    observed(toolkit)
    toolkit.call("list_all_nimble_me")
    [record] = [r for r in caplog.records if r.name == "nimble_tools.calls"]
    real = json.loads(JsonFormatter().format(record))
    assert set(real) == set(shown)


def test_the_json_logs_example_logs_one_json_line_per_call() -> None:
    (example,) = [block for block in blocks(SECTION, "observability") if "JsonFormatter()" in block.source]
    printed = run_python_in_subprocess(example.source, dict(os.environ)).splitlines()
    events = [json.loads(line) for line in printed]
    assert [e["tool"] for e in events if e.get("event") == "nimble_tools.call"] == ["list_all_nimble_me"]


def test_the_observability_notebook_is_listed() -> None:
    assert (ROOT / "notebooks" / "06_observability.ipynb").exists()
    assert "notebooks/06_observability.ipynb" in SECTION


def test_content_recording_follows_opentelemetrys_switch(
    toolkit: NimbleToolkit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    recorded = observed(toolkit)
    toolkit.call("list_all_nimble_contacts", {"keyword": "Turing", "limit": 1})
    span = recorded.one("execute_tool list_all_nimble_contacts")
    assert json.loads(dict(span.attributes or {})["gen_ai.tool.call.arguments"])["keyword"] == "Turing"


def test_recorded_content_is_cut_at_8192_characters() -> None:
    from nimble_tools.observability._plugin import MAX_CONTENT, _content

    assert MAX_CONTENT == 8192
    text = _content({"note": "x" * 20_000})
    assert len(text) == 8192 + len("...(cut)") and text.endswith("...(cut)")
    assert _content({"note": "short"}) == '{"note": "short"}'


def test_the_metrics_table_lists_each_metrics_labels() -> None:
    from test_observability_metrics import flaky_toolkit, scripted_run

    rows = re.findall(r"^  \| `([a-z_.]+)` \(.*?\| .*? \| (.*) \|$", SECTION, flags=re.M)
    listed = {name: {label for label in re.findall(r"`([a-z_.]+)`", labels) if "." in label} for name, labels in rows}
    toolkit = flaky_toolkit(rate_limit=None)
    recorded = observed(toolkit)
    scripted_run(toolkit)
    for name, labels in listed.items():
        seen = {key for attributes, _ in recorded.points(name) for key in attributes}
        assert seen == labels, (name, seen ^ labels)
