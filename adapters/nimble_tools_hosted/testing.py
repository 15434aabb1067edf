"""Play an MCP client and the person behind it, over HTTP: for tests, load runs and scripted setups.

* :class:`FormBrowser` is a person's browser made of httpx and an HTML parser: it keeps cookies,
  follows redirects and submits the consent pages' forms as written (CSRF token included).
* :func:`connect` does what an MCP client does to get a token (RFC 7591 registration, PKCE, the
  consent pages with a personal API key or "Sign in with Nimble", the token request).

::

    tokens = connect("http://127.0.0.1:8080", api_key=my_key)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx

__all__ = [
    "REDIRECT_URI",
    "FormBrowser",
    "authorize_url",
    "connect",
    "consent_with_key",
    "consent_with_nimble",
    "exchange",
    "pkce_pair",
    "query_of",
    "register",
]

REDIRECT_URI = "http://127.0.0.1:9/callback"
"""The redirect URI of the scripted client (nothing listens there: the browser stops before it)."""


@dataclass
class Form:
    """One form of a page: where it posts, its hidden fields, buttons and checkboxes."""

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
        """Close the connection pool."""
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
        """The forms of the current page."""
        parser = _Forms()
        parser.feed(self.page.text if self.page is not None else "")
        return parser.forms

    def text(self) -> str:
        """The current page's visible text, whitespace collapsed."""
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


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def register(base_url: str, redirect_uris: list[str] | None = None, **metadata: Any) -> httpx.Response:
    """POST /register (RFC 7591)."""
    body = {"redirect_uris": redirect_uris or [REDIRECT_URI], "client_name": "Hand client", **metadata}
    return httpx.post(f"{base_url}/register", json=body, timeout=30)


def authorize_url(base_url: str, client_id: str, challenge: str | None, **extra: str) -> str:
    """The /authorize URL an MCP client sends its person to."""
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
    """The query arguments of ``url`` (last value wins)."""
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def connect(
    base_url: str,
    *,
    api_key: str | None = None,
    login_hint: str | None = None,
    client_name: str = "Scripted client",
) -> dict[str, Any]:
    """Register a client, consent as one person (their API key, or "Sign in with Nimble"), and return the tokens.

    The answer is the token response, plus ``client`` (the registration) and ``code`` (spent).

    Raises:
        RuntimeError: a step answered something else than the flow expects.
    """
    answer = register(base_url, client_name=client_name)
    if answer.status_code != 201:
        raise RuntimeError(f"registration failed: HTTP {answer.status_code} {answer.text[:200]}")
    client: dict[str, Any] = answer.json()
    verifier, challenge = pkce_pair()
    url = authorize_url(base_url, client["client_id"], challenge)
    with FormBrowser(login_hint=login_hint) as browser:
        if api_key is not None:
            back = consent_with_key(browser, url, api_key, REDIRECT_URI)
        else:
            back = consent_with_nimble(browser, url, REDIRECT_URI)
    code = query_of(back).get("code")
    if not code:
        raise RuntimeError(f"the consent did not end with a code: {query_of(back)}")
    tokens = exchange(base_url, client, code, verifier)
    if tokens.status_code != 200:
        raise RuntimeError(f"the token request failed: HTTP {tokens.status_code} {tokens.text[:200]}")
    result: dict[str, Any] = {**tokens.json(), "client": client, "code": code}
    return result
