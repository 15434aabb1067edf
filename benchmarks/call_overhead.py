"""Per-call cost of each adapter against its framework's own floor, on the in-process sandbox.

Every path asks the same sandbox the same thing (``GET /api/v1/myself``, the tool
``list_all_nimble_me``). For each adapter, its floor is the cheapest tool its framework can offer
for that call: the framework's own do-nothing tool, invoked the same way and answering in the same
shape, plus the raw request (a bare ``httpx.Client`` on the sandbox transport that sends the request
and decodes the JSON). Both parts are measured in the same run:

* callables: a plain function (``def noop(): return {}``);
* LangChain: a do-nothing ``BaseTool`` (``content_and_artifact``), invoked with a tool call;
* OpenAI: a dispatcher that reads the assistant message, parses each call's arguments and answers
  each with a constant tool message;
* MCP: a do-nothing tool (a constant envelope, the same output schema) on the same low-level SDK
  server, called through the same in-process client and thread portal.

An adapter's ratio is its cost over its floor: what the toolkit adds to a call (the view's checks,
validation, the call path, the envelope) beyond the framework and the request themselves. The
sandbox's own work is in every figure. ``toolkit.call`` (no framework) is shown against the raw
request, and ``toolkit.call+otel`` with the OpenTelemetry plugin (the ``otel`` extra: spans through a
batch processor to an exporter that drops them, metrics into an in-memory reader).

Costs are CPU time of the whole process (``time.process_time``: the MCP portal's thread included),
the best of several rounds in which the paths take turns, so that a machine shared with other work
disturbs them alike and as little as it can.

    python -m benchmarks.call_overhead                  # 15 rounds of 200 calls per path
    python -m benchmarks.call_overhead --rounds 30 --calls 500 --json

Aim (issue #18): each adapter within 1.3 times its floor.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx

from nimble_tools import NimbleToolkit
from nimble_tools.sandbox import SANDBOX_BASE_URL, Sandbox

AIM = 1.3
TOOL = "list_all_nimble_me"
RAW = "raw httpx"


@dataclass(frozen=True)
class Adapter:
    """An adapter's path and the floor path of its framework (both named as in the measurements)."""

    name: str
    path: str
    floor: str


ADAPTERS = (
    Adapter("callables", "callable", "plain function"),
    Adapter("langchain", "langchain tool", "langchain do-nothing tool"),
    Adapter("openai", "openai dispatch", "openai do-nothing dispatcher"),
    Adapter("mcp", "mcp call_tool", "mcp do-nothing tool"),
)


def timed(calls: dict[str, Callable[[], Any]], count: int, rounds: int) -> dict[str, float]:
    """Best CPU seconds per call of each path over ``rounds`` turns of ``count`` calls each."""
    for call in calls.values():  # warm-up: caches, lazy imports, connection pools
        for _ in range(max(count // 4, 20)):
            call()
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(rounds):
        for name, call in calls.items():
            gc.collect()
            start = time.process_time()
            for _ in range(count):
                call()
            best[name] = min(best[name], (time.process_time() - start) / count)
    return best


def paths(box: Sandbox, stack: ExitStack) -> dict[str, Callable[[], Any]]:
    """Every measured path, by name."""
    raw = httpx.Client(transport=box.transport(), base_url=SANDBOX_BASE_URL)
    stack.callback(raw.close)
    headers = {"Authorization": f"Bearer {box.api_key}", "Accept": "application/json"}
    toolkit = NimbleToolkit.sandbox(emulator=box)
    [function] = toolkit.emit("callables", tools=[TOOL])
    [tool] = toolkit.emit("langchain", tools=[TOOL])
    toolset = toolkit.emit("openai", tools=[TOOL])
    call = {"type": "tool_call", "name": TOOL, "args": {}, "id": "c1"}
    portal = _portal(stack)
    return {
        RAW: lambda: raw.get("/api/v1/myself", headers=headers).json(),
        "toolkit.call": lambda: toolkit.call(TOOL),
        "callable": lambda: function(),
        "plain function": _noop,
        "langchain tool": lambda: tool.invoke(call),
        "langchain do-nothing tool": _langchain_floor(),
        "openai dispatch": lambda: toolset.dispatch(MESSAGE),
        "openai do-nothing dispatcher": lambda: _dispatch_nothing(MESSAGE),
        "mcp call_tool": _mcp_call(portal, stack, toolkit.emit("mcp", tools=[TOOL])),
        "mcp do-nothing tool": _mcp_call(portal, stack, _mcp_floor_server()),
        **_observed_path(box, stack),
    }


MESSAGE = {
    "role": "assistant",
    "tool_calls": [{"id": "c1", "type": "function", "function": {"name": TOOL, "arguments": "{}"}}],
}


def _noop() -> dict[str, Any]:
    return {}


def _dispatch_nothing(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The least an OpenAI tool-call dispatcher does: parse each call, answer with a constant."""
    answers = []
    for tool_call in message["tool_calls"]:
        json.loads(tool_call["function"]["arguments"])
        answers.append({"role": "tool", "tool_call_id": tool_call["id"], "content": "{}"})
    return answers


def _langchain_floor() -> Callable[[], Any]:
    """A LangChain tool that does nothing, answering content and artifact as ours does."""
    from langchain_core.tools import BaseTool
    from pydantic import BaseModel

    class NoArguments(BaseModel):
        pass

    class Nothing(BaseTool):
        name: str = "noop"
        description: str = "Nothing."
        args_schema: type[BaseModel] = NoArguments
        response_format: str = "content_and_artifact"

        def _run(self, **kwargs: Any) -> tuple[str, dict[str, Any]]:
            return "{}", {}

    tool = Nothing()
    call = {"type": "tool_call", "name": "noop", "args": {}, "id": "c1"}
    return lambda: tool.invoke(call)


def _mcp_floor_server() -> Any:
    """A low-level SDK server with one do-nothing tool answering a constant envelope."""
    from mcp import types
    from mcp.server import Server

    from nimble_tools.adapter_support import ENVELOPE_JSON_SCHEMA

    tool = types.Tool(
        name=TOOL, description="Nothing.", input_schema={"type": "object"}, output_schema=ENVELOPE_JSON_SCHEMA
    )
    envelope = {"result": {}, "next_cursor": None}

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[tool])

    async def call_tool(ctx: Any, params: Any) -> types.CallToolResult:
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=json.dumps(envelope))], structured_content=envelope
        )

    return Server("nothing", on_list_tools=list_tools, on_call_tool=call_tool)


def _portal(stack: ExitStack) -> Any:
    from anyio.from_thread import start_blocking_portal

    return stack.enter_context(start_blocking_portal())


def _mcp_call(portal: Any, stack: ExitStack, server: Any) -> Callable[[], Any]:
    from mcp import Client

    client = stack.enter_context(portal.wrap_async_context_manager(Client(server)))
    portal.call(client.list_tools)  # the client reads the output schema once, as a host does
    return lambda: portal.call(client.call_tool, TOOL, {})


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


def report(measured: dict[str, float]) -> tuple[list[str], dict[str, Any], bool]:
    """The lines to print, the figures as JSON data, and whether every adapter met the aim."""
    raw = measured[RAW]
    lines = [f"raw request ({RAW}): {raw * 1e6:.1f} µs", ""]
    lines.append(f"{'adapter':<10} {'µs/call':>8} {'floor µs':>9}  {'= framework do-nothing + raw':<30} {'ratio':>5}  aim")
    figures: dict[str, Any] = {"raw_us": round(raw * 1e6, 1), "adapters": {}}
    met = True
    for adapter in ADAPTERS:
        cost, nothing = measured[adapter.path], measured[adapter.floor]
        floor = nothing + raw
        ratio = cost / floor
        met = met and ratio <= AIM
        verdict = f"<= {AIM}: {'met' if ratio <= AIM else 'MISSED'}"
        parts = f"{nothing * 1e6:.1f} + {raw * 1e6:.1f}"
        lines.append(f"{adapter.name:<10} {cost * 1e6:8.1f} {floor * 1e6:9.1f}  {parts:<30} {ratio:5.2f}  {verdict}")
        figures["adapters"][adapter.name] = {
            "us": round(cost * 1e6, 1),
            "framework_do_nothing_us": round(nothing * 1e6, 1),
            "floor_us": round(floor * 1e6, 1),
            "ratio": round(ratio, 3),
        }
    lines.append("")
    for name in ("toolkit.call", "toolkit.call+otel"):
        if name in measured:
            lines.append(f"{name:<18} {measured[name] * 1e6:8.1f} µs  {measured[name] / raw:5.2f}x the raw request")
            figures[name.replace(".", "_").replace("+", "_") + "_us"] = round(measured[name] * 1e6, 1)
    return lines, figures, met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.call_overhead", description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per path in each round (default 200)")
    parser.add_argument("--rounds", type=int, default=15, help="rounds; the best one counts (default 15)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args, _ = parser.parse_known_args(argv)
    box = Sandbox(seed=False)
    with ExitStack() as stack:
        measured = timed(paths(box, stack), args.calls, args.rounds)
    print(
        f"per call, GET /api/v1/myself on the in-process sandbox: CPU time, "
        f"best of {args.rounds} rounds of {args.calls:,} calls per path"
    )
    lines, figures, met = report(measured)
    print("\n".join(lines))
    if args.json:
        print(json.dumps(figures))
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
