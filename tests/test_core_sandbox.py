"""The sandbox's first slice: authentication, in-process and HTTP serving, contacts basics."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import httpx
import pytest

from nimble_tools import AuthenticationError, NimbleToolkit, NotFoundError, ValidationFailedError
from nimble_tools.sandbox import Sandbox

AUTH_FAILURE = {"message": "Can't authenticate request"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic sandbox-api-key"}, {"Authorization": "Bearer"}],
    ids=["missing", "wrong", "scheme", "empty"],
)
def test_bad_token_gets_nimbles_403(headers: dict[str, str]) -> None:
    box = Sandbox()
    with httpx.Client(transport=box.transport(), base_url="http://sandbox") as client:
        for path in ("/api/v1/myself", "/api/v1/no-such-route"):
            response = client.get(path, headers=headers)
            assert response.status_code == 403
            assert response.json() == AUTH_FAILURE


def test_api_key_is_not_accepted_as_query_parameter() -> None:
    box = Sandbox()
    with httpx.Client(transport=box.transport(), base_url="http://sandbox") as client:
        assert client.get("/api/v1/myself", params={"access_token": box.api_key}).status_code == 403


def test_toolkit_with_wrong_key_raises_authentication_error() -> None:
    box = Sandbox()
    toolkit = NimbleToolkit("wrong-key", transport=box.transport(), base_url="http://sandbox")
    with pytest.raises(AuthenticationError, match="Can't authenticate request"):
        toolkit.call("list_all_nimble_me")


def test_unknown_route_and_method() -> None:
    box = Sandbox()
    auth = {"Authorization": f"Bearer {box.api_key}"}
    with httpx.Client(transport=box.transport(), base_url="http://sandbox", headers=auth) as client:
        assert client.get("/api/v1/nothing").status_code == 404
        assert client.patch("/api/v1/myself").status_code == 405
        # a body that is not JSON is an invalid parameter: the spec's 409 (code 245); it lists no 400
        bad = client.post("/api/v1/contact", content=b"{oops", headers={"content-type": "application/json"})
        assert bad.status_code == 409 and bad.json()["code"] == 245


def test_served_over_real_http() -> None:
    box = Sandbox()
    with box.server(port=0) as server:
        toolkit = NimbleToolkit(box.api_key, base_url=server.base_url)
        assert toolkit.call("list_all_nimble_me").result["email"] == "admin@sandbox.example"
        created = toolkit.call(
            "create_a_nimble_contact", {"fields": {"last name": [{"value": "Über"}]}, "tags": "http"}
        ).result
        found = toolkit.call("list_all_nimble_contacts_search", {"query": {"tag": {"is": "http"}}}).result
        assert [c["id"] for c in found] == [created["id"]]
        with NimbleToolkit("bad", base_url=server.base_url) as bad, pytest.raises(AuthenticationError):
            bad.call("list_all_nimble_me")
        toolkit.close()


def test_cli_sandbox_serve_prints_url_and_key() -> None:
    exe = os.path.join(os.path.dirname(sys.executable), "nimble-tools")
    process = subprocess.Popen([exe, "sandbox", "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first, second = process.stdout.readline(), process.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+)", first)
        key = re.search(r"API key: (\S+)", second)
        assert url and key
        response = httpx.get(url.group(1) + "/api/v1/myself", headers={"Authorization": f"Bearer {key.group(1)}"})
        assert response.status_code == 200 and response.json()["user_id"]
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


# -- contacts, first slice ---------------------------------------------------------------------


def person(first: str, last: str, **fields: Any) -> dict[str, Any]:
    return {
        "record_type": "person",
        "fields": {"first name": [{"value": first}], "last name": [{"value": last}], **fields},
    }


def test_contact_lifecycle(toolkit: NimbleToolkit) -> None:
    created = toolkit.call(
        "create_a_nimble_contact", person("Kim", "Lee", email=[{"value": "kim@lee.example", "modifier": "work"}])
    ).result
    contact_id = created["id"]
    assert re.fullmatch(r"[0-9a-f]{24}", contact_id)
    assert created["fields"]["email"][0]["value"] == "kim@lee.example"
    fetched = toolkit.call("get_single_nimble_contact_by_id", {"id": contact_id}).result
    assert fetched["resources"][0]["id"] == contact_id
    updated = toolkit.call(
        "update_a_nimble_contact_by_id",
        {"id": contact_id, "fields": {"email": [{"value": "kim@home.example", "modifier": "personal"}]}},
    ).result
    assert {e["value"] for e in updated["fields"]["email"]} == {"kim@lee.example", "kim@home.example"}
    replaced = toolkit.call(
        "update_a_nimble_contact_by_id",
        {"id": contact_id, "replace": "1", "fields": {"email": [{"value": "only@lee.example", "modifier": "work"}]}},
    ).result
    assert [e["value"] for e in replaced["fields"]["email"]] == ["only@lee.example"]
    toolkit.call("delete_a_nimble_contact_by_id", {"id": contact_id})
    with pytest.raises(NotFoundError) as caught:
        toolkit.call("get_single_nimble_contact_by_id", {"id": contact_id})
    assert caught.value.body == {"object_type": "contact", "object_id": contact_id}


def test_contact_rules_are_checked_before_sending(toolkit: NimbleToolkit) -> None:
    before = toolkit.emulator.request_count  # type: ignore[union-attr]
    with pytest.raises(Exception, match="first name' or 'last name"):
        toolkit.call("create_a_nimble_contact", {"fields": {"email": [{"value": "a@b.c"}]}})
    with pytest.raises(Exception, match="company name"):
        toolkit.call("create_a_nimble_contact", {"record_type": "company", "fields": {"first name": [{"value": "x"}]}})
    assert toolkit.emulator.request_count == before  # type: ignore[union-attr]


def test_sandbox_validates_like_nimble(toolkit: NimbleToolkit) -> None:
    with pytest.raises(ValidationFailedError) as caught:
        toolkit.call("create_a_nimble_contact", person("A", "B", email=[{"value": "x", "modifier": "fax"}]))
    assert "email" in caught.value.field_errors
    with pytest.raises(ValidationFailedError, match="mutually exclusive"):
        toolkit.request("GET", "/api/v1/contacts", params={"keyword": "a", "query": '{"tag":{"is":"b"}}'})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"tag": {"is": "vip"}}, {"Ada Lovelace", "Jane Smith", "Analytical Engines"}),
        ({"names": {"contain": "zoe"}}, {"Zoë Durand"}),
        (
            {"and": [{"company_name": {"is": "acme corp"}}, {"record type": {"is": "person"}}]},
            {"Zoë Durand", "José Núñez"},
        ),
        (
            {"or": [{"last name": {"starts_with": "tur"}}, {"first name": {"is": "JOSE"}}]},
            {"Alan Turing", "José Núñez"},
        ),
        (
            {"and": [{"tag": {"is": "customer"}}, {"not": [{"record type": {"is": "company"}}]}]},
            {"Ada Lovelace", "Grace Hopper", "Jane Smith", "Lars Eriksson"},
        ),
    ],
)
def test_search_by_query(toolkit: NimbleToolkit, query: dict[str, Any], expected: set[str]) -> None:
    found = toolkit.call("list_all_nimble_contacts_search", {"query": query, "limit": 100}).result

    def name(c: dict[str, Any]) -> str:
        f = c["fields"]
        if "company name" in f:
            return str(f["company name"][0]["value"])
        return f"{f['first name'][0]['value']} {f['last name'][0]['value']}"

    assert {name(c) for c in found} == expected


def test_contact_ids_and_keyword(toolkit: NimbleToolkit) -> None:
    page = toolkit.call("nimble_contacts_contact_ids", {"keyword": "globex"})
    assert len(page.result) == 3 and all(isinstance(i, str) for i in page.result)
