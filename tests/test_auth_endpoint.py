"""The token endpoint client against scripted answers (httpx.MockTransport), and the OAuth app's config."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import pytest
from auth_support import START

from nimble_tools import (
    ConfigurationError,
    ConnectError,
    NimbleAPIError,
    RateLimitedError,
    Secret,
    ServerError,
    TransportError,
)
from nimble_tools.auth import OAuthApp, OAuthError, TokenEndpoint, TokenSet

APP = OAuthApp("client-1", "client-secret-1", "https://app.example/oauth/callback", base_url="https://nimble.test")
Handler = Callable[[httpx.Request], httpx.Response]
LEAK = "refresh-token-that-must-not-leak"


def endpoint(handler: Handler) -> TokenEndpoint:
    transport = httpx.MockTransport(handler)
    return TokenEndpoint(APP, transport=transport, async_transport=transport, clock=lambda: START)


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(request.content.decode()).items()}


GOOD = {
    "access_token": "access-1",
    "token_type": "bearer",
    "expires_in": 599,
    "refresh_token": "refresh-1",
    "scope": "basic,contacts",
}


def test_code_exchange_sends_nimbles_documented_form() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=GOOD)

    tokens = endpoint(handler).exchange_code("the-code", "https://app.example/oauth/callback")
    request = seen[0]
    assert (request.method, str(request.url)) == ("POST", "https://nimble.test/api/oauth/token")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded; charset=UTF-8"
    assert form(request) == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "redirect_uri": "https://app.example/oauth/callback",
        "client_id": "client-1",
        "client_secret": "client-secret-1",
    }
    assert "Authorization" not in request.headers
    assert tokens == TokenSet(Secret("access-1"), Secret("refresh-1"), START + 599, ("basic", "contacts"))


def test_refresh_sends_the_refresh_token_and_redirect_uri() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"access_token": "access-2", "expires_in": 559})

    tokens = endpoint(handler).refresh(Secret("refresh-1"))
    assert form(seen[0]) == {
        "grant_type": "refresh_token",
        "refresh_token": "refresh-1",
        "redirect_uri": "https://app.example/oauth/callback",
        "client_id": "client-1",
        "client_secret": "client-secret-1",
    }
    assert tokens.refresh_token is None  # the provider then keeps the previous one
    assert tokens.expires_at == START + 559


@pytest.mark.anyio
async def test_async_twins_send_the_same() -> None:
    forms: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        forms.append(form(request))
        return httpx.Response(200, json=GOOD)

    client = endpoint(handler)
    await client.aexchange_code("c", "https://app.example/x")
    await client.arefresh(Secret("refresh-1"))
    await client.aclose()
    assert [f["grant_type"] for f in forms] == ["authorization_code", "refresh_token"]


@pytest.mark.parametrize(
    ("scope", "parsed"),
    [("basic contacts", ("basic", "contacts")), ("basic+deals", ("basic", "deals")), (None, ())],
)
def test_scope_is_read_in_any_of_nimbles_spellings(scope: str | None, parsed: tuple[str, ...]) -> None:
    body = {**GOOD, "scope": scope}
    tokens = endpoint(lambda r: httpx.Response(200, json=body)).refresh(Secret("r"))
    assert tokens.scope == parsed


def test_unknown_expiry_is_kept_unknown() -> None:
    body = {k: v for k, v in GOOD.items() if k != "expires_in"}
    tokens = endpoint(lambda r: httpx.Response(200, json=body)).refresh(Secret("r"))
    assert tokens.expires_at is None
    assert not tokens.expires_within(10**9, START)


@pytest.mark.parametrize(
    ("status", "body", "code", "description"),
    [
        (
            400,
            {"error": "invalid_grant", "error_description": "Refresh token revoked"},
            "invalid_grant",
            "Refresh token revoked",
        ),
        (401, {"error": "invalid_client"}, "invalid_client", ""),
        (401, None, "invalid_client", ""),
        (403, {"message": "Can't authenticate request"}, "invalid_request", "Can't authenticate request"),
    ],
)
def test_4xx_answers_are_refusals(status: int, body: object, code: str, description: str) -> None:
    answer = httpx.Response(status, json=body) if body is not None else httpx.Response(status, text="nope")
    with pytest.raises(OAuthError) as caught:
        endpoint(lambda r: answer).refresh(Secret(LEAK))
    error = caught.value
    assert (error.error, error.description, error.status_code) == (code, description, status)
    assert error.path == "/api/oauth/token"
    assert error.message.startswith(f"Nimble refused the refresh_token grant: {code}")


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        pytest.param(httpx.Response(500, text=f"Internal error while handling {LEAK}"), ServerError, id="500"),
        pytest.param(httpx.Response(429, headers={"retry-after": "7"}, text=LEAK), RateLimitedError, id="429"),
        pytest.param(httpx.Response(302, text=LEAK), NimbleAPIError, id="302"),
        pytest.param(httpx.Response(200, text=LEAK), TransportError, id="not-json"),
        pytest.param(httpx.Response(200, json={"access_token": LEAK, "token_type": "mac"}), TransportError, id="mac"),
        pytest.param(httpx.Response(200, json={"refresh_token": LEAK}), TransportError, id="no-access-token"),
        pytest.param(httpx.Response(200, json={**GOOD, "expires_in": "soon"}), TransportError, id="bad-expiry"),
        pytest.param(httpx.Response(200, json=[LEAK]), TransportError, id="not-an-object"),
    ],
)
def test_failures_are_typed_and_never_quote_the_answer(answer: httpx.Response, kind: type[Exception]) -> None:
    with pytest.raises(kind) as caught:
        endpoint(lambda r: answer).refresh(Secret(LEAK))
    error = caught.value
    assert not isinstance(error, OAuthError)  # a failure, not a refusal: the tokens must be kept
    for text in (str(error), repr(error), getattr(error, "for_model", lambda: "")(), repr(vars(error))):
        assert LEAK not in text
    if isinstance(error, RateLimitedError):
        assert error.retry_after == 7


def test_network_failure_is_a_connect_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ConnectError) as caught:
        endpoint(handler).refresh(Secret(LEAK))
    assert caught.value.path == "/api/oauth/token"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_endpoint_repr_names_no_secret() -> None:
    assert repr(endpoint(lambda r: httpx.Response(200))) == (
        "TokenEndpoint(url='https://nimble.test/api/oauth/token', client_id='client-1')"
    )


# --- OAuthApp -----------------------------------------------------------------------------


def test_app_builds_the_authorize_url() -> None:
    url = APP.authorization_url("st4te")
    assert url == (
        "https://nimble.test/oauth/authorize?client_id=client-1&redirect_uri=https%3A%2F%2Fapp.example%2Foauth"
        "%2Fcallback&response_type=code&scope=basic%2Ccontacts%2Cdeals&state=st4te"
    )
    assert "client-secret-1" not in url


def test_app_repr_hides_the_secret() -> None:
    assert "client-secret-1" not in repr(APP)
    assert "client-secret-1" not in str(APP)
    assert APP.client_secret == Secret("client-secret-1")


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"client_id": " "}, "client_id is empty"),
        ({"client_secret": ""}, "client_secret is empty"),
        ({"redirect_uri": "/relative"}, "redirect_uri must be an absolute http(s) URL"),
        ({"scopes": ["basic", "admin"]}, "scopes must be among basic, contacts, deals"),
        ({"scopes": []}, "scopes must be among"),
        ({"base_url": "ftp://x"}, "base_url must be an absolute http(s) URL"),
    ],
)
def test_app_configuration_is_checked(kwargs: dict[str, object], problem: str) -> None:
    values: dict[str, object] = {"client_id": "c", "client_secret": "s", "redirect_uri": "https://a.example/cb"}
    values.update(kwargs)
    with pytest.raises(ConfigurationError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        OAuthApp(**values)  # type: ignore[arg-type]


def test_app_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIMBLE_CLIENT_ID", "env-client")
    monkeypatch.setenv("NIMBLE_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("NIMBLE_REDIRECT_URI", "https://a.example/cb")
    monkeypatch.setenv("NIMBLE_SCOPES", "basic+contacts")
    monkeypatch.delenv("NIMBLE_BASE_URL", raising=False)
    app = OAuthApp.from_env()
    assert (app.client_id, app.client_secret.reveal(), app.scopes) == (
        "env-client",
        "env-secret",
        ("basic", "contacts"),
    )
    assert app.base_url == "https://app.nimble.com"
    assert OAuthApp.from_env(client_id="override").client_id == "override"


def test_app_from_env_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NIMBLE_CLIENT_ID", "NIMBLE_CLIENT_SECRET", "NIMBLE_REDIRECT_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NIMBLE_CLIENT_ID", "only-this")
    with pytest.raises(ConfigurationError, match="set NIMBLE_CLIENT_SECRET, NIMBLE_REDIRECT_URI"):
        OAuthApp.from_env()
