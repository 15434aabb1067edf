"""See what agents do: a trace, metrics and a log event for every call, through OpenTelemetry.

Install the ``otel`` extra (``pip install 'nimble-tools[otel]'``). When the application has
configured an OpenTelemetry tracer or meter provider before a toolkit's first use, every toolkit
observes its calls by itself; :func:`instrument` does it explicitly, with providers of its own.
Otherwise nothing is registered and the call path is unchanged.

What a call records (see the README's "Observability" section):

* a span ``execute_tool {tool}`` per call, following OpenTelemetry's conventions for generative-AI
  tool execution, with a ``{METHOD} {path template}`` child span per HTTP request (retries, status
  codes, ``Retry-After``); a composite action's steps are child spans of the action;
* metrics: calls, errors by class, durations, retries, rate-limit waits, confirmations;
* one structured log event on the ``nimble_tools.calls`` logger, with the trace and span ids
  (:class:`JsonFormatter` writes it as one JSON line);
* for people: :class:`TraceRecorder` keeps a toolkit's spans in memory, :func:`print_tree` prints
  them as a tree (``nimble-tools call ... --trace``), :func:`span_rows` places them for a timeline.

Neither the account's name nor any argument or result is recorded by default: the account appears
as a keyed hash, and content only when ``record_content=True`` (or
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true``). Secrets never appear.

This module imports no OpenTelemetry package: the plugin's module does, when a plugin is made.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from ._logs import CALL_LOGGER, JsonFormatter
from ._tree import SpanRow, TraceRecorder, format_tree, print_tree, span_rows

if TYPE_CHECKING:
    from .._toolkit import NimbleToolkit
    from ._plugin import ObservabilityPlugin

__all__ = [
    "AUTO_ENV",
    "CALL_LOGGER",
    "CAPTURE_CONTENT_ENV",
    "PLUGIN_NAME",
    "JsonFormatter",
    "SpanRow",
    "TraceRecorder",
    "auto_plugin",
    "format_tree",
    "instrument",
    "print_tree",
    "span_rows",
]

PLUGIN_NAME = "nimble-tools-observability"
"""The name the plugin is registered under (``toolkit.plugins.get_plugin(PLUGIN_NAME)``)."""
AUTO_ENV = "NIMBLE_TOOLS_OTEL"
"""Set to 0 to keep toolkits from observing calls by themselves when OpenTelemetry is configured."""
CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
"""OpenTelemetry's switch for recording generative-AI content; true records arguments and results."""

_FALSE = {"0", "false", "no", "off"}
_TRUE = {"1", "true", "yes", "on"}


def instrument(
    toolkit: NimbleToolkit,
    *,
    tracer_provider: Any = None,
    meter_provider: Any = None,
    record_content: bool | None = None,
    account_key: bytes | None = None,
) -> ObservabilityPlugin:
    """Observe every call of ``toolkit``: spans, metrics and a log event per call.

    Args:
        toolkit: the toolkit to observe (a plugin registered automatically is replaced).
        tracer_provider: where spans go (default: OpenTelemetry's global one, configured now or later).
        meter_provider: where metrics go (default: the global one).
        record_content: record arguments and results (``gen_ai.tool.call.arguments`` and
            ``.result``) and error messages; default: ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``.
        account_key: the key of the account hash (default: a fixed one, so hashes agree between
            processes; pass a secret of yours so that nobody can guess names from hashes).

    Returns:
        The registered plugin.

    Raises:
        ConfigurationError: when OpenTelemetry is not installed (the ``otel`` extra).
    """
    plugin = _make_plugin(tracer_provider, meter_provider, record_content, account_key, use_globals=True)
    manager = toolkit.plugins
    if manager.get_plugin(PLUGIN_NAME) is not None:
        manager.unregister(name=PLUGIN_NAME)
    toolkit.register_plugin(plugin, name=PLUGIN_NAME)
    return plugin


def auto_plugin() -> ObservabilityPlugin | None:
    """The plugin every toolkit registers by itself, or None: nothing to observe into.

    There is one when OpenTelemetry is imported and the application configured a global tracer or
    meter provider (an SDK's, or a vendor's such as Logfire's), unless ``NIMBLE_TOOLS_OTEL=0``.
    """
    if os.environ.get(AUTO_ENV, "").strip().lower() in _FALSE:
        return None
    if "opentelemetry.trace" not in sys.modules and "opentelemetry.metrics" not in sys.modules:
        return None  # not even imported: nobody configured it (and importing it costs 80 ms)
    from opentelemetry import metrics, trace

    tracer_provider = trace.get_tracer_provider()
    meter_provider = metrics.get_meter_provider()
    tracing, metering = _configured(tracer_provider), _configured(meter_provider)
    if not (tracing or metering):
        return None
    return _make_plugin(tracer_provider if tracing else None, meter_provider if metering else None, None, None)


def _configured(provider: object) -> bool:
    """False for the API's own stand-ins (the proxy before configuration, the no-op providers)."""
    module = type(provider).__module__
    return not module.startswith(("opentelemetry.trace", "opentelemetry.metrics"))


def _make_plugin(
    tracer_provider: Any,
    meter_provider: Any,
    record_content: bool | None,
    account_key: bytes | None,
    *,
    use_globals: bool = False,
) -> ObservabilityPlugin:
    try:
        from ._plugin import ObservabilityPlugin
    except ImportError as exc:
        from .._errors import ConfigurationError

        raise ConfigurationError(
            f"Observability needs OpenTelemetry ({exc.name} is missing): pip install 'nimble-tools[otel]'."
        ) from None
    if use_globals:  # each provider not given is the global one (which may be configured later)
        from opentelemetry import metrics, trace

        tracer_provider = tracer_provider if tracer_provider is not None else trace.get_tracer_provider()
        meter_provider = meter_provider if meter_provider is not None else metrics.get_meter_provider()
    if record_content is None:
        record_content = os.environ.get(CAPTURE_CONTENT_ENV, "").strip().lower() in _TRUE
    return ObservabilityPlugin(
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        record_content=record_content,
        account_key=account_key,
    )
