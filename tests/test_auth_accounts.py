"""Connected accounts: chosen by the application per call, never part of what a model sees or fills in."""

from __future__ import annotations

import httpx
import pytest
from auth_support import oauth_world

from nimble_tools import (
    AuthenticationError,
    ConfigurationError,
    InvalidArgumentsError,
    NimbleToolkit,
    Secret,
    hookimpl,
)
from nimble_tools.auth import ApiKeyAccounts
from nimble_tools.sandbox import SANDBOX_BASE_URL, Sandbox


def keyed_toolkit(auth: ApiKeyAccounts) -> tuple[NimbleToolkit, list[str]]:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={"user_id": "u", "name": "n"})

    transport = httpx.MockTransport(handler)
    toolkit = NimbleToolkit(auth=auth, base_url="https://nimble.test", transport=transport, async_transport=transport)
    return toolkit, seen


def test_api_key_per_account() -> None:
    toolkit, seen = keyed_toolkit(ApiKeyAccounts({"acme": "key-acme", "globex": Secret("key-globex")}))
    toolkit.call("list_all_nimble_me", account="acme")
    toolkit.call("list_all_nimble_me", account="globex")
    assert seen == ["Bearer key-acme", "Bearer key-globex"]


def test_api_keys_can_be_looked_up_and_defaulted() -> None:
    lookups: list[str] = []

    def lookup(account: str) -> str | None:
        lookups.append(account)
        return {"t1": "key-1"}.get(account)

    toolkit, seen = keyed_toolkit(ApiKeyAccounts(lookup, default="t1"))
    toolkit.call("list_all_nimble_me")
    assert seen == ["Bearer key-1"] and lookups == ["t1"]
    with pytest.raises(ConfigurationError, match="No Nimble API key is configured for account 't2'"):
        toolkit.call("list_all_nimble_me", account="t2")
    assert len(seen) == 1  # nothing was sent


def test_a_call_without_an_account_is_refused_when_there_is_no_default() -> None:
    toolkit, seen = keyed_toolkit(ApiKeyAccounts({"acme": "key-acme"}))
    with pytest.raises(ConfigurationError, match=r"pass account=\.\.\. to toolkit\.call"):
        toolkit.call("list_all_nimble_me")
    assert seen == []


def test_api_key_accounts_repr_shows_no_key() -> None:
    auth = ApiKeyAccounts({"acme": "key-acme"}, default="acme")
    assert repr(auth) == "ApiKeyAccounts(1 accounts, default='acme')"


def test_a_refused_api_key_is_final() -> None:
    box = Sandbox(seed=False)
    transport = box.transport()
    toolkit = NimbleToolkit(
        auth=ApiKeyAccounts({"good": box.api_key, "bad": "wrong-key"}), base_url=SANDBOX_BASE_URL, transport=transport
    )
    assert toolkit.call("list_all_nimble_me", account="good").result["user_id"] == box.state.me_id
    with pytest.raises(AuthenticationError):
        toolkit.call("list_all_nimble_me", account="bad")


@pytest.mark.anyio
async def test_api_key_accounts_async() -> None:
    toolkit, seen = keyed_toolkit(ApiKeyAccounts({"acme": "key-acme"}))
    await toolkit.acall("list_all_nimble_me", account="acme")
    assert seen == ["Bearer key-acme"]


# --- the account is the application's choice, never the model's ------------------------------


def test_no_operation_lets_a_model_choose_the_account() -> None:
    toolkit = NimbleToolkit.sandbox(seed=False)
    for operation in toolkit.operations.values():
        schema = operation.parameters_json_schema()
        assert "account" not in schema.get("properties", {}), operation.name


def test_an_account_smuggled_into_the_arguments_is_refused() -> None:
    world = oauth_world()
    world.connect("alice")
    world.connect("bob", user="sam@sandbox.example")
    with pytest.raises(InvalidArgumentsError, match="account"):
        world.toolkit.call("list_all_nimble_me", {"account": "bob"}, account="alice")
    assert world.transport.api_calls == 0


def test_hooks_see_the_account_the_application_chose() -> None:
    world = oauth_world()
    world.connect("alice")
    seen: list[str | None] = []

    class Spy:
        @hookimpl
        def before_call(self, context: object) -> None:
            seen.append(context.account)  # type: ignore[attr-defined]

    world.toolkit.register_plugin(Spy(), name="spy")
    world.toolkit.call("list_all_nimble_me", account="alice")
    assert seen == ["alice"]
