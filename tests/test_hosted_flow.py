"""The hosted server end to end, with the official MCP client SDK authorising itself.

Discovery from a bare 401, dynamic registration, PKCE authorization through the consent pages,
tokens, tools/list, calls that read the person's own sandbox account, refresh, revocation; two
people at once; scopes chosen at consent; confirmation of deletes through elicitation.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from click.testing import CliRunner
from hosted_support import (
    ADMIN,
    REDIRECT_URI,
    SAM,
    FormBrowser,
    HostedServer,
    MemoryTokens,
    consent_with_key,
    consent_with_nimble,
    hosted_server,
    mcp_client,
    oauth_provider,
)
from mcp import types
from mcp.shared.exceptions import MCPError

from nimble_tools.cli import main as cli

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostedServer]:
    with hosted_server(tmp_path_factory.mktemp("hosted")) as running:
        yield running


def _me(result: types.CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    structured = result.structured_content
    assert structured is not None
    me: dict[str, Any] = structured["result"]
    return me


async def _connect(server: HostedServer, *, key_of: str | None = None, hint: str | None = None) -> MemoryTokens:
    """Authorise a fresh MCP client (SDK OAuth) as one person; returns its token storage."""
    browser = FormBrowser(login_hint=hint)
    storage = MemoryTokens()
    with browser:
        return await _authorise(server, browser, storage, key_of)


async def _authorise(
    server: HostedServer, browser: FormBrowser, storage: MemoryTokens, key_of: str | None
) -> MemoryTokens:
    if key_of is not None:
        key = server.sandbox.personal_api_key(key_of)
        consent = lambda url: consent_with_key(browser, url, key, REDIRECT_URI)  # noqa: E731
    else:
        consent = lambda url: consent_with_nimble(browser, url, REDIRECT_URI)  # noqa: E731
    async with mcp_client(server.mcp_url, auth=oauth_provider(server.mcp_url, consent, storage)) as client:
        await client.list_tools()
    return storage


def _bearer(storage: MemoryTokens) -> dict[str, str]:
    assert storage.tokens is not None
    return {"Authorization": f"Bearer {storage.tokens.access_token}"}


async def test_bare_401_points_at_the_resource_metadata(server: HostedServer) -> None:
    async with httpx.AsyncClient() as http:
        answer = await http.post(server.mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert answer.status_code == 401
        challenge = answer.headers["www-authenticate"]
        assert challenge.startswith("Bearer ")
        metadata_url = challenge.split('resource_metadata="')[1].split('"')[0]
        assert metadata_url == f"{server.url}/.well-known/oauth-protected-resource/mcp"
        resource = (await http.get(metadata_url)).json()
        assert resource["resource"] == server.mcp_url
        assert resource["scopes_supported"] == ["nimble:read", "nimble:write", "nimble:delete"]
        bare = (await http.get(f"{server.url}/.well-known/oauth-protected-resource")).json()
        assert bare == resource
        issuer = resource["authorization_servers"][0]
        metadata = (await http.get(f"{issuer}/.well-known/oauth-authorization-server")).json()
    assert metadata["issuer"] == server.url
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["registration_endpoint"] == f"{server.url}/register"
    assert metadata["revocation_endpoint"] == f"{server.url}/revoke"
    assert set(metadata["grant_types_supported"]) == {"authorization_code", "refresh_token"}


async def test_sdk_client_connects_lists_and_reads_its_own_account_then_refreshes(
    server: HostedServer, request: pytest.FixtureRequest
) -> None:
    browser = FormBrowser()
    request.addfinalizer(browser.close)
    storage = MemoryTokens()
    key = server.sandbox.personal_api_key(SAM)
    seen: list[str] = []

    def consent(url: str) -> str:
        seen.append(url)
        return consent_with_key(browser, url, key, REDIRECT_URI)

    async with mcp_client(server.mcp_url, auth=oauth_provider(server.mcp_url, consent, storage)) as client:
        tools = (await client.list_tools()).tools
        me = _me(await client.call_tool("list_all_nimble_me", {}))
    assert len(seen) == 1
    assert "code_challenge_method=S256" in seen[0] and "resource=" in seen[0]
    assert len(tools) > 90 and "create_a_nimble_contact" in {t.name for t in tools}
    assert me["email"] == SAM and me["name"] == "Sam Seller"
    assert storage.tokens is not None and storage.tokens.refresh_token is not None
    assert storage.tokens.scope == "nimble:read nimble:write nimble:delete"
    first = storage.tokens

    # A later session, once the access token has expired in the client's eyes: the SDK refreshes it,
    # and the refresh rotates both tokens.
    again = oauth_provider(server.mcp_url, lambda url: pytest.fail("no new consent is needed"), storage)
    again.context.token_expiry_time = time.time() - 1
    async with mcp_client(server.mcp_url, auth=again) as client:
        assert _me(await client.call_tool("list_all_nimble_me", {}))["email"] == SAM
    assert storage.tokens.access_token != first.access_token
    assert storage.tokens.refresh_token != first.refresh_token
    # The old access token still works until it expires; the old refresh token is spent.
    async with httpx.AsyncClient() as http:
        assert storage.client_info is not None
        replay = await http.post(
            f"{server.url}/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": first.refresh_token or "",
                "client_id": storage.client_info.client_id or "",
                "client_secret": storage.client_info.client_secret or "",
            },
        )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # Presenting the rotated refresh token again counts as theft: the whole grant is revoked.
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            server.mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers=_bearer(storage)
        )
    assert answer.status_code == 401


async def test_two_people_at_once_each_act_as_themselves(server: HostedServer) -> None:
    admin = await _connect(server)  # signs in with Nimble (the sandbox's OAuth; the owner)
    sam = await _connect(server, key_of=SAM)  # pastes a personal API key

    async def me_many(storage: MemoryTokens, count: int) -> list[str]:
        async with mcp_client(server.mcp_url, headers=_bearer(storage)) as client:
            answers = await asyncio.gather(*(client.call_tool("list_all_nimble_me", {}) for _ in range(count)))
        return [_me(a)["email"] for a in answers]

    admin_seen, sam_seen = await asyncio.gather(me_many(admin, 12), me_many(sam, 12))
    assert set(admin_seen) == {ADMIN} and set(sam_seen) == {SAM}

    # A contact only its owner may edit: Sam's token cannot change it, Admin's can.
    admin_id = _me_id(server, ADMIN)
    async with mcp_client(server.mcp_url, headers=_bearer(admin)) as client:
        created = await client.call_tool(
            "create_a_nimble_contact",
            {
                "fields": {"first_name": "Private", "last_name": "Lead"},
                "owner_id": admin_id,
                "privacy": {"read": {"group_ids": [], "user_ids": []}, "edit": {"group_ids": [], "user_ids": []}},
            },
        )
        assert not created.is_error, created.content
        contact_id = created.structured_content["result"]["id"]  # type: ignore[index]
    change = {"id": contact_id, "fields": {"last_name": "Changed"}}
    async with mcp_client(server.mcp_url, headers=_bearer(sam)) as client:
        refused = await client.call_tool("update_a_nimble_contact_by_id", change)
    assert refused.is_error and "permission to edit this contact" in refused.content[0].text  # type: ignore[union-attr]
    async with mcp_client(server.mcp_url, headers=_bearer(admin)) as client:
        allowed = await client.call_tool("update_a_nimble_contact_by_id", change)
    assert not allowed.is_error, allowed.content


def _me_id(server: HostedServer, email: str) -> str:
    return next(u["user_id"] for u in server.sandbox.state.users.values() if u["email"] == email)


async def test_scopes_chosen_at_consent_limit_the_tools(server: HostedServer, request: pytest.FixtureRequest) -> None:
    browser = FormBrowser()
    request.addfinalizer(browser.close)
    storage = MemoryTokens()
    key = server.sandbox.personal_api_key(SAM)

    def read_only_consent(url: str) -> str:
        browser.open(url)
        browser.submit("/key", data={"api_key": key})
        assert "Allow Test agent to use Nimble as Sam Seller (sam@sandbox.example)?" in browser.text()
        answer = browser.submit(
            "/decision", button="Allow", uncheck=("nimble:write", "nimble:delete"), stop_at=REDIRECT_URI
        )
        return str(answer.headers["location"])

    async with mcp_client(server.mcp_url, auth=oauth_provider(server.mcp_url, read_only_consent, storage)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        with pytest.raises(MCPError, match="Unknown tool 'create_a_nimble_contact'"):
            await client.call_tool("create_a_nimble_contact", {"fields": {"first_name": "No"}})
    assert storage.tokens is not None and storage.tokens.scope == "nimble:read"
    assert "list_all_nimble_contacts" in names and "list_all_nimble_me" in names
    assert "create_a_nimble_contact" not in names and "delete_a_nimble_contact_by_id" not in names


async def test_deletes_are_confirmed_with_the_person_through_elicitation(server: HostedServer) -> None:
    sam = await _connect(server, key_of=SAM)
    asked: list[str] = []

    async def elicit(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"approve": True})

    async with (
        httpx2.AsyncClient(headers=_bearer(sam), timeout=30) as http,
        _client_with_elicitation(server.mcp_url, http, elicit) as client,
    ):
        made = await client.call_tool("create_a_nimble_contact", {"fields": {"first_name": "Temp", "last_name": "Del"}})
        contact_id = made.structured_content["result"]["id"]  # type: ignore[index]
        deleted = await client.call_tool("delete_a_nimble_contact_by_id", {"id": contact_id})
    assert not deleted.is_error, deleted.content
    assert len(asked) == 1 and contact_id in asked[0]
    assert contact_id not in server.sandbox.state.table("contacts")


def _client_with_elicitation(url: str, http: httpx2.AsyncClient, elicit: Any) -> Any:
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    return Client(streamable_http_client(url, http_client=http), elicitation_callback=elicit)


async def test_revocation_cuts_a_person_off_and_the_revoke_endpoint_ends_a_grant(server: HostedServer) -> None:
    admin = await _connect(server)
    sam = await _connect(server, key_of=SAM)
    runner = CliRunner()
    listed = runner.invoke(cli, ["serve", "people", "--store", server.settings.store, "--json"])
    assert listed.exit_code == 0, listed.output
    emails = {p["email"] for p in json.loads(listed.output)["people"]}
    assert {ADMIN, SAM} <= emails

    revoked = runner.invoke(cli, ["serve", "revoke", SAM, "--store", server.settings.store, "--json"])
    assert revoked.exit_code == 0, revoked.output
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    async with httpx.AsyncClient() as http:
        assert (await http.post(server.mcp_url, json=ping, headers=_bearer(sam))).status_code == 401
        # Revoking one person leaves the others alone.
        async with mcp_client(server.mcp_url, headers=_bearer(admin)) as client:
            assert _me(await client.call_tool("list_all_nimble_me", {}))["email"] == ADMIN
        # RFC 7009: the client revokes its own token; access and refresh die together.
        assert admin.client_info is not None and admin.tokens is not None
        answer = await http.post(
            f"{server.url}/revoke",
            data={
                "token": admin.tokens.refresh_token or "",
                "client_id": admin.client_info.client_id or "",
                "client_secret": admin.client_info.client_secret or "",
            },
        )
        assert answer.status_code == 200
        assert (await http.post(server.mcp_url, json=ping, headers=_bearer(admin))).status_code == 401

    unknown = runner.invoke(cli, ["serve", "revoke", "nobody@nowhere.example", "--store", server.settings.store])
    assert unknown.exit_code == 1 and "No connected person" in unknown.output


async def test_a_person_revoked_then_reconnecting_gets_a_working_token(server: HostedServer) -> None:
    sam = await _connect(server, key_of=SAM)
    server.app.people.revoke(server.app.people.id_for(_me_id(server, SAM)))
    again = await _connect(server, key_of=SAM)
    async with httpx.AsyncClient() as http:
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        assert (await http.post(server.mcp_url, json=ping, headers=_bearer(sam))).status_code == 401
    async with mcp_client(server.mcp_url, headers=_bearer(again)) as client:
        assert _me(await client.call_tool("list_all_nimble_me", {}))["email"] == SAM


async def test_tool_search_mode_offers_two_meta_tools_within_the_scopes(tmp_path: Path) -> None:
    with hosted_server(tmp_path, tool_search=True) as running:
        storage = await _connect(running, key_of=SAM)
        async with mcp_client(running.mcp_url, headers=_bearer(storage)) as client:
            names = [t.name for t in (await client.list_tools()).tools]
            found = await client.call_tool("call_nimble_tool", {"name": "list_all_nimble_me", "arguments": {}})
    assert names == ["search_nimble_tools", "call_nimble_tool"]
    assert not found.is_error and SAM in json.dumps(found.structured_content)


async def test_a_confirmation_token_from_one_worker_is_honoured_by_another(
    server: HostedServer, tmp_path: Path
) -> None:
    """A client that cannot elicit gets a preview and a token; the repeated call may land elsewhere."""
    import re

    sam = await _connect(server, key_of=SAM)
    # A second worker (here: a second app on the same store and public address).
    with hosted_server(
        tmp_path, store=server.app.store, sandbox=server.sandbox, sandbox_url=server.sandbox_url, public_url=server.url
    ) as other:
        async with mcp_client(server.mcp_url, headers=_bearer(sam)) as client:
            made = await client.call_tool(
                "create_a_nimble_contact", {"fields": {"first_name": "Held", "last_name": "Twice"}}
            )
            contact_id = made.structured_content["result"]["id"]  # type: ignore[index]
            held = await client.call_tool("delete_a_nimble_contact_by_id", {"id": contact_id})
        assert held.is_error and contact_id in server.sandbox.state.table("contacts")
        token = re.search(r"confirm_token='([^']+)'", held.content[0].text).group(1)  # type: ignore[union-attr]
        assert token not in json.dumps([r for _, r in server.app.store.scan("confirm:")])  # kept as a hash
        other_address = f"http://127.0.0.1:{other.settings.port}/mcp"
        assert other.settings.port != server.settings.port
        async with mcp_client(other_address, headers=_bearer(sam)) as client:
            done = await client.call_tool("delete_a_nimble_contact_by_id", {"id": contact_id, "confirm_token": token})
            again = await client.call_tool("delete_a_nimble_contact_by_id", {"id": contact_id, "confirm_token": token})
    assert not done.is_error, done.content
    assert contact_id not in server.sandbox.state.table("contacts")
    assert again.is_error  # spent once


async def test_metrics_of_every_call_for_prometheus_behind_a_scrape_token(tmp_path: Path) -> None:
    with hosted_server(tmp_path, metrics_token="scrape-secret-for-prometheus") as running:
        storage = await _connect(running, key_of=SAM)
        async with mcp_client(running.mcp_url, headers=_bearer(storage)) as client:
            _me(await client.call_tool("list_all_nimble_me", {}))
        async with httpx.AsyncClient() as http:
            refused = await http.get(f"{running.url}/metrics")
            scraped = await http.get(
                f"{running.url}/metrics", headers={"authorization": "Bearer scrape-secret-for-prometheus"}
            )
    assert refused.status_code == 401
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    calls = [line for line in scraped.text.splitlines() if line.startswith("nimble_tools_calls_total{")]
    assert any('gen_ai_tool_name="list_all_nimble_me"' in line and 'nimble_adapter="mcp"' in line for line in calls)
    assert SAM not in scraped.text and "scrape-secret" not in scraped.text  # no person, no secret in labels


async def test_without_a_scrape_token_there_is_no_metrics_endpoint(server: HostedServer) -> None:
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{server.url}/metrics")).status_code == 404
