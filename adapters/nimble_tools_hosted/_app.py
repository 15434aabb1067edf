"""The ASGI application: MCP endpoint, OAuth endpoints, consent pages, health checks.

``create_app(settings)`` builds one worker's app; uvicorn's workers call :func:`app_from_env`
(a factory), which reads the settings the parent process put in the environment. Nothing a request
needs lives in a worker's memory: every record is in the store, so any worker takes any request.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from mcp.server.auth.handlers.metadata import ProtectedResourceMetadataHandler
from mcp.server.auth.provider import ProviderTokenVerifier
from mcp.server.auth.routes import cors_middleware
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.auth import ProtectedResourceMetadata
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from nimble_tools.auth import TokenStoreError

from . import _pages as pages
from ._confirmations import SharedConfirmations
from ._consent import ConsentRoutes
from ._keys import ServerKeys
from ._mcp import HostedMCPServer, PersonalServers
from ._nimble import NimbleSide
from ._people import People
from ._provider import HostedAuthProvider
from ._scopes import SCOPES
from ._settings import HostedSettings, default_store_path
from ._store import RecordStore, open_store

__all__ = ["HostedApp", "app_from_env", "create_app"]

logger = logging.getLogger("nimble_tools.hosted")


class HostedApp:
    """Everything one worker serves with, wired together (``.asgi`` is the ASGI app).

    Args:
        settings: the server's settings.
        store: the shared record store (default: the one ``settings.store`` names).
        nimble_transport: how to reach Nimble, for tests (an in-process sandbox's transport).
        clock: a ``time.time``-like function for the expiry of consents, codes and tokens (tests move it).
    """

    def __init__(
        self,
        settings: HostedSettings,
        *,
        store: RecordStore | None = None,
        nimble_transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        location = settings.store or str(default_store_path())
        self.store = store if store is not None else open_store(location, clock=clock)
        self.keys = ServerKeys(settings.secret_keys())
        credentials = self.store.token_store(self.keys.cipher)
        async_transport = nimble_transport if isinstance(nimble_transport, httpx.AsyncBaseTransport) else None
        self.nimble = NimbleSide(
            settings,
            credentials,
            SharedConfirmations(self.store),
            transport=nimble_transport,
            async_transport=async_transport,
        )
        self.people = People(self.store, credentials, settings.nimble_url, clock=clock)
        self.provider = HostedAuthProvider(settings, self.store, self.keys, self.people, clock=clock)
        self.servers = PersonalServers(self.nimble.toolkit, tool_search=settings.tool_search)
        self.mcp = HostedMCPServer(self.servers)
        self.asgi = self._build()

    def _build(self) -> Starlette:
        settings = self.settings
        auth = AuthSettings(
            issuer_url=settings.public_url,  # type: ignore[arg-type]  # pydantic converts the string
            resource_server_url=settings.resource_url,  # type: ignore[arg-type]
            validate_token_resource=True,
            client_registration_options=ClientRegistrationOptions(
                enabled=True, valid_scopes=list(SCOPES), default_scopes=list(SCOPES)
            ),
            revocation_options=RevocationOptions(enabled=True),
        )
        consent = ConsentRoutes(settings, self.provider, self.people, self.nimble)
        routes = [
            Route("/", self._home, methods=["GET"]),
            Route("/healthz", self._healthz, methods=["GET"]),
            Route("/readyz", self._readyz, methods=["GET"]),
            *consent.routes(),
            *self._metrics_routes(),
        ]
        app = self.mcp.streamable_http_app(
            streamable_http_path="/mcp",
            stateless_http=True,
            auth=auth,
            token_verifier=ProviderTokenVerifier(self.provider),  # type: ignore[arg-type]
            auth_server_provider=self.provider,
            custom_starlette_routes=routes,
            transport_security=_transport_security(settings),
            host=settings.host,
        )
        # The resource metadata (RFC 9728) names the scopes and the resource, at the path-inserted
        # address the WWW-Authenticate header gives and at the bare one; ahead of the SDK's own.
        app.router.routes[0:0] = _resource_metadata_routes(auth, settings)
        app.router.lifespan_context = self._lifespan(app.router.lifespan_context)
        return app

    def _lifespan(self, inner: Any) -> Any:
        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            async with inner(app):
                try:
                    yield
                finally:
                    await self.nimble.aclose()
                    await asyncio.to_thread(self.store.close)

        return lifespan

    async def _home(self, request: Request) -> Response:
        return pages.home_page(self.settings.resource_url)

    def _metrics_routes(self) -> list[Route]:
        """``GET /metrics``: Prometheus text of every call this worker made, when a scrape token is set."""
        token = self.settings.metrics_token.reveal()
        if not token:
            return []
        from nimble_tools.observability import instrument
        from nimble_tools.observability.prometheus import PrometheusMetrics

        metrics = PrometheusMetrics()
        # People's accounts appear only as keyed hashes, under a key derived from the server's secret.
        instrument(self.nimble.toolkit, meter_provider=metrics.meter_provider, account_key=self.keys.account_hash_key)
        expected = f"Bearer {token}".encode()

        async def scrape(request: Request) -> Response:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return JSONResponse({"error": "a bearer token is required"}, status_code=401)
            return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

        return [Route("/metrics", scrape, methods=["GET"])]

    async def _healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "worker": os.getpid()}, headers={"Cache-Control": "no-store"})

    async def _readyz(self, request: Request) -> Response:
        try:
            await asyncio.to_thread(self.store.ping)
        except TokenStoreError as failure:
            logger.error("the store does not answer: %s", failure.message)
            return JSONResponse({"status": "unavailable", "store": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ready", "store": "ok"}, headers={"Cache-Control": "no-store"})


def create_app(
    settings: HostedSettings,
    *,
    store: RecordStore | None = None,
    nimble_transport: httpx.BaseTransport | None = None,
) -> Starlette:
    """The ASGI app of one worker."""
    return HostedApp(settings, store=store, nimble_transport=nimble_transport).asgi


def app_from_env() -> Starlette:
    """The factory uvicorn calls in each worker: the settings come from the environment."""
    from ._logs import redact_access_log

    redact_access_log()
    return create_app(HostedSettings.from_env())


def _resource_metadata_routes(auth: AuthSettings, settings: HostedSettings) -> list[Route]:
    assert auth.resource_server_url is not None
    metadata = ProtectedResourceMetadata(
        resource=auth.resource_server_url,
        authorization_servers=[auth.issuer_url],
        scopes_supported=list(SCOPES),
        resource_name="Nimble CRM",
    )
    handler = cors_middleware(ProtectedResourceMetadataHandler(metadata).handle, ["GET", "OPTIONS"])
    path = urlsplit(settings.resource_url).path
    return [
        Route(f"/.well-known/oauth-protected-resource{path}", endpoint=handler, methods=["GET", "OPTIONS"]),
        Route("/.well-known/oauth-protected-resource", endpoint=handler, methods=["GET", "OPTIONS"]),
    ]


def _transport_security(settings: HostedSettings) -> TransportSecuritySettings:
    """Only requests addressed to the public host (or to loopback when bound there) reach /mcp."""
    public = urlsplit(settings.public_url)
    hosts = [public.netloc]
    origins = [f"{public.scheme}://{public.netloc}"]
    if settings.host in ("127.0.0.1", "localhost", "::1"):
        hosts += ["127.0.0.1:*", "localhost:*", "[::1]:*"]
        origins += ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)
