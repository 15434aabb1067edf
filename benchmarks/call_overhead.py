"""Per-call cost of each adapter against its framework's own floor, on the in-process sandbox.

Every path asks the same sandbox the same thing (``GET /api/v1/myself``, the tool
``list_all_nimble_me``). The raw request is a bare ``httpx`` client on the sandbox transport that
sends it and decodes the JSON. For each adapter, the framework's own do-nothing tool, invoked the
same way and answering a constant (the real answer, made once: the same size and shape):

* callables: a plain function;
* LangChain: a ``BaseTool`` (``content_and_artifact``), invoked with a tool call;
* OpenAI: a dispatcher that reads the assistant message, parses each call's arguments and answers
  each with a constant tool message;
* MCP: a tool on the same low-level SDK server (the same output schema), called through the same
  in-process client and thread portal.

Its floor is that do-nothing tool making the raw request first (the async client for MCP, whose
handlers are async, as ours is): the least any tool of that framework can cost for this call,
measured as one path, since a request made among a framework's own work costs more than the same
request made alone. An adapter's ratio is its cost over its floor: what the toolkit adds (the
view's checks, validation, the call path, the envelope) beyond the framework and the request.
``toolkit.call`` (no framework) is shown against the raw request, and ``toolkit.call+otel`` with the
OpenTelemetry plugin (the ``otel`` extra: spans through a batch processor to an exporter that drops
them, metrics into an in-memory reader). Every figure includes the sandbox's own work.

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
import inspect
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
    """An adapter's path, and its framework's do-nothing tool without and with the raw request."""

    name: str
    path: str

    @property
    def nothing(self) -> str:
        return f"{self.name} do-nothing"

    @property
    def floor(self) -> str:
        return f"{self.name} do-nothing + raw"


ADAPTERS = (
    Adapter("callables", "callable"),
    Adapter("langchain", "langchain tool"),
    Adapter("openai", "openai dispatch"),
    Adapter("mcp", "mcp call_tool"),
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


class RawRequest:
    """The raw request, sync and async: a bare httpx client on the sandbox transport, the JSON decoded."""

    def __init__(self, box: Sandbox, stack: ExitStack) -> None:
        self.headers = {"Authorization": f"Bearer {box.api_key}", "Accept": "application/json"}
        self.client = httpx.Client(transport=box.transport(), base_url=SANDBOX_BASE_URL)
        self.async_client = httpx.AsyncClient(transport=box.transport(), base_url=SANDBOX_BASE_URL)
        stack.callback(self.client.close)

    def __call__(self) -> Any:
        return self.client.get("/api/v1/myself", headers=self.headers).json()

    async def asend(self) -> Any:
        return (await self.async_client.get("/api/v1/myself", headers=self.headers)).json()


def paths(box: Sandbox, stack: ExitStack) -> dict[str, Callable[[], Any]]:
    """Every measured path, by name."""
    raw = RawRequest(box, stack)
    toolkit = NimbleToolkit.sandbox(emulator=box)
    [function] = toolkit.emit("callables", tools=[TOOL])
    [tool] = toolkit.emit("langchain", tools=[TOOL])
    toolset = toolkit.emit("openai", tools=[TOOL])
    call = {"type": "tool_call", "name": TOOL, "args": {}, "id": "c1"}
    portal = _portal(stack)
    # What the do-nothing tools answer, every time: the real answer, made once (the same size and shape).
    answer = toolkit.call(TOOL).to_dict()
    measured: dict[str, Callable[[], Any]] = {
        RAW: raw,
        "toolkit.call": lambda: toolkit.call(TOOL),
        "callable": lambda: function(),
        "langchain tool": lambda: tool.invoke(call),
        "openai dispatch": lambda: toolset.dispatch(MESSAGE),
        "mcp call_tool": _mcp_call(portal, stack, toolkit.emit("mcp", tools=[TOOL])),
    }
    for request in (None, raw):
        suffix = " do-nothing" if request is None else " do-nothing + raw"
        measured["callables" + suffix] = _plain_floor(answer, request)
        measured["langchain" + suffix] = _langchain_floor(answer, request)
        measured["openai" + suffix] = _openai_floor(answer, request)
        measured["mcp" + suffix] = _mcp_call(portal, stack, _mcp_floor_server(answer, request))
    return {**measured, **_observed_path(box, stack)}


MESSAGE = {
    "role": "assistant",
    "tool_calls": [{"id": "c1", "type": "function", "function": {"name": TOOL, "arguments": "{}"}}],
}


def _plain_floor(answer: dict[str, Any], request: RawRequest | None) -> Callable[[], Any]:
    """A plain function answering a constant (after the raw request, when given one)."""

    def function() -> dict[str, Any]:
        if request is not None:
            request()
        return dict(answer)

    return function


def _openai_floor(answer: dict[str, Any], request: RawRequest | None) -> Callable[[], Any]:
    """The least an OpenAI tool-call dispatcher does: parse each call, answer with a constant."""
    content = json.dumps(answer)

    def dispatch(message: dict[str, Any]) -> list[dict[str, Any]]:
        answers = []
        for tool_call in message["tool_calls"]:
            json.loads(tool_call["function"]["arguments"])
            if request is not None:
                request()
            answers.append({"role": "tool", "tool_call_id": tool_call["id"], "content": content})
        return answers

    return lambda: dispatch(MESSAGE)


def _langchain_floor(answer: dict[str, Any], request: RawRequest | None) -> Callable[[], Any]:
    """A LangChain tool that does nothing, answering content and artifact as ours does."""
    from langchain_core.tools import BaseTool
    from pydantic import BaseModel

    class NoArguments(BaseModel):
        pass

    content = json.dumps(answer)

    class Nothing(BaseTool):
        name: str = "noop"
        description: str = "Nothing."
        args_schema: type[BaseModel] = NoArguments
        response_format: str = "content_and_artifact"

        def _run(self, **kwargs: Any) -> tuple[str, dict[str, Any]]:
            if request is not None:
                request()
            return content, answer

    # The cheapest such tool: langchain-core reads _run's signature and hints on every call, so they
    # are made once and kept evaluated, as the adapter does for its own.
    Nothing._run.__annotations__ = {"kwargs": Any}
    Nothing._run.__signature__ = inspect.signature(Nothing._run)  # type: ignore[attr-defined]
    tool = Nothing()
    call = {"type": "tool_call", "name": "noop", "args": {}, "id": "c1"}
    return lambda: tool.invoke(call)


def _mcp_floor_server(answer: dict[str, Any], request: RawRequest | None) -> Any:
    """A low-level SDK server with one do-nothing tool answering a constant envelope."""
    from mcp import types
    from mcp.server import Server

    from nimble_tools.adapter_support import ENVELOPE_JSON_SCHEMA

    tool = types.Tool(
        name=TOOL, description="Nothing.", input_schema={"type": "object"}, output_schema=ENVELOPE_JSON_SCHEMA
    )
    text = json.dumps(answer)

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[tool])

    async def call_tool(ctx: Any, params: Any) -> types.CallToolResult:
        if request is not None:
            await request.asend()
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)], structured_content=answer)

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
    lines = [
        f"raw request ({RAW}): {raw * 1e6:.1f} µs",
        "",
        f"{'adapter':<10} {'µs/call':>8} {'do-nothing':>10} {'floor':>8} {'ratio':>6}  aim",
    ]
    figures: dict[str, Any] = {"raw_us": round(raw * 1e6, 1), "adapters": {}}
    met = True
    for adapter in ADAPTERS:
        cost, nothing, floor = measured[adapter.path], measured[adapter.nothing], measured[adapter.floor]
        ratio = cost / floor
        met = met and ratio <= AIM
        verdict = f"<= {AIM}: {'met' if ratio <= AIM else 'MISSED'}"
        lines.append(
            f"{adapter.name:<10} {cost * 1e6:8.1f} {nothing * 1e6:10.1f} {floor * 1e6:8.1f} {ratio:6.2f}  {verdict}"
        )
        figures["adapters"][adapter.name] = {
            "us": round(cost * 1e6, 1),
            "do_nothing_us": round(nothing * 1e6, 1),
            "floor_us": round(floor * 1e6, 1),
            "ratio": round(ratio, 3),
        }
    lines += [
        "(µs of CPU per call; do-nothing: the framework's own do-nothing tool; floor: that tool making the raw",
        " request first, the least any tool of that framework can cost for this call; ratio: adapter / floor)",
        "",
    ]
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
