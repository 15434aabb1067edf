"""The OpenTelemetry plugin: a span, metrics and a log event per call, through the call hooks.

A call's span opens in ``before_call`` (a wrapper, so it opens before any policy runs and a refused
call has one too) and closes once every ``after_call`` hook has run, or in ``on_call_error``. While
it is open it is the current span, so a composite action's steps, the previews of a destructive
call and the calls a meta-tool makes nest under it, and so do spans the application opens inside
(an approver's, for instance). HTTP requests become child spans from ``on_http_attempt``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from .._errors import InvalidArgumentsError, NimbleAPIError, NimbleToolsError, ValidationFailedError
from ..confirmation import arguments_of
from ..hookspecs import hookimpl
from . import _semconv as sc
from ._logs import CALL_LOGGER, EVENT_ATTRIBUTE

if TYPE_CHECKING:
    from collections.abc import Generator

    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import Span, TracerProvider

    from .._client import HttpAttempt
    from .._operation import Operation
    from .._origin import CallOrigin
    from .._toolkit import CallContext, NimbleToolkit

__all__ = ["ObservabilityPlugin"]

STATE_KEY = "nimble_tools.observability"
"""This plugin's key in ``CallContext.plugin_state``."""
APPLICATION = "application"
"""The adapter label of the application's own calls (``toolkit.call``)."""
MAX_CONTENT = 8192
"""Characters of arguments or results recorded at most (with ``record_content``), then cut."""
DEFAULT_ACCOUNT_KEY = b"nimble-tools account"


@dataclass(slots=True)
class _Call:
    """What the plugin keeps about a call between its hooks."""

    tool: str
    adapter: str
    step: bool
    started: float
    span: Span | None = None
    token: object = None
    requests: int = 0
    retries: int = 0
    confirmation: str | None = None


class ObservabilityPlugin:
    """Observes every call: spans, metrics and one log event each. Made by :func:`instrument`.

    Args:
        tracer_provider: where spans go; None records none.
        meter_provider: where metrics go; None records none.
        record_content: record arguments, results and error messages too.
        account_key: the key of the account hash.
    """

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None,
        meter_provider: MeterProvider | None,
        record_content: bool = False,
        account_key: bytes | None = None,
    ) -> None:
        from .. import __version__

        self.record_content = record_content
        self._tracer = tracer_provider.get_tracer(sc.METER_NAME, __version__) if tracer_provider else None
        self._metrics = _Instruments(meter_provider, __version__) if meter_provider else None
        self._account_key = account_key or DEFAULT_ACCOUNT_KEY
        self._log = logging.getLogger(CALL_LOGGER)
        self._servers: dict[str, tuple[str, int | None]] = {}

    def __repr__(self) -> str:
        parts = [name for name, on in (("traces", self._tracer), ("metrics", self._metrics)) if on]
        return f"ObservabilityPlugin({', '.join([*parts, 'logs'])}, record_content={self.record_content})"

    # -- the call lifecycle -------------------------------------------------------------------------

    @hookimpl(wrapper=True)
    def before_call(self, context: CallContext) -> Generator[None, Any, Any]:
        """Open the call's span before any policy runs."""
        self._open(context)
        return (yield)

    @hookimpl(wrapper=True)
    def after_call(self, context: CallContext) -> Generator[None, Any, Any]:
        """Close the span once every other ``after_call`` hook is done (one that raises fails the call)."""
        outcome = yield
        self._close(context, None)
        return outcome

    @hookimpl(wrapper=True)
    def on_call_error(self, context: CallContext, error: BaseException) -> Generator[None, Any, Any]:
        """Close the span as failed, whatever the other observers do."""
        try:
            return (yield)
        finally:
            self._close(context, error)

    @hookimpl
    def on_call_rejected(
        self,
        toolkit: NimbleToolkit,
        name: str,
        operation: Operation | None,
        account: str | None,
        origin: CallOrigin | None,
        parent: CallContext | None,
        error: BaseException,
    ) -> None:
        """Record a call refused before it started (an unknown tool, bad arguments) as a failed call."""
        tool = origin.tool if origin is not None and origin.tool else name
        root = _root(parent) if parent is not None else None
        adapter = _adapter(origin if root is None else root.origin)
        call = _Call(tool, adapter, parent is not None, time.perf_counter())
        if self._tracer is not None:
            attributes = self._tool_attributes(tool, operation, account, origin, adapter, call.step)
            call.span = self._tracer.start_span(
                f"{sc.EXECUTE_TOOL} {tool}", kind=SpanKind.INTERNAL, attributes=attributes
            )
        operation_name = operation.name if operation is not None else sc.OTHER
        self._finish(call, operation_name, (origin.call_id if origin else None), account, error, None)

    @hookimpl
    def on_http_attempt(self, context: CallContext, attempt: HttpAttempt) -> None:
        """A child span per HTTP request, and the request, retry and rate-limit metrics."""
        call = context.plugin_state.get(STATE_KEY)
        if call is not None:
            call.requests += 1
            call.retries += attempt.retry_in is not None
        address, port = self._server(context.toolkit.client.base_url)
        error_type = _http_error_type(attempt)
        if self._tracer is not None and call is not None and call.span is not None:
            self._attempt_span(context, attempt, call.span, address, port, error_type)
        if self._metrics is not None:
            self._metrics.attempt(context.operation.name, attempt, address, error_type)

    @hookimpl
    def on_confirmation(self, context: CallContext, outcome: str, via: str) -> None:
        """An event on the call's span, and the confirmations metric."""
        call = context.plugin_state.get(STATE_KEY)
        if call is None:
            return
        call.confirmation = outcome
        if call.span is not None:
            call.span.add_event(sc.CONFIRMATION_EVENT, {sc.CONFIRMATION_OUTCOME: outcome, sc.CONFIRMATION_VIA: via})
        if self._metrics is not None:
            self._metrics.confirmations.add(
                1,
                {
                    sc.GEN_AI_TOOL_NAME: context.operation.name,
                    sc.ADAPTER: call.adapter,
                    sc.CONFIRMATION_OUTCOME: outcome,
                    sc.CONFIRMATION_VIA: via,
                },
            )

    # -- spans ---------------------------------------------------------------------------------------

    def _open(self, context: CallContext) -> None:
        origin = context.origin
        tool = origin.tool if origin is not None and origin.tool else context.operation.name
        adapter = _adapter(_root(context).origin)
        call = _Call(tool, adapter, context.parent is not None, time.perf_counter())
        if self._tracer is not None:
            attributes = self._tool_attributes(tool, context.operation, context.account, origin, adapter, call.step)
            if self.record_content:
                attributes[sc.GEN_AI_TOOL_CALL_ARGUMENTS] = _content(arguments_of(context))
            call.span = self._tracer.start_span(
                f"{sc.EXECUTE_TOOL} {tool}", kind=SpanKind.INTERNAL, attributes=attributes
            )
            # Current while the call runs: steps, previews and a meta-tool's calls nest under it.
            call.token = otel_context.attach(trace.set_span_in_context(call.span))
        context.plugin_state[STATE_KEY] = call

    def _close(self, context: CallContext, error: BaseException | None) -> None:
        call = context.plugin_state.pop(STATE_KEY, None)
        if call is None:  # opened before this plugin was registered
            return
        try:
            result = context.result.result if error is None and context.result is not None else None
            call_id = context.origin.call_id if context.origin is not None else None
            self._finish(call, context.operation.name, call_id, context.account, error, result)
        finally:
            if call.token is not None:
                otel_context.detach(call.token)

    def _finish(
        self,
        call: _Call,
        operation: str,
        call_id: str | None,
        account: str | None,
        error: BaseException | None,
        result: Any,
    ) -> None:
        """End the span, count the call and log its event."""
        seconds = time.perf_counter() - call.started
        span = call.span
        if span is not None:
            span.set_attribute(sc.HTTP_REQUESTS, call.requests)
            if call.retries:
                span.set_attribute(sc.RETRIES, call.retries)
            if error is None:
                if self.record_content and result is not None:
                    span.set_attribute(sc.GEN_AI_TOOL_CALL_RESULT, _content(result))
            else:
                self._failed_span(span, error)
        if self._metrics is not None:
            self._metrics.call(operation, call, seconds, error)
        if self._log.isEnabledFor(logging.INFO):
            self._log_event(call, operation, call_id, account, error, seconds)
        if span is not None:
            span.end()

    def _failed_span(self, span: Span, error: BaseException) -> None:
        span.set_attribute(sc.ERROR_TYPE, _error_type(error))
        status = getattr(error, "status_code", None)
        if isinstance(status, int):
            span.set_attribute(sc.HTTP_STATUS, status)
        fields = _error_fields(error)
        if fields:
            span.set_attribute(sc.ERROR_FIELDS, fields)
        if self.record_content:
            span.record_exception(error)
        # Messages can quote arguments or records, so they are content; the class says what failed.
        span.set_status(Status(StatusCode.ERROR, _message(error) if self.record_content else _error_type(error)))

    def _tool_attributes(
        self,
        tool: str,
        operation: Operation | None,
        account: str | None,
        origin: CallOrigin | None,
        adapter: str,
        step: bool,
    ) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            sc.GEN_AI_OPERATION_NAME: sc.EXECUTE_TOOL,
            sc.GEN_AI_TOOL_NAME: tool,
            sc.GEN_AI_TOOL_TYPE: "function",
            sc.ADAPTER: adapter,
        }
        if operation is not None:
            attributes[sc.OPERATION] = operation.name
            attributes[sc.RESOURCE] = operation.resource
            attributes[sc.GEN_AI_TOOL_DESCRIPTION] = operation.description
        if origin is not None and origin.call_id:
            attributes[sc.GEN_AI_TOOL_CALL_ID] = origin.call_id
        if account is not None:
            attributes[sc.ACCOUNT_HASH] = self.account_hash(account)
        if step:
            attributes[sc.STEP] = True
        return attributes

    def _attempt_span(
        self,
        context: CallContext,
        attempt: HttpAttempt,
        parent: Span,
        address: str,
        port: int | None,
        error_type: str | None,
    ) -> None:
        template = context.path or attempt.path
        attributes: dict[str, Any] = {
            sc.HTTP_METHOD: attempt.method,
            sc.URL_TEMPLATE: template,
            sc.SERVER_ADDRESS: address,
            sc.OPERATION: context.operation.name,
        }
        if port is not None:
            attributes[sc.SERVER_PORT] = port
        if attempt.status_code is not None:
            attributes[sc.HTTP_STATUS] = attempt.status_code
        if attempt.number > 1:
            attributes[sc.HTTP_RESEND_COUNT] = attempt.number - 1
        if attempt.retry_after is not None:
            attributes[sc.HTTP_RETRY_AFTER] = (attempt.retry_after,)
        if attempt.retry_in is not None:
            attributes[sc.RETRY_IN] = attempt.retry_in
        if attempt.rate_limit_wait > 0:
            attributes[sc.RATE_LIMIT_WAIT] = attempt.rate_limit_wait
        if error_type is not None:
            attributes[sc.ERROR_TYPE] = error_type
        span = self._tracer.start_span(  # type: ignore[union-attr]  # only called with a tracer
            f"{attempt.method} {template}",
            context=trace.set_span_in_context(parent),
            kind=SpanKind.CLIENT,
            attributes=attributes,
            start_time=attempt.start_ns,
        )
        if attempt.error is not None:
            span.set_status(Status(StatusCode.ERROR, error_type))
        span.end(end_time=attempt.end_ns)

    # -- logs ----------------------------------------------------------------------------------------

    def _log_event(
        self,
        call: _Call,
        operation: str,
        call_id: str | None,
        account: str | None,
        error: BaseException | None,
        seconds: float,
    ) -> None:
        event: dict[str, Any] = {
            "event": "nimble_tools.call",
            "tool": call.tool,
            "operation": operation,
            "adapter": call.adapter,
            "call_id": call_id,
            "account": self.account_hash(account) if account is not None else None,
            "step": call.step,
            "outcome": "ok" if error is None else "error",
            "error_type": _error_type(error) if error is not None else None,
            "status_code": getattr(error, "status_code", None),
            "duration_ms": round(seconds * 1000, 3),
            "http_requests": call.requests,
            "retries": call.retries,
            "confirmation": call.confirmation,
        }
        span = call.span
        if span is not None and span.get_span_context().is_valid:
            ids = span.get_span_context()
            event["trace_id"] = format(ids.trace_id, "032x")
            event["span_id"] = format(ids.span_id, "016x")
            parent = getattr(span, "parent", None)
            event["parent_span_id"] = format(parent.span_id, "016x") if parent is not None else None
        outcome = "ok" if error is None else event["error_type"]
        # INFO either way: Python's last-resort handler prints WARNING to stderr where logging is not set up.
        message = "%s %s in %.1f ms (HTTP requests: %d)"
        self._log.info(message, call.tool, outcome, seconds * 1000, call.requests, extra={EVENT_ATTRIBUTE: event})

    # -- helpers -------------------------------------------------------------------------------------

    def account_hash(self, account: str) -> str:
        """The account as the plugin records it: a keyed hash, 16 hex digits."""
        return hmac.new(self._account_key, account.encode(), hashlib.sha256).hexdigest()[:16]

    def _server(self, base_url: str) -> tuple[str, int | None]:
        server = self._servers.get(base_url)
        if server is None:
            parts = urlsplit(base_url)
            server = self._servers[base_url] = (parts.hostname or "", parts.port)
        return server


class _Instruments:
    """The metrics, made once per plugin from its meter."""

    def __init__(self, provider: MeterProvider, version: str) -> None:
        meter = provider.get_meter(sc.METER_NAME, version)
        self.calls = meter.create_counter(sc.CALLS, unit="{call}", description="Calls made, by outcome.")
        self.errors = meter.create_counter(sc.ERRORS, unit="{error}", description="Failed calls, by error class.")
        self.duration = meter.create_histogram(
            sc.TOOL_DURATION,
            unit="s",
            description="Duration of calls, from the policies to the answer.",
            explicit_bucket_boundaries_advisory=list(sc.TOOL_BUCKETS),
        )
        self.http_duration = meter.create_histogram(
            sc.HTTP_DURATION,
            unit="s",
            description="Duration of HTTP requests to Nimble, each attempt on its own.",
            explicit_bucket_boundaries_advisory=list(sc.HTTP_BUCKETS),
        )
        self.retries = meter.create_counter(
            sc.HTTP_RETRIES, unit="{retry}", description="HTTP requests sent again, by what failed."
        )
        self.waits = meter.create_histogram(
            sc.RATE_LIMIT_WAITS,
            unit="s",
            description="Waits for rate limits: the client's own limiter (local), or Nimble's 429 (retry_after).",
            explicit_bucket_boundaries_advisory=list(sc.HTTP_BUCKETS),
        )
        self.confirmations = meter.create_counter(
            sc.CONFIRMATIONS, unit="{confirmation}", description="Confirmations of destructive calls, by outcome."
        )

    def call(self, operation: str, call: _Call, seconds: float, error: BaseException | None) -> None:
        labels: dict[str, Any] = {sc.GEN_AI_TOOL_NAME: operation, sc.ADAPTER: call.adapter, sc.STEP: call.step}
        self.calls.add(1, {**labels, sc.OUTCOME: "ok" if error is None else "error"})
        if error is not None:
            labels[sc.ERROR_TYPE] = _error_type(error)
            self.errors.add(1, labels)
        self.duration.record(seconds, {**labels, sc.GEN_AI_OPERATION_NAME: sc.EXECUTE_TOOL})

    def attempt(self, operation: str, attempt: HttpAttempt, address: str, error_type: str | None) -> None:
        labels: dict[str, Any] = {
            sc.HTTP_METHOD: attempt.method,
            sc.SERVER_ADDRESS: address,
            sc.GEN_AI_TOOL_NAME: operation,
        }
        if attempt.status_code is not None:
            labels[sc.HTTP_STATUS] = attempt.status_code
        if error_type is not None:
            labels[sc.ERROR_TYPE] = error_type
        self.http_duration.record((attempt.end_ns - attempt.start_ns) / 1e9, labels)
        if attempt.retry_in is not None:
            self.retries.add(1, {sc.GEN_AI_TOOL_NAME: operation, sc.ERROR_TYPE: error_type or sc.OTHER})
            if attempt.status_code == 429:
                self.waits.record(
                    attempt.retry_in, {sc.GEN_AI_TOOL_NAME: operation, sc.RATE_LIMIT_SOURCE: "retry_after"}
                )
        if attempt.rate_limit_wait > 0:
            self.waits.record(attempt.rate_limit_wait, {sc.GEN_AI_TOOL_NAME: operation, sc.RATE_LIMIT_SOURCE: "local"})


# -- pure helpers ------------------------------------------------------------------------------------


def _root(context: CallContext) -> CallContext:
    while context.parent is not None:
        context = context.parent
    return context


def _adapter(origin: CallOrigin | None) -> str:
    return origin.target if origin is not None and origin.target else APPLICATION


def _error_type(error: BaseException) -> str:
    return type(error).__name__


def _http_error_type(attempt: HttpAttempt) -> str | None:
    """The HTTP conventions' ``error.type``: the status code of an error answer, else the error's class."""
    if attempt.error is None:
        return None
    if attempt.status_code is not None and attempt.status_code >= 400:
        return str(attempt.status_code)
    return _error_type(attempt.error)


def _error_fields(error: BaseException) -> list[str]:
    """The names of the fields a validation error is about (never their values)."""
    if isinstance(error, InvalidArgumentsError):
        return [field for field, _ in error.errors]
    if isinstance(error, ValidationFailedError):
        return list(error.field_errors)
    return []


def _message(error: BaseException) -> str:
    """The error's own message: for ours, without the explanation (which can hold a confirm token)."""
    if isinstance(error, NimbleAPIError):
        return str(error)
    if isinstance(error, NimbleToolsError):
        return error.message
    return f"{type(error).__name__}: {error}"


def _content(value: Any) -> str:
    """JSON text of arguments or a result, cut at :data:`MAX_CONTENT` characters.

    ``Secret`` values show as ``Secret('**********')``, as in every log line of the project.
    """
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_CONTENT else text[:MAX_CONTENT] + "...(cut)"
