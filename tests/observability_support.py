"""Helpers of the tests/test_observability_*.py suites: OpenTelemetry's in-memory exporters, a flaky line."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import httpx
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader, NumberDataPoint
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from nimble_tools import NimbleToolkit
from nimble_tools.observability import instrument
from nimble_tools.observability._plugin import ObservabilityPlugin


class Recorded:
    """Spans and metrics of one test, kept in memory (never the process-wide providers)."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        self.plugin: ObservabilityPlugin | None = None

    def observe(self, toolkit: NimbleToolkit, **options: Any) -> Recorded:
        self.plugin = instrument(
            toolkit, tracer_provider=self.tracer_provider, meter_provider=self.meter_provider, **options
        )
        return self

    # -- spans ------------------------------------------------------------------------------------

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [span for span in self.spans() if span.name == name]

    def one(self, name: str) -> ReadableSpan:
        found = self.named(name)
        assert len(found) == 1, (name, [span.name for span in self.spans()])
        return found[0]

    def children(self, span: ReadableSpan) -> list[ReadableSpan]:
        kids = [s for s in self.spans() if s.parent is not None and s.parent.span_id == span.context.span_id]
        return sorted(kids, key=lambda s: s.start_time or 0)

    def roots(self) -> list[ReadableSpan]:
        return [span for span in self.spans() if span.parent is None]

    def tree(self, span: ReadableSpan) -> list[Any]:
        """``[name, [child trees...]]``: the shape of a span's subtree, for comparisons."""
        return [span.name, [self.tree(kid) for kid in self.children(span)]]

    # -- metrics ----------------------------------------------------------------------------------

    def points(self, metric: str) -> list[tuple[dict[str, Any], Any]]:
        """``(attributes, point)`` of every data point of ``metric`` so far."""
        data = self.reader.get_metrics_data()
        found: list[tuple[dict[str, Any], Any]] = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for item in scope.metrics:
                    if item.name == metric:
                        found += [(dict(point.attributes or {}), point) for point in item.data.data_points]
        return found

    def total(self, metric: str, **labels: Any) -> float:
        """The sum of a counter (or the count of a histogram) over the points matching ``labels``."""
        total = 0.0
        for attributes, point in self.points(metric):
            if all(attributes.get(key.replace("__", ".")) == value for key, value in labels.items()):
                if isinstance(point, HistogramDataPoint):
                    total += point.count
                else:
                    assert isinstance(point, NumberDataPoint)
                    total += point.value
        return total


def observed(toolkit: NimbleToolkit, **options: Any) -> Recorded:
    """Record every call of ``toolkit`` in memory."""
    return Recorded().observe(toolkit, **options)


class Flaky(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers the first requests with ``statuses`` (and ``Retry-After: 0`` for 429), then passes them on."""

    def __init__(self, inner: Any, statuses: Iterable[int]) -> None:
        self.inner = inner
        self.statuses = list(statuses)
        self._lock = threading.Lock()

    def _fault(self, request: httpx.Request) -> httpx.Response | None:
        with self._lock:
            status = self.statuses.pop(0) if self.statuses else None
        if status is None:
            return None
        headers = {"Retry-After": "0"} if status == 429 else {}
        return httpx.Response(status, json={"message": "try again"}, headers=headers, request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self._fault(request)
        return fault if fault is not None else self.inner.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        fault = self._fault(request)
        return fault if fault is not None else await self.inner.handle_async_request(request)


def attribute_values(spans: Iterable[ReadableSpan]) -> list[str]:
    """Every string a span carries: names, attribute values, events, status, links, resource."""
    texts: list[str] = []
    for span in spans:
        texts.append(span.name)
        texts += [f"{key}={value}" for key, value in (span.attributes or {}).items()]
        for event in span.events:
            texts.append(event.name)
            texts += [f"{key}={value}" for key, value in (event.attributes or {}).items()]
        texts.append(str(span.status.description or ""))
        texts += [f"{key}={value}" for key, value in span.resource.attributes.items()]
    return texts
