"""The sandbox's OAuth server: /oauth/authorize and /api/oauth/token, with expiring, rotating tokens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from auth_support import Clock

from nimble_tools.sandbox import (
    DEFAULT_OAUTH_CLIENT_ID,
    DEFAULT_OAUTH_CLIENT_SECRET,
    SANDBOX_BASE_URL,
    Sandbox,
    approve,
    register_oauth_client,
    revoke_grants,
)

REDIRECT = "http://127.0.0.1:5555/callback"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def box(clock: Clock) -> Sandbox:
    return Sandbox(clock=clock, seed=False)


@pytest.fixture
def http(box: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(transport=box.transport(), base_url=SANDBOX_BASE_URL) as client:
        yield client


def authorize_url(**overrides: str) -> str:
    query = {
        "client_id": DEFAULT_OAUTH_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "basic,contacts,deals",
        "state": "s-123",
        **overrides,
    }
    return f"{SANDBOX_BASE_URL}/oauth/authorize?{urlencode(query)}"


def query_of(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def token_request(http: httpx.Client, **form: str) -> httpx.Response:
    body = {"client_id": DEFAULT_OAUTH_CLIENT_ID, "client_secret": DEFAULT_OAUTH_CLIENT_SECRET, **form}
    return http.post("/api/oauth/token", data=body)


def exchange(http: httpx.Client, box: Sandbox, **authorize: str) -> dict[str, Any]:
    code = query_of(approve(box, authorize_url(**authorize)))["code"]
    response = token_request(http, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def me(http: httpx.Client, token: str) -> httpx.Response:
    return http.get("/api/v1/myself", headers={"Authorization": f"Bearer {token}"})


# --- authorize ------------------------------------------------------------------------------


def test_authorize_redirects_with_code_and_the_same_state(box: Sandbox) -> None:
    location = approve(box, authorize_url(state="xyz"))
    assert location.startswith(REDIRECT + "?")
    query = query_of(location)
    assert query["state"] == "xyz"
    assert len(query["code"]) >= 20


def test_scopes_may_be_joined_by_plus_and_are_granted_as_asked(http: httpx.Client, box: Sandbox) -> None:
    body = exchange(http, box, scope="basic+contacts")
    assert body["scope"] == "basic,contacts"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        pytest.param({"response_type": "token"}, "unsupported_response_type", id="implicit-flow"),
        pytest.param({"scope": "basic,admin"}, "invalid_scope", id="unknown-scope"),
        pytest.param({"scope": ""}, "invalid_scope", id="no-scope"),
        pytest.param({"login_hint": "nobody@example.com"}, "access_denied", id="unknown-user"),
    ],
)
def test_authorize_errors_come_back_on_the_redirect(http: httpx.Client, overrides: dict[str, str], error: str) -> None:
    response = http.get(authorize_url(**overrides))
    assert response.status_code == 302
    query = query_of(response.headers["location"])
    assert query["error"] == error
    assert query["state"] == "s-123"
    assert "code" not in query


def test_user_who_denies_consent_sends_access_denied(box: Sandbox) -> None:
    query = query_of(approve(box, authorize_url(), deny=True))
    assert query == {"error": "access_denied", "error_description": "User denied access", "state": "s-123"}


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"client_id": "nope"}, id="unknown-client"),
        pytest.param({"redirect_uri": "https://evil.example/callback"}, id="foreign-redirect"),
        pytest.param({"redirect_uri": "not a url"}, id="malformed-redirect"),
    ],
)
def test_authorize_never_redirects_to_an_unregistered_uri(http: httpx.Client, overrides: dict[str, str]) -> None:
    response = http.get(authorize_url(**overrides))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.json()["error"] == "invalid_request"


def test_registered_client_may_change_only_the_path_of_its_redirect(http: httpx.Client, box: Sandbox) -> None:
    register_oauth_client(box.state, "app-1", "secret-1", ["https://app.example/oauth"])
    ok = http.get(authorize_url(client_id="app-1", redirect_uri="https://app.example/other/path"))
    assert ok.status_code == 302
    assert ok.headers["location"].startswith("https://app.example/other/path?code=")
    for uri in ("https://app.example:8443/oauth", "http://app.example/oauth", "http://127.0.0.1:5555/callback"):
        assert http.get(authorize_url(client_id="app-1", redirect_uri=uri)).status_code == 400, uri


def test_login_hint_picks_the_consenting_user(http: httpx.Client, box: Sandbox) -> None:
    body = exchange(http, box, login_hint="sam@sandbox.example")
    assert me(http, body["access_token"]).json()["email"] == "sam@sandbox.example"


# --- token: authorization_code --------------------------------------------------------------


def test_code_exchange_answers_like_nimble(http: httpx.Client, box: Sandbox) -> None:
    body = exchange(http, box)
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 599
    assert body["access_token"] != body["refresh_token"]
    assert me(http, body["access_token"]).json()["user_id"] == box.state.me_id


def test_token_answers_are_not_cacheable(http: httpx.Client, box: Sandbox) -> None:
    code = query_of(approve(box, authorize_url()))["code"]
    response = token_request(http, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert response.headers["cache-control"] == "no-store"


def test_a_code_works_once(http: httpx.Client, box: Sandbox) -> None:
    code = query_of(approve(box, authorize_url()))["code"]
    first = token_request(http, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    second = token_request(http, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_a_code_expires(http: httpx.Client, box: Sandbox, clock: Clock) -> None:
    code = query_of(approve(box, authorize_url()))["code"]
    clock.advance(61)
    response = token_request(http, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert response.status_code == 400
    assert "expired" in response.json()["error_description"]


def test_the_code_is_bound_to_its_redirect_uri(http: httpx.Client, box: Sandbox) -> None:
    code = query_of(approve(box, authorize_url()))["code"]
    response = token_request(
        http, grant_type="authorization_code", code=code, redirect_uri="http://127.0.0.1:5555/other"
    )
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "credentials",
    [
        pytest.param({"client_secret": "wrong"}, id="wrong-secret"),
        pytest.param({"client_id": "unknown"}, id="unknown-client"),
        pytest.param({"client_secret": ""}, id="no-secret"),
    ],
)
def test_client_must_authenticate(http: httpx.Client, box: Sandbox, credentials: dict[str, str]) -> None:
    code = query_of(approve(box, authorize_url()))["code"]
    response = token_request(http, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, **credentials)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_token_endpoint_wants_a_form(http: httpx.Client) -> None:
    response = http.post("/api/oauth/token", json={"grant_type": "refresh_token"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_unknown_grant_type(http: httpx.Client) -> None:
    response = token_request(http, grant_type="password")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


# --- expiry and refresh ---------------------------------------------------------------------


def test_access_tokens_expire_after_599_seconds(http: httpx.Client, box: Sandbox, clock: Clock) -> None:
    token = exchange(http, box)["access_token"]
    clock.advance(598)
    assert me(http, token).status_code == 200
    clock.advance(1)
    refused = me(http, token)
    assert refused.status_code == 403
    assert refused.json() == {"message": "Can't authenticate request"}


def test_refresh_rotates_the_refresh_token(http: httpx.Client, box: Sandbox, clock: Clock) -> None:
    first = exchange(http, box)
    clock.advance(700)
    second = token_request(http, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    renewed = second.json()
    assert renewed["refresh_token"] != first["refresh_token"]
    assert me(http, renewed["access_token"]).status_code == 200
    replay = token_request(http, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    third = token_request(http, grant_type="refresh_token", refresh_token=renewed["refresh_token"])
    assert third.status_code == 200


def test_refresh_token_is_bound_to_its_client(http: httpx.Client, box: Sandbox) -> None:
    register_oauth_client(box.state, "app-2", "secret-2", ["https://app.example"])
    refresh_token = exchange(http, box)["refresh_token"]
    response = http.post(
        "/api/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": "app-2",
            "client_secret": "secret-2",
        },
    )
    assert response.json()["error"] == "invalid_grant"


def test_revoked_grants_refuse_both_tokens(http: httpx.Client, box: Sandbox) -> None:
    body = exchange(http, box)
    assert revoke_grants(box.state) == 1
    assert me(http, body["access_token"]).status_code == 403
    refused = token_request(http, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert refused.json()["error"] == "invalid_grant"


def test_grants_are_logged(http: httpx.Client, box: Sandbox) -> None:
    body = exchange(http, box)
    token_request(http, grant_type="refresh_token", refresh_token=body["refresh_token"])
    kinds = [g["grant_type"] for g in box.state.oauth["grants"].values()]
    assert kinds == ["authorization_code", "refresh_token"]


def test_oauth_works_over_the_real_http_server(clock: Clock) -> None:
    box = Sandbox(clock=clock, seed=False)
    with box.server(port=0) as server, httpx.Client(base_url=server.base_url) as http:
        redirect = http.get(authorize_url().replace(SANDBOX_BASE_URL, server.base_url))
        assert redirect.status_code == 302
        code = query_of(redirect.headers["location"])["code"]
        body = token_request(http, grant_type="authorization_code", code=code, redirect_uri=REDIRECT).json()
        assert me(http, body["access_token"]).status_code == 200
        assert http.get("/api/v1/myself", params={"access_token": body["access_token"]}).status_code == 200
