"""Helpers for tests/test_hosted_*.py: a hosted server on loopback, a consenting "browser", MCP clients.

* :func:`hosted_server` serves the hosted app with uvicorn in a thread, its Nimble being a real
  sandbox served on another loopback port (the browser must reach Nimble's authorize page).
* :class:`FormBrowser` plays a person's browser with httpx: it keeps cookies, follows the consent
  pages and submits their forms as they are written in the HTML (CSRF token included).
* :func:`mcp_client` is the official MCP client SDK, authorising through its own OAuth provider
  (discovery from a bare 401, dynamic registration, PKCE), with the browser giving consent.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import httpx2
import uvicorn
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from nimble_tools_hosted._app import HostedApp
from nimble_tools_hosted._settings import HostedSettings

from nimble_tools.sandbox import DEFAULT_OAUTH_CLIENT_ID, Sandbox, register_oauth_client

SECRET = "test-secret-key-0123456789-abcdefghijklmnop"
ADMIN = "admin@sandbox.example"
SAM = "sam@sandbox.example"


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
class Form:
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, label)
    checkboxes: list[tuple[str, str]] = field(default_factory=list)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._button: list[str] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", "")))
        elif tag == "input" and self.forms:
            if a.get("type") == "checkbox":
                self.forms[-1].checkboxes.append((a["name"], a["value"]))
            elif a.get("type") == "hidden":
                self.forms[-1].fields.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "button" and self.forms:
            self._button = [a.get("name", ""), a.get("value", ""), ""]

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._button is not None:
            self._button[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None and self.forms:
            name, value, label = self._button
            self.forms[-1].buttons.append((name, value, label.strip()))
            self._button = None


class FormBrowser:
    """A person's browser: cookies, redirects, and the forms of the page it is on.

    Args:
        login_hint: which sandbox user signs in at Nimble (added to Nimble's authorize URL, as a
            person would by typing their email on Nimble's login page).
    """

    def __init__(self, *, login_hint: str | None = None, at_nimble: str = "") -> None:
        self.client = httpx.Client(follow_redirects=False, timeout=30)
        self.login_hint = login_hint
        self.at_nimble = at_nimble
        self.page: httpx.Response | None = None
        self.pages: list[httpx.Response] = []

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> FormBrowser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self, url: str, *, stop_at: str | None = None) -> httpx.Response:
        """GET ``url`` and follow redirects until a page, or until a URL starting with ``stop_at``."""
        return self._follow(self.client.get(self._hinted(url)), stop_at)

    def _hinted(self, url: str) -> str:
        if "/oauth/authorize" in url:
            url += f"&login_hint={self.login_hint}" if self.login_hint else ""
            url += self.at_nimble  # what the person does on Nimble's page, e.g. "&sandbox_consent=deny"
        return url

    def _follow(self, response: httpx.Response, stop_at: str | None) -> httpx.Response:
        while response.is_redirect:
            target = urljoin(str(response.url), response.headers["location"])
            if stop_at is not None and target.startswith(stop_at):
                self.page = response
                return response
            response = self.client.get(self._hinted(target))
        self.page = response
        self.pages.append(response)
        return response

    def forms(self) -> list[Form]:
        parser = _Forms()
        parser.feed(self.page.text if self.page is not None else "")
        return parser.forms

    def text(self) -> str:
        parser = _Forms()
        parser.feed(self.page.text if self.page is not None else "")
        return " ".join(" ".join(parser.text).split())

    def submit(
        self,
        action_suffix: str,
        *,
        button: str | None = None,
        data: dict[str, Any] | None = None,
        uncheck: tuple[str, ...] = (),
        stop_at: str | None = None,
    ) -> httpx.Response:
        """Submit the form whose action ends with ``action_suffix`` (pressing the button labelled ``button``)."""
        assert self.page is not None
        form = next(f for f in self.forms() if f.action.endswith(action_suffix))
        body: dict[str, Any] = {k: v[-1] for k, v in form.fields.items()}
        checked = [value for name, value in form.checkboxes if value not in uncheck]
        if checked:
            body["scope"] = checked
        if button is not None:
            name, value, _ = next(b for b in form.buttons if b[2] == button)
            if name:
                body[name] = value
        body.update(data or {})
        response = self.client.post(urljoin(str(self.page.url), form.action), data=body)
        return self._follow(response, stop_at)


def consent_with_key(browser: FormBrowser, authorize_url: str, api_key: str, redirect_prefix: str) -> str:
    """Go through consent with a pasted API key; return the redirect back to the app."""
    browser.open(authorize_url)
    browser.submit("/key", data={"api_key": api_key})
    response = browser.submit("/decision", button="Allow", stop_at=redirect_prefix)
    return str(response.headers["location"])


def consent_with_nimble(browser: FormBrowser, authorize_url: str, redirect_prefix: str) -> str:
    """Go through consent signing in with Nimble (the sandbox's OAuth); return the redirect back to the app."""
    browser.open(authorize_url)
    browser.submit("/nimble")
    response = browser.submit("/decision", button="Allow", stop_at=redirect_prefix)
    return str(response.headers["location"])


# --- the MCP client SDK, authorising itself ----------------------------------------------------


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


REDIRECT_URI = "http://127.0.0.1:9/callback"


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


# --- a hand-written OAuth client, for the security tests ----------------------------------------


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge)."""
    import base64
    import hashlib
    import secrets

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def register(base_url: str, redirect_uris: list[str] | None = None, **metadata: Any) -> httpx.Response:
    """POST /register (RFC 7591)."""
    body = {"redirect_uris": redirect_uris or [REDIRECT_URI], "client_name": "Hand client", **metadata}
    return httpx.post(f"{base_url}/register", json=body, timeout=30)


def authorize_url(base_url: str, client_id: str, challenge: str | None, **extra: str) -> str:
    """The /authorize URL an MCP client sends its person to."""
    from urllib.parse import urlencode

    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "state": "state-123",
        "resource": f"{base_url}/mcp",
        **({"code_challenge": challenge, "code_challenge_method": "S256"} if challenge else {}),
        **extra,
    }
    return f"{base_url}/authorize?{urlencode(params)}"


def exchange(base_url: str, client: dict[str, Any], code: str, verifier: str) -> httpx.Response:
    """POST /token with an authorization code."""
    return httpx.post(
        f"{base_url}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": client["client_id"],
            "client_secret": client.get("client_secret") or "",
            "code_verifier": verifier,
        },
        timeout=30,
    )


def query_of(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
