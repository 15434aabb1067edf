"""The hosted server's security promises, each tried the way an attacker or a mistake would.

PKCE (S256 only) is required; redirect URIs match exactly; the consent forms need the browser that
opened them and a CSRF token; expired and replayed codes are refused (a replay revokes the grant);
tokens for another resource are refused; secrets never reach logs or pages; the store file is
private and holds only hashes of tokens and ciphertext of credentials.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hosted_support import (
    REDIRECT_URI,
    SAM,
    FormBrowser,
    HostedServer,
    authorize_url,
    exchange,
    hosted_server,
    pkce_pair,
    query_of,
    register,
)
from nimble_tools_hosted._logs import RedactQueryFilter
from nimble_tools_hosted._provider import CODE_TTL, CONSENT_TTL

PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostedServer]:
    with hosted_server(tmp_path_factory.mktemp("hosted-security")) as running:
        yield running


@pytest.fixture
def browser() -> Iterator[FormBrowser]:
    with FormBrowser() as person:
        yield person


class Clock:
    def __init__(self) -> None:
        import time

        self.offset = 0.0
        self._time = time.time

    def __call__(self) -> float:
        return self._time() + self.offset


def _client(server: HostedServer, **metadata: Any) -> dict[str, Any]:
    answer = register(server.url, **metadata)
    assert answer.status_code == 201, answer.text
    client: dict[str, Any] = answer.json()
    return client


def _code(server: HostedServer, browser: FormBrowser, client: dict[str, Any], challenge: str, **extra: str) -> str:
    """Consent with Sam's API key; the code the app receives."""
    browser.open(authorize_url(server.url, client["client_id"], challenge, **extra))
    browser.submit("/key", data={"api_key": server.sandbox.personal_api_key(SAM)})
    back = browser.submit("/decision", button="Allow", stop_at=REDIRECT_URI)
    query = query_of(back.headers["location"])
    assert query["state"] == "state-123" and query["iss"] == server.url
    return query["code"]


# --- PKCE -------------------------------------------------------------------------------------


def test_pkce_is_required_and_only_s256(server: HostedServer, browser: FormBrowser) -> None:
    client = _client(server)
    without = httpx.get(authorize_url(server.url, client["client_id"], None))
    assert without.status_code == 302
    assert query_of(without.headers["location"])["error"] == "invalid_request"
    assert "code_challenge" in query_of(without.headers["location"])["error_description"]
    verifier, challenge = pkce_pair()
    plain = httpx.get(authorize_url(server.url, client["client_id"], challenge, code_challenge_method="plain"))
    assert query_of(plain.headers["location"])["error"] == "invalid_request"

    code = _code(server, browser, client, challenge)
    wrong = exchange(server.url, client, code, pkce_pair()[0])
    assert wrong.status_code == 400 and wrong.json() == {
        "error": "invalid_grant",
        "error_description": "incorrect code_verifier",
    }
    right = exchange(server.url, client, code, verifier)
    assert right.status_code == 200 and right.json()["token_type"] == "Bearer"


# --- redirect URIs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "redirect",
    [
        "http://127.0.0.1:10/callback",  # another port
        "http://127.0.0.1:9/callback/",  # a trailing slash
        "http://127.0.0.1:9/callback?x=1",  # a query
        "http://127.0.0.1:9/other",  # another path
        "http://localhost:9/callback",  # another host name for the same place
    ],
)
def test_redirect_uris_match_exactly(server: HostedServer, redirect: str) -> None:
    client = _client(server)
    answer = httpx.get(authorize_url(server.url, client["client_id"], pkce_pair()[1], redirect_uri=redirect))
    assert answer.status_code == 400 and "location" not in answer.headers  # never redirected elsewhere
    assert answer.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("uri", "accepted"),
    [
        ("https://claude.ai/api/mcp/auth_callback", True),
        ("cursor://anysphere.cursor-mcp/oauth/callback", True),
        ("http://localhost:33418/callback", True),
        ("http://evil.example/callback", False),
        ("javascript:alert(1)", False),
        ("https://app.example/callback#fragment", False),
    ],
)
def test_registration_accepts_only_safe_redirect_uris(server: HostedServer, uri: str, accepted: bool) -> None:
    answer = register(server.url, [uri])
    assert (answer.status_code == 201) is accepted, answer.text
    if not accepted:
        assert answer.json()["error"] in ("invalid_redirect_uri", "invalid_client_metadata")


# --- state, the browser binding and CSRF -----------------------------------------------------


def test_consent_forms_need_their_browser_and_a_csrf_token(server: HostedServer, browser: FormBrowser) -> None:
    client = _client(server)
    url = authorize_url(server.url, client["client_id"], pkce_pair()[1])
    page = browser.open(url)
    assert page.status_code == 200 and "Connect your Nimble account to Hand client" in browser.text()
    consent_path = urlpath = str(page.url)
    key = server.sandbox.personal_api_key(SAM)

    forged = browser.client.post(f"{urlpath}/key", data={"api_key": key})  # no CSRF token
    assert forged.status_code == 403 and "could not be accepted" in forged.text
    form = next(f for f in browser.forms() if f.action.endswith("/key"))
    token = form.fields["csrf"][0]
    tampered = browser.client.post(f"{urlpath}/key", data={"api_key": key, "csrf": token[:-2] + "00"})
    assert tampered.status_code == 403
    cross_site = browser.client.post(
        f"{urlpath}/key", data={"api_key": key, "csrf": token}, headers={"origin": "https://evil.example"}
    )
    assert cross_site.status_code == 403

    with FormBrowser() as other:  # the link opened in another browser (or sent to a victim)
        elsewhere = other.open(consent_path)
        assert elsewhere.status_code == 400 and "another browser" in other.text()
        stolen = other.client.post(f"{urlpath}/key", data={"api_key": key, "csrf": token})
        assert stolen.status_code == 403

    # A token of another consent request does not work here either.
    second = browser.open(authorize_url(server.url, client["client_id"], pkce_pair()[1]))
    other_token = next(f for f in browser.forms() if f.action.endswith("/key")).fields["csrf"][0]
    assert str(second.url) != consent_path
    assert browser.client.post(f"{urlpath}/key", data={"api_key": key, "csrf": other_token}).status_code == 403

    # With its own token, in its own browser, the form goes through.
    ok = browser.client.post(f"{urlpath}/key", data={"api_key": key, "csrf": token})
    assert ok.status_code == 303


def test_a_nimble_callback_with_a_forged_state_exchanges_nothing(server: HostedServer, browser: FormBrowser) -> None:
    grants_before = len(server.sandbox.state.oauth.get("grants", {}))
    page = browser.open(f"{server.url}/nimble/callback?code=stolen-code&state=forged")
    assert page.status_code == 410 and "expired" in browser.text()
    assert len(server.sandbox.state.oauth.get("grants", {})) == grants_before


# --- codes --------------------------------------------------------------------------------------


def test_expired_codes_consents_and_tokens_are_refused(tmp_path: Path) -> None:
    clock = Clock()
    with hosted_server(tmp_path, clock=clock) as running, FormBrowser() as person:
        client = _client(running)
        verifier, challenge = pkce_pair()
        code = _code(running, person, client, challenge)
        clock.offset = CODE_TTL + 1
        late = exchange(running.url, client, code, verifier)
        assert late.status_code == 400 and late.json()["error"] == "invalid_grant"

        clock.offset = 0
        person.open(authorize_url(running.url, client["client_id"], pkce_pair()[1]))
        consent_url = str(person.page.url) if person.page is not None else ""
        clock.offset = CONSENT_TTL + 1
        assert person.open(consent_url).status_code == 410

        clock.offset = 0
        verifier, challenge = pkce_pair()
        tokens = exchange(running.url, client, _code(running, person, client, challenge), verifier).json()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert httpx.post(running.mcp_url, json=PING, headers=bearer).status_code == 200
        clock.offset = running.settings.access_token_ttl + 1
        assert httpx.post(running.mcp_url, json=PING, headers=bearer).status_code == 401


def test_a_replayed_code_is_refused_and_revokes_what_it_gave(server: HostedServer, browser: FormBrowser) -> None:
    client = _client(server)
    verifier, challenge = pkce_pair()
    code = _code(server, browser, client, challenge)
    first = exchange(server.url, client, code, verifier)
    assert first.status_code == 200
    bearer = {"Authorization": f"Bearer {first.json()['access_token']}"}
    assert httpx.post(server.mcp_url, json=PING, headers=bearer).status_code == 200
    replay = exchange(server.url, client, code, verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert httpx.post(server.mcp_url, json=PING, headers=bearer).status_code == 401


def test_a_code_works_only_for_its_client(server: HostedServer, browser: FormBrowser) -> None:
    owner, thief = _client(server), _client(server)
    verifier, challenge = pkce_pair()
    code = _code(server, browser, owner, challenge)
    assert exchange(server.url, thief, code, verifier).json()["error"] == "invalid_grant"
    assert exchange(server.url, owner, code, verifier).status_code == 200


# --- audience (RFC 8707) ----------------------------------------------------------------------------


def test_a_token_for_another_resource_is_refused(tmp_path: Path, server: HostedServer, browser: FormBrowser) -> None:
    client = _client(server)
    asked_elsewhere = httpx.get(
        authorize_url(server.url, client["client_id"], pkce_pair()[1], resource="https://other.example/mcp")
    )
    assert query_of(asked_elsewhere.headers["location"])["error"] == "invalid_target"

    # A second deployment sharing the same store and key: its tokens name its own resource.
    with hosted_server(
        tmp_path, store=server.app.store, sandbox=server.sandbox, sandbox_url=server.sandbox_url
    ) as other:
        foreign_client = _client(other)
        verifier, challenge = pkce_pair()
        code = _code(other, browser, foreign_client, challenge)
        token = exchange(other.url, foreign_client, code, verifier).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert httpx.post(other.mcp_url, json=PING, headers=bearer).status_code == 200
        refused = httpx.post(server.mcp_url, json=PING, headers=bearer)
    assert refused.status_code == 401 and "invalid_token" in refused.headers["www-authenticate"]


# --- failures the person sees -------------------------------------------------------------------


def test_denying_sends_the_app_access_denied_with_its_state(server: HostedServer, browser: FormBrowser) -> None:
    client = _client(server)
    browser.open(authorize_url(server.url, client["client_id"], pkce_pair()[1]))
    back = browser.submit("/decision", button="Cancel", stop_at=REDIRECT_URI)
    query = query_of(back.headers["location"])
    assert query["error"] == "access_denied" and query["state"] == "state-123" and "code" not in query

    browser.open(authorize_url(server.url, client["client_id"], pkce_pair()[1]))
    browser.submit("/key", data={"api_key": server.sandbox.personal_api_key(SAM)})
    back = browser.submit("/decision", button="Deny", stop_at=REDIRECT_URI)
    assert query_of(back.headers["location"])["error"] == "access_denied"


def test_a_key_nimble_refuses_is_neither_stored_nor_shown(server: HostedServer, browser: FormBrowser) -> None:
    client = _client(server)
    consent_id = str(browser.open(authorize_url(server.url, client["client_id"], pkce_pair()[1])).url).rsplit("/", 1)[1]
    wrong = "sandbox-key-this-one-is-wrong-0123"
    page = browser.submit("/key", data={"api_key": wrong})
    assert page.status_code == 400 and "Nimble refused this API key" in browser.text()
    assert wrong not in page.text
    assert server.app.nimble.credentials.load(f"key/consent-{consent_id}") is None


def test_declining_at_nimble_and_a_code_nimble_refuses_have_their_pages(server: HostedServer) -> None:
    client = _client(server)
    with FormBrowser(at_nimble="&sandbox_consent=deny") as person:
        person.open(authorize_url(server.url, client["client_id"], pkce_pair()[1]))
        page = person.submit("/nimble")
        assert page.status_code == 403 and "Access was denied" in person.text()

    with FormBrowser() as person:
        person.open(authorize_url(server.url, client["client_id"], pkce_pair()[1]))
        at_nimble = person.submit("/nimble", stop_at=server.sandbox_url)
        state = query_of(at_nimble.headers["location"])["state"]
        page = person.open(f"{server.url}/nimble/callback?code=made-up&state={state}")
        assert page.status_code == 400 and "Nimble refused" in person.text()


# --- secrets ------------------------------------------------------------------------------------


def test_secrets_never_reach_logs_or_pages_and_the_store_holds_none(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with hosted_server(tmp_path) as running, FormBrowser() as person:
        client = _client(running)
        key = running.sandbox.personal_api_key(SAM)
        verifier, challenge = pkce_pair()
        person.open(authorize_url(running.url, client["client_id"], challenge))
        person.submit("/key", data={"api_key": "sandbox-key-wrong-wrong-wrong-01"})
        code = _code(running, person, client, challenge)
        tokens = exchange(running.url, client, code, verifier).json()
        with FormBrowser() as admin:  # and one person who signs in with Nimble
            admin.open(authorize_url(running.url, client["client_id"], challenge))
            admin.submit("/nimble")
            admin.submit("/decision", button="Allow", stop_at=REDIRECT_URI)
            pages = [p.text for p in person.pages + admin.pages]
        refreshed = httpx.post(
            f"{running.url}/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
            },
        ).json()
        nimble_tokens = list(running.sandbox.state.tokens) + list(running.sandbox.state.oauth["refresh_tokens"])
        secrets = [
            key,
            "sandbox-key-wrong-wrong-wrong-01",
            code,
            tokens["access_token"],
            tokens["refresh_token"],
            refreshed["access_token"],
            refreshed["refresh_token"],
            client["client_secret"],
            *nimble_tokens,
        ]
        assert len(nimble_tokens) >= 2
        # What the server logged (uvicorn's thread and its worker threads); the test's own HTTP client,
        # in the main thread, logs the redirects it follows, codes included.
        logged = "\n".join(r.getMessage() for r in caplog.records if r.threadName != "MainThread")
        assert "HTTP Request: POST" in logged  # the server's own calls to Nimble are in there
        for secret in secrets:
            assert secret not in logged
            assert not any(secret in page for page in pages)

        store_dir = Path(running.settings.store).parent
        raw = b"".join(p.read_bytes() for p in store_dir.rglob("*") if p.is_file())
        for secret in secrets:
            assert secret.encode() not in raw
        assert hashlib.sha256(refreshed["access_token"].encode()).hexdigest().encode() in raw  # stored as a hash

        assert stat.S_IMODE(os.stat(store_dir).st_mode) == 0o700
        files = [p for p in store_dir.rglob("*") if p.is_file()]
        assert any(p.name.endswith("-wal") for p in files)
        for path in files:
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{path} is readable by others"


def test_access_log_lines_lose_their_query_strings() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', None, None)
    record.args = ("127.0.0.1:5000", "GET", "/nimble/callback?code=SECRET-CODE&state=S", "1.1", 303)
    assert RedactQueryFilter().filter(record)
    assert "SECRET-CODE" not in record.getMessage() and "/nimble/callback?…" in record.getMessage()


def test_consent_pages_allow_no_script_no_framing_and_no_caching(server: HostedServer, browser: FormBrowser) -> None:
    client = _client(server)
    page = browser.open(authorize_url(server.url, client["client_id"], pkce_pair()[1]))
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "script" not in policy
    assert "<script" not in page.text
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_the_mcp_endpoint_answers_only_requests_for_its_own_host(server: HostedServer) -> None:
    from nimble_tools_hosted.testing import connect

    token = connect(server.url, api_key=server.sandbox.personal_api_key(SAM))["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.post(server.mcp_url, json=PING, headers=bearer).status_code == 200
    rebinding = httpx.post(server.mcp_url, json=PING, headers={**bearer, "host": "attacker.example"})
    assert rebinding.status_code in (400, 421)  # DNS rebinding: a page on another name cannot reach it
