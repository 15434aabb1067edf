"""A trace for people: the span tree of a few calls in a terminal, and rows for a timeline chart.

``nimble-tools call ... --trace`` records the call's spans in memory (:class:`TraceRecorder`) and
prints them with :func:`print_tree`; a notebook plots :func:`span_rows` as a timeline.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from .._errors import ConfigurationError
from . import _semconv as sc

if TYPE_CHECKING:
    from .._toolkit import NimbleToolkit

__all__ = ["SpanRow", "TraceRecorder", "format_tree", "print_tree", "span_rows"]


@dataclass(frozen=True, slots=True)
class SpanRow:
    """One span, placed in its trace.

    Attributes:
        depth: 0 for a root, 1 for its children, ...
        branch: the tree drawing before the name (``"├── "``, ``"│   └── "``, ...).
        name: the span's name (``execute_tool list_all_nimble_me``, ``GET /api/v1/myself``).
        kind: ``"tool"`` for a call, ``"http"`` for a request.
        start_ms: when it started, in milliseconds after the first span of the trace.
        duration_ms: how long it took.
        ok: False when it ended in an error.
        outcome: ``ok`` or the error class for a call; the status code (or error) for a request.
        notes: what else to know: Retry-After, the wait before a retry, a confirmation, a step.
    """

    depth: int
    branch: str
    name: str
    kind: str
    start_ms: float
    duration_ms: float
    ok: bool
    outcome: str
    notes: tuple[str, ...] = ()


def span_rows(spans: Iterable[Any]) -> list[SpanRow]:
    """The spans (OpenTelemetry SDK ``ReadableSpan`` objects) as rows, depth first, children by start time."""
    spans = list(spans)
    if not spans:
        return []
    ids = {span.context.span_id for span in spans}
    children: dict[int | None, list[Any]] = {}
    for span in spans:
        parent = span.parent.span_id if span.parent is not None and span.parent.span_id in ids else None
        children.setdefault(parent, []).append(span)
    for siblings in children.values():
        siblings.sort(key=lambda span: span.start_time)
    origin = min(span.start_time for span in spans)
    rows: list[SpanRow] = []

    def walk(span: Any, depth: int, lead: str, last: bool) -> None:
        branch = "" if depth == 0 else lead + ("└── " if last else "├── ")
        rows.append(_row(span, depth, branch, origin))
        kids = children.get(span.context.span_id, [])
        below = "" if depth == 0 else lead + ("    " if last else "│   ")
        for index, kid in enumerate(kids):
            walk(kid, depth + 1, below, index == len(kids) - 1)

    for root in children.get(None, []):
        walk(root, 0, "", True)
    return rows


def _row(span: Any, depth: int, branch: str, origin: int) -> SpanRow:
    attributes = dict(span.attributes or {})
    failed = span.status.status_code.name == "ERROR"
    start_ms = (span.start_time - origin) / 1e6
    duration_ms = (span.end_time - span.start_time) / 1e6
    notes: list[str] = []
    if sc.HTTP_METHOD in attributes:
        outcome = str(attributes.get(sc.HTTP_STATUS) or attributes.get(sc.ERROR_TYPE) or "")
        if attributes.get(sc.HTTP_RESEND_COUNT):
            notes.append(f"retry {attributes[sc.HTTP_RESEND_COUNT]}")
        if attributes.get(sc.RATE_LIMIT_WAIT):
            notes.append(f"waited {attributes[sc.RATE_LIMIT_WAIT]:.2f} s for the rate limit")
        if attributes.get(sc.HTTP_RETRY_AFTER):
            notes.append(f"Retry-After: {attributes[sc.HTTP_RETRY_AFTER][0]}")
        if sc.RETRY_IN in attributes:
            notes.append(f"retrying in {attributes[sc.RETRY_IN]:.2f} s")
        return SpanRow(depth, branch, span.name, "http", start_ms, duration_ms, not failed, outcome, tuple(notes))
    outcome = str(attributes.get(sc.ERROR_TYPE, "ok")) if failed else "ok"
    for event in span.events or ():
        if event.name == sc.CONFIRMATION_EVENT:
            event_attributes = dict(event.attributes or {})
            notes.append(f"confirmation {event_attributes.get(sc.CONFIRMATION_OUTCOME)}")
    if sc.ERROR_FIELDS in attributes:
        notes.append("fields: " + ", ".join(attributes[sc.ERROR_FIELDS]))
    return SpanRow(depth, branch, span.name, "tool", start_ms, duration_ms, not failed, outcome, tuple(notes))


def format_tree(rows: Sequence[SpanRow], *, markup: bool = False) -> list[str]:
    """The rows as aligned lines: tree and name, duration, outcome and notes.

    With ``markup``, lines carry rich markup (green for success, red for errors, yellow for a request
    that is retried), for a terminal.
    """
    if not rows:
        return []
    width = max(len(row.branch) + len(row.name) for row in rows)
    lines = []
    for row in rows:
        label = f"{row.name:<{width - len(row.branch)}}"
        duration = f"{row.duration_ms:9.1f} ms"
        notes = "  ".join(row.notes)
        tail = f"  {notes}" if notes else ""
        if not markup:
            lines.append(f"{row.branch}{label}{duration}  {row.outcome}{tail}".rstrip())
            continue
        from rich.markup import escape

        retried = any(note.startswith("retrying") for note in row.notes)
        colour = "yellow" if retried else ("green" if row.ok else "red")
        name = escape(label) if row.kind == "tool" else f"[cyan]{escape(label)}[/]"
        lines.append(
            f"[dim]{escape(row.branch)}[/]{name}[dim]{duration}[/]  [{colour}]{escape(row.outcome)}[/]"
            f"[dim]{escape(tail)}[/]"
        )
    return lines


def print_tree(spans: Iterable[Any], *, fancy: bool = False, file: TextIO | None = None) -> None:
    """Print the span tree with a heading (on stderr by default); ``fancy`` uses rich's colours."""
    rows = span_rows(spans)
    out = file or sys.stderr
    if not rows:
        print("trace: no span was recorded", file=out)
        return
    calls = sum(row.kind == "tool" for row in rows)
    requests = sum(row.kind == "http" for row in rows)
    total = max(row.start_ms + row.duration_ms for row in rows)
    heading = f"trace: {calls} call(s), {requests} HTTP request(s), {total:.1f} ms"
    if not fancy:
        print("\n".join([heading, *format_tree(rows)]), file=out)
        return
    from rich.console import Console

    console = Console(file=out, highlight=False, soft_wrap=True)
    console.print(f"[bold]{heading}[/]")
    for line in format_tree(rows, markup=True):
        console.print(line)


class TraceRecorder:
    """Keeps the spans of a toolkit's calls in memory (an OpenTelemetry SDK tracer provider of its own).

    Raises:
        ConfigurationError: without the OpenTelemetry SDK (the ``otel`` extra).
    """

    def __init__(self) -> None:
        try:
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import SimpleSpanProcessor
            from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        except ImportError:
            raise ConfigurationError("Tracing needs the OpenTelemetry SDK: pip install 'nimble-tools[otel]'.") from None
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))

    def observe(self, toolkit: NimbleToolkit) -> TraceRecorder:
        """Record the spans of every call ``toolkit`` makes from now on (no metrics); returns self."""
        from opentelemetry.metrics import NoOpMeterProvider

        from . import instrument

        instrument(toolkit, tracer_provider=self.provider, meter_provider=NoOpMeterProvider())
        return self

    def spans(self) -> list[Any]:
        """The finished spans, oldest first."""
        return list(self.exporter.get_finished_spans())
