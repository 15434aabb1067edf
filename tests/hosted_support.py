"""Helpers for tests/test_hosted_*.py: a hosted server on loopback, a consenting "browser", MCP clients.

* :func:`hosted_server` serves the hosted app with uvicorn in a thread, its Nimble being a real
  sandbox served on another loopback port (the browser must reach Nimble's authorize page).
* ``FormBrowser`` (from ``nimble_tools_hosted.testing``) plays a person's browser with httpx.
* :func:`mcp_client` is the official MCP client SDK, authorising through its own OAuth provider
  (discovery from a bare 401, dynamic registration, PKCE), with the browser giving consent.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import uvicorn
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from nimble_tools_hosted._app import HostedApp
from nimble_tools_hosted._settings import HostedSettings
from nimble_tools_hosted.testing import (  # noqa: F401 - re-exported for the tests
    REDIRECT_URI,
    FormBrowser,
    authorize_url,
    consent_with_key,
    consent_with_nimble,
    exchange,
    pkce_pair,
    query_of,
    register,
)

from benchmarks._local_servers import free_port
from nimble_tools.sandbox import DEFAULT_OAUTH_CLIENT_ID, Sandbox, register_oauth_client

SECRET = "test-secret-key-0123456789-abcdefghijklmnop"
ADMIN = "admin@sandbox.example"
SAM = "sam@sandbox.example"


@dataclass
class HostedServer:
    """A running hosted server and the sandbox behind it."""

    url: str
    settings: HostedSettings
    app: HostedApp
    sandbox: Sandbox
    sandbox_url: str

    @property
    def mcp_url(self) -> str:
        return self.settings.resource_url


@contextlib.contextmanager
def hosted_server(
    tmp_path: Path,
    *,
    store: Any = None,
    sandbox: Sandbox | None = None,
    sandbox_url: str | None = None,
    clock: Callable[[], float] = time.time,
    **settings: Any,
) -> Iterator[HostedServer]:
    """A hosted server on a free loopback port (uvicorn in a thread), and its sandbox served on another."""
    box = sandbox if sandbox is not None else Sandbox()
    with contextlib.ExitStack() as stack:
        if sandbox_url is None:
            served = stack.enter_context(box.server("127.0.0.1", 0))
            sandbox_url = served.base_url
        port = free_port()
        values = {
            "host": "127.0.0.1",
            "port": port,
            "secret_key": SECRET,
            "store": str(tmp_path / "hosted.sqlite3"),
            "sandbox_url": sandbox_url,
            "nimble_client_secret": "hosted-test-client-secret",
            **settings,
        }
        config = HostedSettings.parse(values)
        register_oauth_client(
            box.state, DEFAULT_OAUTH_CLIENT_ID, "hosted-test-client-secret", [config.nimble_callback_url], loopback=True
        )
        app = HostedApp(config, store=store, clock=clock)
        server = uvicorn.Server(uvicorn.Config(app.asgi, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the hosted server did not start")
            time.sleep(0.02)
        try:
            yield HostedServer(config.public_url, config, app, box, sandbox_url)
        finally:
            server.should_exit = True
            thread.join(timeout=10)


# --- a browser made of httpx and an HTML form parser --------------------------------------------


@dataclass
class MemoryTokens:
    """The client SDK's TokenStorage, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


def oauth_provider(
    server_url: str, consent: Callable[[str], str], storage: MemoryTokens, *, client_name: str = "Test agent"
) -> OAuthClientProvider:
    """The SDK's OAuth provider; ``consent(authorize_url)`` returns the redirect back to the app."""
    redirected: list[str] = []

    async def redirect_handler(url: str) -> None:
        import asyncio

        redirected.append(await asyncio.to_thread(consent, url))

    async def callback_handler() -> AuthorizationCodeResult:
        query = parse_qs(urlsplit(redirected[-1]).query)
        return AuthorizationCodeResult(
            code=query["code"][0], state=query.get("state", [None])[0], iss=query.get("iss", [None])[0]
        )

    metadata = OAuthClientMetadata(
        redirect_uris=[REDIRECT_URI],  # type: ignore[list-item]
        client_name=client_name,
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="client_secret_post",
    )
    return OAuthClientProvider(server_url, metadata, storage, redirect_handler, callback_handler)


@contextlib.asynccontextmanager
async def mcp_client(
    url: str, auth: httpx2.Auth | None = None, headers: dict[str, str] | None = None
) -> AsyncIterator[Client]:
    """An MCP SDK client over streamable HTTP, with OAuth (``auth``) or a fixed bearer token (``headers``)."""
    async with (
        httpx2.AsyncClient(auth=auth, headers=headers, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client
