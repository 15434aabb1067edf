"""The toolkit's metrics as Prometheus text, for a ``/metrics`` endpoint (the ``otel`` extra).

A server makes one :class:`PrometheusMetrics`, observes its toolkits into its meter provider, and
serves :meth:`PrometheusMetrics.route` (Starlette) or :meth:`PrometheusMetrics.render` (anything
else)::

    from nimble_tools.observability import instrument
    from nimble_tools.observability.prometheus import PrometheusMetrics

    metrics = PrometheusMetrics()
    instrument(toolkit, meter_provider=metrics.meter_provider)
    app = Starlette(routes=[metrics.route(), ...])  # GET /metrics

Labels hold operation names, adapters, error classes, HTTP methods and status codes, the Nimble
host: bounded sets, and never an account, an argument or a secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import MeterProvider
    from prometheus_client import CollectorRegistry
    from starlette.routing import Route

__all__ = ["PrometheusMetrics"]


class PrometheusMetrics:
    """An OpenTelemetry meter provider whose metrics render as Prometheus text.

    Args:
        registry: the ``prometheus_client`` registry to collect into (default: a new one, so that
            nothing else registered in the process-wide registry shows up, and tests stay apart).
        resource: the OpenTelemetry resource of the metrics (default: the SDK's, from
            ``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES``).

    Raises:
        ConfigurationError: without the ``otel`` extra.
    """

    def __init__(self, *, registry: CollectorRegistry | None = None, resource: Any = None) -> None:
        try:
            from opentelemetry.exporter.prometheus import PrometheusMetricReader
            from opentelemetry.sdk.metrics import MeterProvider
            from prometheus_client import CollectorRegistry
        except ImportError as exc:
            from .._errors import ConfigurationError

            raise ConfigurationError(
                f"Prometheus metrics need the otel extra ({exc.name} is missing): pip install 'nimble-tools[otel]'."
            ) from None
        self.registry: CollectorRegistry = registry if registry is not None else CollectorRegistry()
        self.reader = PrometheusMetricReader(registry=self.registry)
        options: dict[str, Any] = {"metric_readers": [self.reader]}
        if resource is not None:
            options["resource"] = resource
        self.meter_provider: MeterProvider = MeterProvider(**options)

    def __repr__(self) -> str:
        return "PrometheusMetrics()"

    @property
    def content_type(self) -> str:
        """The media type of :meth:`render` (Prometheus text format 0.0.4)."""
        from prometheus_client import CONTENT_TYPE_LATEST

        return str(CONTENT_TYPE_LATEST)

    def render(self) -> bytes:
        """The current metrics in Prometheus text format."""
        from prometheus_client import generate_latest

        return bytes(generate_latest(self.registry))

    def route(self, path: str = "/metrics") -> Route:
        """A Starlette route answering ``GET path`` with :meth:`render`."""
        from starlette.requests import Request
        from starlette.responses import Response
        from starlette.routing import Route

        async def metrics(request: Request) -> Response:
            return Response(self.render(), media_type=self.content_type)

        return Route(path, metrics, methods=["GET"], name="metrics")

    def shutdown(self) -> None:
        """Stop collecting (the registry forgets these metrics)."""
        self.meter_provider.shutdown()
