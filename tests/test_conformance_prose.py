"""Every example in the spec's prose, replayed against the sandbox: the answer has the example's shape.

The examples are parsed out of the spec's markdown (``prose_examples``), never copied here. Each one
is replayed: a request example is sent as written (with the sandbox's ids and credentials in place
of the example's), and the answer is compared by shape (keys, types, nesting, timestamp and id
formats) with the example that shows it. Every example is either replayed or named in
:data:`NOT_REPLAYED` with the reason, so a new example in a newer spec fails here until someone
looks at it. Where the sandbox answers differently on purpose, :data:`DEVIATIONS` lists the exact
difference, and nimble_tools/sandbox/README.md (a page of the docs site) says why (a test checks that it does).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from prose_examples import ProseExample, ShapeRules, prose_examples, prose_table, shape_problems
from spec_support import schema_errors, spec_operation

from nimble_tools.sandbox import (
    DEFAULT_OAUTH_CLIENT_ID,
    DEFAULT_OAUTH_CLIENT_SECRET,
    SANDBOX_BASE_URL,
    FaultPlan,
    Sandbox,
    approve,
)

SANDBOX_DOCS = Path(__file__).parents[1] / "nimble_tools" / "sandbox" / "README.md"
REDIRECT_URI = "http://127.0.0.1:8976/callback"  # the sandbox's default OAuth client takes any loopback URI

CONTACT_EXAMPLE = "tag Contacts / Contact resources #1"
VALIDATION_EXAMPLE = "tag Handling Errors / Validation Error #1"

# How to read the contact example when the answer is about other data than the example's: field
# names are data, and the prose says which parts may be empty ("Information about last outbound
# message to this contact (if any)"; avatar_url "Value of null is used to indicate that contact has
# no avatar"; tags and children are lists a contact may not have).
CONTACT_READ = ShapeRules(maps=frozenset({"fields"}), nullable=frozenset({"last_contacted"}), empty_lists=True)

# Expected differences, by example: each is explained in the sandbox's README (see the last test).
DEVIATIONS: dict[str, set[str]] = {
    "tag Contacts / Contact resources #1": {
        # The Address Type prose says values are JSON strings; the example's value is a Python repr.
        "fields/address/*/value: not JSON, refused with 409",
    },
    "tag Contacts Fields / Fields metadata #1": {
        # Generated from the schema (every value "string"); a tab may serve person and company.
        "tabs/*/contact_types: the example has string, the answer array",
    },
    "tag Contacts Fields / User Type #1": {
        # is_primary only on the primary value, as the Contacts details example shows values.
        "*/is_primary: missing",
    },
    "tag Authentication / Requesting Authorization Grant Code #2": {
        # The example leaves out scope, which the same section lists as required.
        "code: missing",
        "error: unexpected (invalid_scope)",
    },
    "tag Authentication / Requesting Authorization Grant Code #5": {
        # The example misspells error_description (the other two redirects spell it right).
        "error_descripton: missing",
    },
}

NOT_REPLAYED: dict[str, str] = {
    "tag Authentication / Requesting Authorization Grant Code #1": "the endpoint's address; #2 is its example",
    "tag Authentication / Requesting Access Token #1": "the endpoint's address; #2 is its example",
    "tag Handling Errors / Quota Error #1": (
        "the sandbox has no plan quota; the 402 is tested with a faked answer (tests/test_core_client.py)"
    ),
}


# --- the sandbox, and how a replay talks to it --------------------------------------------------


@dataclass
class Box:
    """A fresh seeded sandbox and an authenticated in-process client."""

    sandbox: Sandbox
    http: httpx.Client

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text[:300]}"
        return response.json() if response.content else None

    def person_with_last_contact(self) -> str:
        query = {"and": [{"record type": {"is": "person"}}, {"user last contacted": {"is_empty": False}}]}
        ids = self.ok("GET", "/api/v1/contacts/ids", params={"query": json.dumps(query)})["resources"]
        return str(ids[0])

    def field_names(self) -> set[str]:
        tabs = self.ok("GET", "/api/v1/contacts/fields")["tabs"]
        return {f["name"] for tab in tabs for member in tab["members"] for f in [member, *member.get("fields", [])]}

    def first_tab(self) -> str:
        return str(self.ok("GET", "/api/v1/contacts/fields")["tabs"][0]["tab_id"])

    def create_field(self, name: str, field_type: dict[str, Any], presentation: dict[str, Any]) -> dict[str, Any]:
        body = {
            "name": name,
            "field_type": field_type,
            "presentation": presentation,
            "tab_id": self.first_tab(),
            "group_id": None,
            "insert_after": None,
            "multiples": True,
        }
        tab = self.ok("POST", "/api/v1/contacts/fields", json=body)
        found: dict[str, Any] = next(m for m in tab["members"] if m.get("name") == name)
        return found

    def read_contact(self, contact_id: str) -> dict[str, Any]:
        record: dict[str, Any] = self.ok("GET", f"/api/v1/contact/{contact_id}")["resources"][0]
        return record

    def oauth_tokens(self) -> dict[str, Any]:
        code = _redirect_query(approve(self.sandbox, _authorize_url(scope="basic,contacts")))["code"]
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": DEFAULT_OAUTH_CLIENT_ID,
            "client_secret": DEFAULT_OAUTH_CLIENT_SECRET,
        }
        tokens: dict[str, Any] = self.ok("POST", "/api/oauth/token", data=form)
        return tokens


@contextmanager
def box() -> Iterator[Box]:
    sandbox = Sandbox()
    auth = {"Authorization": f"Bearer {sandbox.api_key}"}
    with httpx.Client(transport=sandbox.transport(), base_url=SANDBOX_BASE_URL, headers=auth) as client:
        yield Box(sandbox, client)


def example(key: str) -> ProseExample:
    return next(e for e in prose_examples() if e.key == key)


def _authorize_url(**query: str) -> str:
    base = {"client_id": DEFAULT_OAUTH_CLIENT_ID, "redirect_uri": REDIRECT_URI, "response_type": "code"}
    return f"{SANDBOX_BASE_URL}/oauth/authorize?{urlencode({**base, **query})}"


def _redirect_query(location: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(location).query))


def _same_section(current: ProseExample, kind: str) -> ProseExample:
    """The section's example of that kind (for a request: the one with a body, not the endpoint line)."""
    return next(
        e
        for e in prose_examples()
        if e.source == current.source
        and e.heading == current.heading
        and e.kind == kind
        and (kind != "http" or e.request().body)
    )


# --- replays: each returns the differences it found ------------------------------------------


Replay = Callable[[Box, ProseExample], list[str]]


def contact_resource(b: Box, ex: ProseExample) -> list[str]:
    """Give a person the example's fields and tags, read it back, compare with the example."""
    resource = ex.value()["resources"][0]
    contact_id = b.person_with_last_contact()
    known = b.field_names()
    for name in resource["fields"]:
        if name not in known:  # "source" is a custom field of the example's account
            b.create_field(name, {"field_kind": "string"}, {})
    problems: list[str] = []
    fields: dict[str, list[dict[str, Any]]] = {}
    for name, values in resource["fields"].items():
        fields[name] = []
        for value in values:
            text = value["value"]
            if name == "address":
                refused = b.call("PUT", f"/api/v1/contact/{contact_id}", json={"fields": {name: [value]}})
                if refused.status_code == 409 and "address" in refused.json()["errors"]:
                    problems.append(f"fields/{name}/*/value: not JSON, refused with 409")
                text = json.dumps(ast.literal_eval(text))
            fields[name].append({"value": text, "modifier": value["modifier"]})
    b.ok("PUT", f"/api/v1/contact/{contact_id}", json={"fields": fields})
    b.ok("PUT", f"/api/v1/contacts/{contact_id}/tags", json={"tags": [t["tag"] for t in resource["tags"]]})
    answer = b.read_contact(contact_id)
    rules = ShapeRules(maps=frozenset({"fields"}), all_keys_of=frozenset({"fields"}))
    return problems + shape_problems(resource, answer, rules) + label_problems(resource, answer)


def label_problems(resource: dict[str, Any], answer: dict[str, Any]) -> list[str]:
    """The example's rule for ``label``, read from the example: when it is each field's own name, so
    must the answer's be (the modifier is separate)."""
    named = all(v.get("label") == name for name, values in resource["fields"].items() for v in values)
    if not named:
        return []
    return [
        f"fields/{name}/*/label: {value.get('label')!r}, not the field's name"
        for name, values in answer.get("fields", {}).items()
        for value in values
        if value.get("label") != name
    ]


def _listing_problems(answer: httpx.Response) -> list[str]:
    if answer.status_code != 200:
        return [f"status {answer.status_code}: {answer.text[:200]}"]
    body = answer.json()
    schema = spec_operation("GET", "/api/v1/contacts").response_schema(200)
    assert schema is not None
    problems = schema_errors(schema, body)
    resource = example(CONTACT_EXAMPLE).value()["resources"][0]
    for record in body["resources"]:
        problems += shape_problems(resource, record, CONTACT_READ) + label_problems(resource, record)
    return list(dict.fromkeys(problems))


def _with_saved_search(b: Box, query: Any) -> Any:
    """The example's saved search belongs to another account: use the sandbox's own."""
    if isinstance(query, dict):
        if "saved_search" in query:
            return {"saved_search": {"is": next(iter(b.sandbox.state.table("saved_searches")))}}
        return {k: _with_saved_search(b, v) for k, v in query.items()}
    if isinstance(query, list):
        return [_with_saved_search(b, v) for v in query]
    return query


def search_query(b: Box, ex: ProseExample) -> list[str]:
    """A query of the search guide, sent to the contact listing: a contact list, each contact shaped right."""
    query = _with_saved_search(b, ex.value())
    return _listing_problems(b.call("GET", "/api/v1/contacts", params={"query": json.dumps(query), "per_page": 5}))


def search_request(b: Box, ex: ProseExample) -> list[str]:
    """The guide's request line, URL-encoded query and all, sent as written."""
    request = ex.request()
    return _listing_problems(b.call(request.method, request.path, params=request.query))


def query_template(b: Box, ex: ProseExample) -> list[str]:
    """The generic shape with placeholders is no query: refused like any invalid one."""
    answer = b.call("GET", "/api/v1/contacts", params={"query": json.dumps(ex.value())})
    if answer.status_code != 409:
        return [f"status {answer.status_code}, not 409"]
    return shape_problems(example(VALIDATION_EXAMPLE).value(), answer.json())


def keyword_and_query(b: Box, ex: ProseExample) -> list[str]:
    """The message names the request: keyword and query together."""
    params = {"keyword": "jon", "query": json.dumps({"names": {"contain": "jon"}})}
    answer = b.call("GET", "/api/v1/contacts", params=params)
    return [f"status {answer.status_code}"] if answer.status_code != 409 else shape_problems(ex.value(), answer.json())


def person_without_name(b: Box, ex: ProseExample) -> list[str]:
    body = {"record_type": "person", "fields": {"email": [{"value": "no.name@example.com", "modifier": "work"}]}}
    answer = b.call("POST", "/api/v1/contact", json=body)
    if answer.status_code != 409:
        return [f"status {answer.status_code}"]
    return shape_problems(
        ex.value(), answer.json(), ShapeRules(maps=frozenset({"errors"}), all_keys_of=frozenset({"errors"}))
    )


def server_error(b: Box, ex: ProseExample) -> list[str]:
    b.sandbox.inject_faults(FaultPlan(seed=1, server_error=1.0))
    answer = b.call("GET", "/api/v1/myself")
    return [f"status {answer.status_code}"] if answer.status_code < 500 else shape_problems(ex.value(), answer.json())


def not_found(b: Box, ex: ProseExample) -> list[str]:
    """An unknown field id, as in the example ("contact field")."""
    expected = ex.value()
    answer = b.call("DELETE", f"/api/v1/contacts/fields/{expected['object_id']}", params={"preflight_checks": "true"})
    if answer.status_code != 404:
        return [f"status {answer.status_code}"]
    body = answer.json()
    same_type = [] if body.get("object_type") == expected["object_type"] else [f"object_type {body.get('object_type')}"]
    return shape_problems(expected, body) + same_type


def legacy_metadata(b: Box, ex: ProseExample) -> list[str]:
    """Both ways to get it: ``GET /contacts/metadata`` and ``meta=true`` on a contact read."""
    expected = ex.value()
    rules = ShapeRules(maps=frozenset({"contacts_meta/fields", "contacts_meta/groups"}))
    rules_all = ShapeRules(
        maps=rules.maps, all_keys_of=frozenset({"contacts_meta/fields"})
    )  # the example's fields are default fields: every account has them
    alone = {"contacts_meta": b.ok("GET", "/api/v1/contacts/metadata")}
    read = b.ok("GET", f"/api/v1/contact/{b.person_with_last_contact()}", params={"meta": "true"})
    return list(dict.fromkeys(shape_problems(expected, alone, rules_all) + shape_problems(expected, read, rules)))


def fields_metadata(b: Box, ex: ProseExample) -> list[str]:
    # The prose: validation_rule is for string fields, number_type for number fields ("Must match to
    # corresponding field_type ... There is no presentation for other types"); one placeholder shows both.
    b.create_field("prose email", {"field_kind": "string", "validation_rule": {"type": "email"}}, {})
    b.create_field("prose count", {"field_kind": "number"}, {"number_type": "integer"})
    optional = frozenset(
        {
            "tabs/*/members/*/fields/*/field_type/validation_rule",
            "tabs/*/members/*/fields/*/presentation/number_type",
        }
    )
    return shape_problems(ex.value(), b.ok("GET", "/api/v1/contacts/fields"), ShapeRules(optional=optional))


def choice_field(b: Box, ex: ProseExample) -> list[str]:
    expected = ex.value()
    tabs = b.ok("GET", "/api/v1/contacts/fields")["tabs"]
    found = [
        f for tab in tabs for m in tab["members"] for f in [m, *m.get("fields", [])] if f["name"] == expected["name"]
    ]
    return shape_problems(expected, found[0]) if found else [f"no field named {expected['name']!r}"]


def field_type(b: Box, ex: ProseExample) -> list[str]:
    expected = ex.value()
    kind = expected["field_type"]["field_kind"]
    created = b.create_field(f"prose {kind}", expected["field_type"], {})
    return shape_problems(expected, {"field_type": created["field_type"]})


def presentation(b: Box, ex: ProseExample) -> list[str]:
    expected = ex.value()
    kind = "number" if "number_type" in expected["presentation"] else "datetime"
    created = b.create_field(f"prose {kind}", {"field_kind": kind}, expected["presentation"])
    return shape_problems(expected, {"presentation": created["presentation"]})


def _create_person(b: Box, fields: dict[str, Any], **body: Any) -> dict[str, Any]:
    # Every request example here leaves out the name a person needs ("at least first name or last name").
    created = b.ok("POST", "/api/v1/contact", json={**body, "fields": {"first name": [{"value": "Prose"}], **fields}})
    return b.read_contact(created["id"])


def employment_value(b: Box, ex: ProseExample) -> list[str]:
    """The original dict, or its JSON-encoded form, stored and read back the same."""
    value = ex.value()
    original = json.loads(value) if isinstance(value, str) else value
    text = value if isinstance(value, str) else json.dumps(value)
    record = _create_person(b, {"contact employment": [{"value": text}]})
    stored = json.loads(record["fields"]["contact employment"][0]["value"])
    return shape_problems(original, stored) + ([] if stored == original else [f"read back as {stored}"])


def _canonical(encoded: str) -> str:
    return json.dumps(json.loads(encoded), sort_keys=True)


def employment_body(b: Box, ex: ProseExample) -> list[str]:
    body = ex.value()
    sent = body["fields"]["contact employment"]
    record = _create_person(b, body["fields"], **{k: v for k, v in body.items() if k != "fields"})
    stored = record["fields"]["contact employment"]
    problems = shape_problems(sent, stored)
    if sorted(_canonical(v["value"]) for v in stored) != sorted(_canonical(v["value"]) for v in sent):
        problems.append("the employment values read back differ")
    primary = [json.loads(v["value"]) for v in sent if v.get("is_primary")]
    if primary and [json.loads(v["value"]) for v in stored if v.get("is_primary")] != primary:
        problems.append("is_primary was not kept")
    return problems


def address_body(b: Box, ex: ProseExample) -> list[str]:
    body = ex.value()
    record = _create_person(b, body["fields"], **{k: v for k, v in body.items() if k != "fields"})
    sent, stored = body["fields"]["address"], record["fields"]["address"]
    same = [json.loads(v["value"]) for v in sent] == [json.loads(v["value"]) for v in stored]
    return shape_problems(sent, stored) + ([] if same else ["the address read back differs"])


def user_value(b: Box, ex: ProseExample) -> list[str]:
    """The example's user id is another account's: the sandbox's own user stands in."""
    b.create_field("prose owner", {"field_kind": "user"}, {})
    values = [{**value, "value": b.sandbox.state.me_id} for value in ex.value()]
    record = _create_person(b, {"prose owner": values})
    return shape_problems(ex.value(), record["fields"]["prose owner"])


def authorize(b: Box, ex: ProseExample) -> list[str]:
    """The example request, with the sandbox's client and a loopback redirect URI."""
    query = {**ex.request().query, "client_id": DEFAULT_OAUTH_CLIENT_ID, "redirect_uri": REDIRECT_URI}
    answer = b.call("GET", "/oauth/authorize", params=query, headers={"Authorization": ""})
    if answer.status_code != 302:
        return [f"status {answer.status_code}"]
    got = _redirect_query(answer.headers["location"])
    success = next(e for e in prose_examples() if e.heading == ex.heading and e.kind == "url")
    problems = shape_problems(success.request().query, got)
    return problems + ([f"error: unexpected ({got['error']})"] if "error" in got else [])


def redirect(b: Box, ex: ProseExample) -> list[str]:
    """The redirects of the guide: success, an invalid request, a failed login, a refusal."""
    expected = ex.request().query
    if "code" in expected:
        location = approve(b.sandbox, _authorize_url(scope="basic"))
    elif expected.get("error") == "invalid_request":
        url = _authorize_url(scope="basic").replace("&response_type=code", "")
        location = b.call("GET", url, headers={"Authorization": ""}).headers["location"]
    elif "error_descripton" in expected or "Validation" in str(expected):
        location = approve(b.sandbox, _authorize_url(scope="basic"), user="nobody@nowhere.example")
    else:
        location = approve(b.sandbox, _authorize_url(scope="basic"), deny=True)
    got = _redirect_query(location)
    problems = shape_problems(expected, got)
    return problems + ([] if got.get("error") == expected.get("error") else [f"error {got.get('error')}"])


def token_exchange(b: Box, ex: ProseExample) -> list[str]:
    """The example form (the sandbox's client, code and redirect URI in place), answered like the example."""
    request, answer_example = _same_section(ex, "http").request(), _same_section(ex, "json")
    form = dict(parse_qsl(request.body))
    tokens = b.oauth_tokens() if form["grant_type"] == "refresh_token" else None
    code = _redirect_query(approve(b.sandbox, _authorize_url(scope="basic")))["code"]
    form |= {"client_id": DEFAULT_OAUTH_CLIENT_ID, "client_secret": DEFAULT_OAUTH_CLIENT_SECRET}
    form |= {"redirect_uri": REDIRECT_URI, "code": code} if tokens is None else {"redirect_uri": REDIRECT_URI}
    if tokens is not None:
        form["refresh_token"] = tokens["refresh_token"]
    answer = b.call(
        "POST", request.path, content=urlencode(form), headers={"content-type": request.headers["content-type"]}
    )
    if answer.status_code != 200:
        return [f"status {answer.status_code}: {answer.text[:200]}"]
    return shape_problems(answer_example.value(), answer.json())


def access_token_parameter(b: Box, ex: ProseExample) -> list[str]:
    """``?access_token=`` authenticates (an OAuth token); the example sends no body, so the answer is a 409."""
    request = ex.request()
    token = b.oauth_tokens()["access_token"]
    answer = b.call(request.method, request.path, params={"access_token": token}, headers={"Authorization": ""})
    if answer.status_code != 409:
        return [f"status {answer.status_code}"]
    return shape_problems(example(VALIDATION_EXAMPLE).value(), answer.json())


def bearer_update(b: Box, ex: ProseExample) -> list[str]:
    """The example's PUT with its headers and body; the sandbox's key and one of its contacts in place."""
    request = ex.request()
    contact_id = b.person_with_last_contact()
    path = re.sub(r"[0-9a-f]{24}", contact_id, request.path)
    headers = {**request.headers, "authorization": f"Bearer {b.sandbox.api_key}"}
    answer = b.call(request.method, path, content=request.body, headers=headers)
    if answer.status_code != 200:
        return [f"status {answer.status_code}"]
    body = answer.json()
    written = json.loads(request.body)["fields"]["first name"][0]["value"]
    same = body["fields"]["first name"][0]["value"] == written
    resource = example(CONTACT_EXAMPLE).value()["resources"][0]
    problems = shape_problems(resource, body, CONTACT_READ) + label_problems(resource, body)
    return problems + ([] if same else ["first name not written"])


# (pattern on the example's key, its kind) -> replay; each example must match exactly one rule.
RULES: list[tuple[str, str, Replay]] = [
    (r"^tag Authentication / Requesting Authorization Grant Code #2$", "http", authorize),
    (r"^tag Authentication / Requesting Authorization Grant Code #\d+$", "url", redirect),
    (
        r"^tag Authentication / (Requesting Access Token|Refresh token after expiration.*) #\d+$",
        "http|json",
        token_exchange,
    ),
    (r"^tag Authentication / Authenticating your request with URL parameter #1$", "http", access_token_parameter),
    (r"^tag Authentication / Authenticating your request with HTTP header #1$", "http", bearer_update),
    (r"^tag Handling Errors / Validation Error #1$", "json", keyword_and_query),
    (r"^tag Handling Errors / Validation Error #2$", "json", person_without_name),
    (r"^tag Handling Errors / Server error #1$", "json", server_error),
    (r"^tag Handling Errors / NotFound Error #1$", "json", not_found),
    (r"^tag Contacts / Contact resources #1$", "json", contact_resource),
    (r"^tag Contacts Fields / Legacy contacts metadata #1$", "json", legacy_metadata),
    (r"^tag Contacts Fields / Fields metadata #1$", "json", fields_metadata),
    (r"^tag Contacts Fields / (Original value|JSON-encoded value) .*#1$", "json", employment_value),
    (r"^tag Contacts Fields / Example request body — .* #1$", "json", employment_body),
    (r"^tag Contacts Fields / Nimble Fields Type #\d+$", "json", field_type),
    (r"^tag Contacts Fields / Choice Type #1$", "json", choice_field),
    (r"^tag Contacts Fields / Address Type #1$", "json", address_body),
    (r"^tag Contacts Fields / User Type #1$", "json", user_value),
    (r"^tag Contacts Fields / Nimble Fields Presentation #\d+$", "json", presentation),
    (r"^tag Search Contacts / Advanced search query syntax #3$", "json", query_template),
    (r"^tag Search Contacts / .* #\d+$", "json", search_query),
    (r"^tag Search Contacts / API endpoints #1$", "http", search_request),
]


def replay_for(ex: ProseExample) -> Replay | None:
    matches = [replay for pattern, kinds, replay in RULES if re.match(pattern, ex.key) and ex.kind in kinds.split("|")]
    return matches[0] if matches else None


REPLAYED = [e for e in prose_examples() if e.key not in NOT_REPLAYED]


def test_the_prose_has_examples_for_every_documented_guide() -> None:
    sources = {e.source for e in prose_examples()}
    assert {"tag Authentication", "tag Handling Errors", "tag Contacts", "tag Contacts Fields"} <= sources
    assert "tag Search Contacts" in sources and len(prose_examples()) >= 50


def test_every_example_is_replayed_or_explained() -> None:
    keys = [e.key for e in prose_examples()]
    assert len(keys) == len(set(keys))
    unexplained = [e.key for e in REPLAYED if replay_for(e) is None]
    assert not unexplained, f"new prose examples: replay them or say why not in NOT_REPLAYED: {unexplained}"
    assert set(NOT_REPLAYED) <= set(keys), "NOT_REPLAYED names an example the spec no longer has"
    assert set(DEVIATIONS) <= set(keys), "DEVIATIONS names an example the spec no longer has"


@pytest.mark.parametrize("ex", REPLAYED, ids=[e.key for e in REPLAYED])
def test_the_sandbox_answers_like_the_example(ex: ProseExample) -> None:
    replay = replay_for(ex)
    assert replay is not None
    with box() as b:
        problems = replay(b, ex)
    assert sorted(set(problems)) == sorted(DEVIATIONS.get(ex.key, set())), (
        f"{ex.key}: the sandbox's answer differs from the example:\n" + "\n".join(problems)
    )


# The prose's tables of default fields and tabs, against the sandbox's field metadata.
FIELD_KINDS = {"contact employment": "employment"}  # the schema's EmploymentFieldValuesType; values are JSON strings
TAB_NAMES = {"employment": "contact employment", "google+": "google plus"}  # how the tab table writes them
NOT_FIELDS = {
    "title": "deprecated by the spec, replaced by contact employment",
    "parent company": "deprecated by the spec, replaced by contact employment",
    "lead stage": "a lead's stage is its contact pipeline (stages_info), not a field",
    "Files": "contact files are not fields; the sandbox has no contact files",
}
NOT_TABS = {"Extra Info": "holds only contact files (see NOT_FIELDS)"}


def _field_members(tab: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for m in tab["members"] for f in ([m] if m["type"] == "field" else m["fields"])]


def test_the_default_fields_table_matches_the_sandbox() -> None:
    with box() as b:
        legacy = b.ok("GET", "/api/v1/contacts/metadata")["fields"]
        tabs = b.ok("GET", "/api/v1/contacts/fields")["tabs"]
    kinds = {f["name"]: f["field_type"]["field_kind"] for tab in tabs for f in _field_members(tab)}
    rows = prose_table("tag Contacts Fields", "Nimble Default Fields")
    assert len(rows) >= 25
    for row in rows:
        name = row["Field Name"]
        assert name in legacy, f"default field {name!r} is missing"
        assert legacy[name][0]["multiples"] is (row["Multiple Field"] == "+"), name
        modifiers = [] if row["Modifiers"] == "N/A" else [m.strip() for m in row["Modifiers"].split(",")]
        assert [e["modifier"] for e in legacy[name]] == (modifiers or [""]), name
        assert kinds[name] == FIELD_KINDS.get(name, row["Type"]), name


def test_the_default_tabs_table_matches_the_sandbox() -> None:
    with box() as b:
        tabs = {tab["tab_name"]: tab for tab in b.ok("GET", "/api/v1/contacts/fields")["tabs"]}
    for row in prose_table("tag Contacts Fields", "Nimble Default Field Tabs"):
        if row["Tab Name"] in NOT_TABS:
            continue
        listed = [re.sub(r"^[-*]\s*", "", item).strip().rstrip(",") for item in row["Fields"].split("<br>")]
        present = {f["name"] for f in _field_members(tabs[row["Tab Name"]])}
        for name in listed:
            if name not in NOT_FIELDS:
                assert TAB_NAMES.get(name, name) in present, f"{name!r} is not in the tab {row['Tab Name']!r}"


def test_every_deviation_and_skip_is_explained_in_the_sandbox_docs() -> None:
    site_page = SANDBOX_DOCS.parents[2] / "docs" / "guides" / "sandbox-and-live-nimble.md"
    assert '--8<-- "nimble_tools/sandbox/README.md"' in site_page.read_text()  # the docs site shows it
    docs = SANDBOX_DOCS.read_text()
    for name in [*FIELD_KINDS, *TAB_NAMES, *NOT_FIELDS, *NOT_TABS]:
        assert name in docs, f"{SANDBOX_DOCS.name} does not explain {name!r} of the fields tables"
    for key in [*DEVIATIONS, *NOT_REPLAYED]:
        heading = key.partition(" / ")[2].rsplit(" #", 1)[0]
        assert heading in docs, f"{SANDBOX_DOCS.name} does not mention the example {key!r}"
    for key, problems in DEVIATIONS.items():
        for problem in problems:
            where = problem.split(":", 1)[0]
            assert f"`{where}`" in docs, f"{SANDBOX_DOCS.name} does not explain {where!r} ({key})"
