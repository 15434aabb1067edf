"""The OAuth provider end to end against the sandbox: connect, call, expire, refresh, refuse, reconnect."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from auth_support import START, OAuthWorld, oauth_world

from nimble_tools import AuthenticationError, ConfigurationError, ConnectError, NimbleToolkit
from nimble_tools.auth import (
    DEFAULT_ACCOUNT,
    AuthorizationRequest,
    MemoryTokenStore,
    OAuthApp,
    OAuthError,
    OAuthProvider,
    OAuthStateError,
    ReauthorizationRequiredError,
    TokenSet,
)
from nimble_tools.sandbox import DEFAULT_OAUTH_CLIENT_ID, SANDBOX_BASE_URL, approve, revoke_grants


@pytest.fixture
def world() -> OAuthWorld:
    return oauth_world()


def me(world: OAuthWorld, account: str | None = "alice") -> str:
    return str(world.toolkit.call("list_all_nimble_me", account=account).result["email"])


# --- connecting -----------------------------------------------------------------------------


def test_authorize_url_carries_client_scopes_redirect_and_a_random_state(world: OAuthWorld) -> None:
    first = world.provider.begin_authorization("alice")
    second = world.provider.begin_authorization("alice")
    assert isinstance(first, AuthorizationRequest)
    parts = urlsplit(first.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{SANDBOX_BASE_URL}/oauth/authorize"
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "client_id": DEFAULT_OAUTH_CLIENT_ID,
        "redirect_uri": "http://127.0.0.1/callback",
        "response_type": "code",
        "scope": "basic,contacts,deals",
        "state": first.state,
    }
    assert len(first.state) >= 40
    assert first.state != second.state
    assert first.account == "alice"
    assert first.expires_at == START + 600


def test_full_flow_connects_and_calls(world: OAuthWorld) -> None:
    request = world.provider.begin_authorization("alice")
    connection = world.provider.complete_authorization(approve(world.sandbox, request.url))
    assert connection.account == "alice"
    assert connection.scope == ("basic", "contacts", "deals")
    assert connection.expires_at == START + 599
    assert connection.refreshable
    assert me(world) == "admin@sandbox.example"
    assert world.provider.accounts() == ["alice"]


def test_callback_may_be_a_query_string_or_a_mapping(world: OAuthWorld) -> None:
    request = world.provider.begin_authorization("alice")
    callback = approve(world.sandbox, request.url)
    world.provider.complete_authorization(urlsplit(callback).query)
    request = world.provider.begin_authorization("bob")
    params = parse_qs(urlsplit(approve(world.sandbox, request.url)).query)
    world.provider.complete_authorization(params)  # lists, as some web frameworks give them
    assert world.provider.accounts() == ["alice", "bob"]


async def _acomplete(world: OAuthWorld) -> str:
    request = world.provider.begin_authorization("alice")
    connection = await world.provider.acomplete_authorization(approve(world.sandbox, request.url))
    result = await world.toolkit.acall("list_all_nimble_me", account="alice")
    return f"{connection.account}:{result.result['email']}"


@pytest.mark.anyio
async def test_async_flow(world: OAuthWorld) -> None:
    assert await _acomplete(world) == "alice:admin@sandbox.example"


def test_connected_accounts_are_separate_nimble_users(world: OAuthWorld) -> None:
    world.connect("alice")
    world.connect("bob", user="sam@sandbox.example")
    assert me(world, "alice") == "admin@sandbox.example"
    assert me(world, "bob") == "sam@sandbox.example"
    world.provider.disconnect("bob")
    assert world.provider.connection("bob") is None
    assert me(world, "alice") == "admin@sandbox.example"


def test_calls_without_an_account_use_the_default_one(world: OAuthWorld) -> None:
    world.connect(DEFAULT_ACCOUNT)
    assert me(world, None) == "admin@sandbox.example"


def test_an_account_that_is_not_connected_gets_a_reauthorization_error_and_no_request(world: OAuthWorld) -> None:
    world.connect("alice")
    before = world.transport.api_calls
    with pytest.raises(ReauthorizationRequiredError) as caught:
        me(world, "carol")
    assert world.transport.api_calls == before
    error = caught.value
    assert error.account == "carol"
    assert error.error == "not_connected"
    assert "carol" in error.message
    assert error.authorize_url not in error.for_model()
    # The URL in the error is a live authorization for that account.
    world.provider.complete_authorization(approve(world.sandbox, error.authorize_url))
    assert me(world, "carol") == "admin@sandbox.example"


def test_account_names_must_be_strings(world: OAuthWorld) -> None:
    with pytest.raises(ConfigurationError, match="non-empty string"):
        world.provider.headers("  ")


# --- state checks ---------------------------------------------------------------------------


def _callback_with_state(world: OAuthWorld, state: str) -> str:
    request = world.provider.begin_authorization("alice")
    callback = approve(world.sandbox, request.url)
    query = {k: v[-1] for k, v in parse_qs(urlsplit(callback).query).items()}
    query["state"] = state
    return f"http://127.0.0.1/callback?{urlencode(query)}"


@pytest.mark.parametrize("state", ["forged-state", ""], ids=["forged", "missing"])
def test_state_mismatch_is_refused_before_any_request(world: OAuthWorld, state: str) -> None:
    callback = _callback_with_state(world, state)
    before = world.transport.token_calls
    with pytest.raises(OAuthStateError, match="matches no pending authorization"):
        world.provider.complete_authorization(callback)
    assert world.transport.token_calls == before
    assert world.provider.accounts() == []


def test_a_state_is_spent_by_its_first_callback(world: OAuthWorld) -> None:
    request = world.provider.begin_authorization("alice")
    callback = approve(world.sandbox, request.url)
    world.provider.complete_authorization(callback)
    with pytest.raises(OAuthStateError):
        world.provider.complete_authorization(callback)


def test_a_late_callback_is_refused(world: OAuthWorld) -> None:
    request = world.provider.begin_authorization("alice")
    callback = approve(world.sandbox, request.url)
    world.clock.advance(601)
    with pytest.raises(OAuthStateError, match="expired"):
        world.provider.complete_authorization(callback)


def test_callback_can_be_bound_to_the_expected_account(world: OAuthWorld) -> None:
    request = world.provider.begin_authorization("mallory")
    callback = approve(world.sandbox, request.url)
    with pytest.raises(OAuthStateError, match="another account"):
        world.provider.complete_authorization(callback, account="alice")
    assert world.provider.accounts() == []


def test_denied_consent_raises_oauth_error(world: OAuthWorld) -> None:
    request = world.provider.begin_authorization("alice")
    with pytest.raises(OAuthError) as caught:
        world.provider.complete_authorization(approve(world.sandbox, request.url, deny=True))
    assert caught.value.error == "access_denied"
    assert "User denied access" in caught.value.message
    assert not isinstance(caught.value, OAuthStateError)


def test_a_refused_code_raises_oauth_error(world: OAuthWorld) -> None:
    request = world.provider.begin_authorization("alice")
    callback = approve(world.sandbox, request.url)
    world.clock.advance(120)  # the code (60 s) expires, the pending state (600 s) does not
    with pytest.raises(OAuthError) as caught:
        world.provider.complete_authorization(callback)
    assert caught.value.error == "invalid_grant"
    assert caught.value.status_code == 400


# --- expiry and refresh ---------------------------------------------------------------------


def test_token_is_refreshed_ahead_of_expiry_with_the_margin(world: OAuthWorld) -> None:
    world.connect("alice")
    world.clock.advance(599 - 61)  # 61 s left: outside the 60 s margin
    me(world)
    assert world.refresh_grants() == 0
    world.clock.advance(2)  # 59 s left: inside it
    me(world)
    assert world.refresh_grants() == 1
    connection = world.provider.connection("alice")
    assert connection is not None and connection.expires_at == world.clock.now + 599


def test_expired_token_is_refreshed_and_the_call_succeeds(world: OAuthWorld) -> None:
    world.connect("alice")
    world.clock.advance(3600)
    assert me(world) == "admin@sandbox.example"
    assert world.refresh_grants() == 1
    world.clock.advance(3600)
    assert me(world) == "admin@sandbox.example"
    assert world.refresh_grants() == 2


def test_the_newest_refresh_token_is_stored(world: OAuthWorld) -> None:
    world.connect("alice")
    first = world.store.load("alice")
    world.clock.advance(3600)
    me(world)
    second = world.store.load("alice")
    assert first is not None and second is not None and first.refresh_token is not None
    assert second.refresh_token != first.refresh_token
    # The sandbox rotated it: the old one is dead, only the stored one works.
    refresh_tokens = world.sandbox.state.oauth["refresh_tokens"]
    assert first.refresh_token.reveal() not in refresh_tokens
    assert second.refresh_token is not None and second.refresh_token.reveal() in refresh_tokens


def test_a_403_triggers_one_refresh_and_a_retry(world: OAuthWorld) -> None:
    world.connect("alice")
    world.sandbox.state.tokens.clear()  # Nimble dropped the access token early; the refresh token lives
    calls = world.transport.api_calls
    assert me(world) == "admin@sandbox.example"
    assert world.refresh_grants() == 1
    assert world.transport.api_calls == calls + 2  # the refused call and its retry


@pytest.mark.anyio
async def test_a_403_triggers_one_refresh_and_a_retry_async(world: OAuthWorld) -> None:
    world.connect("alice")
    world.sandbox.state.tokens.clear()
    result = await world.toolkit.acall("list_all_nimble_me", account="alice")
    assert result.result["email"] == "admin@sandbox.example"
    assert world.refresh_grants() == 1


def test_refused_refresh_raises_reauthorization_with_a_working_url(world: OAuthWorld) -> None:
    world.connect("alice")
    revoke_grants(world.sandbox.state)
    world.clock.advance(3600)
    with pytest.raises(ReauthorizationRequiredError) as caught:
        me(world)
    error = caught.value
    assert isinstance(error, AuthenticationError)  # code catching the core error still works
    assert error.account == "alice"
    assert error.error == "invalid_grant"
    assert error.status_code == 400
    assert "authorise the app again" in error.message
    assert error.authorize_url.startswith(f"{SANDBOX_BASE_URL}/oauth/authorize?")
    assert world.provider.connection("alice") is None  # the dead tokens are forgotten
    # The next call fails at once, without another refresh attempt.
    token_calls = world.transport.token_calls
    with pytest.raises(ReauthorizationRequiredError):
        me(world)
    assert world.transport.token_calls == token_calls
    # Reconnecting through the error's URL repairs the account.
    world.provider.complete_authorization(approve(world.sandbox, error.authorize_url))
    assert me(world) == "admin@sandbox.example"


def test_refused_refresh_after_a_403(world: OAuthWorld) -> None:
    world.connect("alice")
    revoke_grants(world.sandbox.state)  # the token is still "fresh" locally: the 403 path finds out
    with pytest.raises(ReauthorizationRequiredError) as caught:
        me(world)
    assert caught.value.error == "invalid_grant"
    assert world.refresh_grants() == 0


@pytest.mark.anyio
async def test_refused_refresh_async(world: OAuthWorld) -> None:
    world.connect("alice")
    revoke_grants(world.sandbox.state)
    world.clock.advance(3600)
    with pytest.raises(ReauthorizationRequiredError):
        await world.toolkit.acall("list_all_nimble_me", account="alice")


def test_refresh_ahead_of_expiry_survives_a_network_failure(world: OAuthWorld) -> None:
    world.connect("alice")
    world.clock.advance(560)  # 39 s left: a refresh is due but the token still works
    world.transport.token_endpoint_down = True
    assert me(world) == "admin@sandbox.example"  # served with the current token
    assert world.transport.token_calls == 2  # the code exchange and the failed refresh
    assert world.refresh_grants() == 0
    world.transport.token_endpoint_down = False
    world.clock.advance(5)  # past the cooldown after a failed refresh-ahead
    assert me(world) == "admin@sandbox.example"
    assert world.refresh_grants() == 1


def test_a_failed_refresh_ahead_is_not_retried_at_once(world: OAuthWorld) -> None:
    world.connect("alice")
    world.clock.advance(560)
    world.transport.token_endpoint_down = True
    me(world)
    me(world)  # within the cooldown: no second attempt, the current token is used
    assert world.transport.token_calls == 2
    world.clock.advance(5)
    me(world)  # the cooldown is over: tried again
    assert world.transport.token_calls == 3
    world.transport.token_endpoint_down = False
    world.clock.advance(5)
    me(world)
    assert world.refresh_grants() == 1


def test_a_wrong_client_secret_keeps_every_accounts_tokens(world: OAuthWorld) -> None:
    world.connect("alice")
    misconfigured = OAuthProvider(
        OAuthApp(DEFAULT_OAUTH_CLIENT_ID, "a-rotated-secret", "http://127.0.0.1/callback", base_url=SANDBOX_BASE_URL),
        world.store,
        transport=world.transport,
        clock=world.clock,
    )
    toolkit = NimbleToolkit(auth=misconfigured, base_url=SANDBOX_BASE_URL, transport=world.transport)
    world.clock.advance(3600)
    with pytest.raises(OAuthError) as caught:
        toolkit.call("list_all_nimble_me", account="alice")
    assert caught.value.error == "invalid_client"
    assert not isinstance(caught.value, ReauthorizationRequiredError)  # reconnecting would not help
    assert world.store.load("alice") is not None
    assert me(world) == "admin@sandbox.example"  # the correctly configured provider still refreshes


def test_network_failure_after_expiry_raises_and_keeps_the_tokens(world: OAuthWorld) -> None:
    world.connect("alice")
    world.clock.advance(3600)
    world.transport.token_endpoint_down = True
    api_calls = world.transport.api_calls
    with pytest.raises(ConnectError) as caught:
        me(world)
    assert caught.value.path == "/api/oauth/token"
    assert world.transport.api_calls == api_calls  # an expired token is not sent
    assert world.store.load("alice") is not None
    world.transport.token_endpoint_down = False
    assert me(world) == "admin@sandbox.example"


def test_tokens_without_a_refresh_token_need_reauthorization_at_expiry(world: OAuthWorld) -> None:
    world.provider.connect("legacy", TokenSet(access_token=_secret("x"), refresh_token=None, expires_at=START + 30))
    with pytest.raises(ReauthorizationRequiredError, match="no refresh token"):
        world.provider.headers("legacy")


def test_tokens_from_another_process_are_picked_up(world: OAuthWorld) -> None:
    """A provider that shares the store with one that refreshed uses the stored tokens, without refreshing."""
    world.connect("alice")
    other = OAuthProvider.for_sandbox(world.sandbox, world.store)
    other.headers("alice")  # caches the current tokens
    world.clock.advance(3600)
    me(world)  # the first provider refreshes
    assert world.refresh_grants() == 1
    other.headers("alice")
    assert world.refresh_grants() == 1
    assert other.headers("alice") == world.provider.headers("alice")


def test_toolkit_accepts_the_provider_and_reprs_stay_short(world: OAuthWorld) -> None:
    provider = OAuthProvider(OAuthApp.for_sandbox(), MemoryTokenStore())
    toolkit = NimbleToolkit(auth=provider, base_url=SANDBOX_BASE_URL)
    assert repr(provider) == "OAuthProvider(client_id='sandbox-oauth-client', store=MemoryTokenStore(accounts=0))"
    assert toolkit.client.auth is provider


def _secret(value: str) -> object:
    from nimble_tools import Secret

    return Secret(value)
