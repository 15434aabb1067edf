"""Per-call cost of each adapter against a raw httpx request to the same in-process sandbox.

Every path asks the same sandbox the same thing (``GET /api/v1/myself``): the baseline is a bare
``httpx.Client`` on the sandbox transport that sends the request and decodes the JSON, the rest are
``toolkit.call``, a plain callable, a LangChain tool, the OpenAI dispatcher and an MCP in-process
client. The sandbox's own work is in every figure, so a ratio is (sandbox + path) / (sandbox + raw
httpx): what a caller sees. "langchain floor" is a LangChain tool that does nothing at all, measured
in the same run: ``BaseTool.invoke``'s own cost, below which no LangChain tool can go. "toolkit.call
+otel" is ``toolkit.call`` observed by the OpenTelemetry plugin (the ``otel`` extra): spans through
a batch processor to an exporter that drops them, metrics into an in-memory reader, the log event
off (as by default). Every other path runs with observability off: nothing configured it.

    python -m benchmarks.call_overhead              # 2,000 calls per path (after 200 warm-up calls)
    python -m benchmarks.call_overhead --calls 10000

Aims (issue #10): the callable path at most 1.3 times the raw call, LangChain at most 2 times.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import httpx

from nimble_tools import NimbleToolkit
from nimble_tools.sandbox import SANDBOX_BASE_URL, Sandbox

AIMS = {"callable": 1.3, "langchain tool": 2.0}
TOOL = "list_all_nimble_me"


def timed(calls: dict[str, Callable[[], Any]], count: int, rounds: int = 7) -> dict[str, float]:
    """Median seconds per call of each path; the paths take turns, so each round sees the same machine."""
    for call in calls.values():
        for _ in range(max(count // 10, 20)):
            call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    per_round = max(count // rounds, 1)
    for _ in range(rounds):
        for name, call in calls.items():
            gc.collect()
            start = time.perf_counter()
            for _ in range(per_round):
                call()
            samples[name].append((time.perf_counter() - start) / per_round)
    return {name: statistics.median(values) for name, values in samples.items()}


def paths(box: Sandbox, stack: ExitStack) -> dict[str, Callable[[], Any]]:
    raw = httpx.Client(transport=box.transport(), base_url=SANDBOX_BASE_URL)
    headers = {"Authorization": f"Bearer {box.api_key}", "Accept": "application/json"}
    toolkit = NimbleToolkit.sandbox(emulator=box)
    [function] = toolkit.emit("callables", tools=[TOOL])
    [tool] = toolkit.emit("langchain", tools=[TOOL])
    toolset = toolkit.emit("openai", tools=[TOOL])
    message = {
        "role": "assistant",
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": TOOL, "arguments": "{}"}}],
    }
    call = {"type": "tool_call", "name": TOOL, "args": {}, "id": "c1"}
    return {
        "raw httpx": lambda: raw.get("/api/v1/myself", headers=headers).json(),
        "toolkit.call": lambda: toolkit.call(TOOL),
        "callable": lambda: function(),
        "langchain tool": lambda: tool.invoke(call),
        "openai dispatch": lambda: toolset.dispatch(message),
        "mcp call_tool": _mcp_path(toolkit, stack),
        "langchain floor": _langchain_floor(),
        **_observed_path(box, stack),
    }


def _observed_path(box: Sandbox, stack: ExitStack) -> dict[str, Callable[[], Any]]:
    """``toolkit.call`` with the OpenTelemetry plugin, when the ``otel`` extra is installed."""
    try:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
    except ImportError:
        return {}
    from nimble_tools.observability import instrument

    class Dropped(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(BatchSpanProcessor(Dropped()))
    stack.callback(tracer_provider.shutdown)
    observed = NimbleToolkit.sandbox(emulator=box)
    instrument(observed, tracer_provider=tracer_provider, meter_provider=MeterProvider([InMemoryMetricReader()]))
    return {"toolkit.call+otel": lambda: observed.call(TOOL)}


def _langchain_floor() -> Callable[[], Any]:
    """A LangChain tool that does nothing: what ``BaseTool.invoke`` itself costs, for reference."""
    from langchain_core.tools import StructuredTool
    from pydantic import BaseModel

    class NoArguments(BaseModel):
        pass

    noop = StructuredTool.from_function(lambda: "{}", name="noop", description="Nothing.", args_schema=NoArguments)
    call = {"type": "tool_call", "name": "noop", "args": {}, "id": "c1"}
    return lambda: noop.invoke(call)


def _mcp_path(toolkit: NimbleToolkit, stack: ExitStack) -> Callable[[], Any]:
    from anyio.from_thread import start_blocking_portal
    from mcp import Client

    portal = stack.enter_context(start_blocking_portal())
    client = stack.enter_context(portal.wrap_async_context_manager(Client(toolkit.emit("mcp", tools=[TOOL]))))
    return lambda: portal.call(client.call_tool, TOOL, {})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.call_overhead", description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per path (default 2,000)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args, _ = parser.parse_known_args(argv)
    box = Sandbox(seed=False)
    with ExitStack() as stack:
        measured = timed(paths(box, stack), args.calls)
    raw = measured["raw httpx"]
    print(f"per call, GET /api/v1/myself on the in-process sandbox ({args.calls:,} calls per path)")
    print(f"{'path':<16} {'µs/call':>9} {'ratio':>6}  aim")
    status = 0
    for name, seconds in measured.items():
        ratio = seconds / raw
        aim = AIMS.get(name)
        verdict = "" if aim is None else f"<= {aim}: {'met' if ratio <= aim else 'MISSED'}"
        if aim is not None and ratio > aim:
            status = 1
        print(f"{name:<16} {seconds * 1e6:9.1f} {ratio:6.2f}  {verdict}")
    if args.json:
        print(json.dumps({name: round(seconds * 1e6, 1) for name, seconds in measured.items()}))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
