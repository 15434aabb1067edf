"""The sandbox answers the way live Nimble does where the spec's prose says so (issue 16).

One test group per difference found by clients tested against live Nimble, each through
``toolkit.call`` (in-process and over a real socket) and over raw HTTP:

1. tags on a contact are ``{"tag", "id"}`` objects;
2. reading a contact that does not exist answers ``200 {"resources": []}``, and the toolkit still
   raises ``NotFoundError``; the composite actions behave the same against a server that answers 404;
3. ``label`` of a field value is the field's name, the modifier is separate;
4. contact timestamps are written ``2019-01-22T21:57:30+0000``, and the project reads both forms;
5. the less certain ones, as decided (see nimble_tools/sandbox/README.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from nimble_tools import NimbleToolkit, NotFoundError, hookimpl
from nimble_tools.projections import compact_contact
from nimble_tools.readers import parse_timestamp, single_record, tag_names
from nimble_tools.sandbox import Sandbox, SandboxRequest, SandboxResponse

OFFSET_FORM = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$")
MILLIS_FORM = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
MISSING = "5e00000000000000000000ff"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Sandbox, str]]:
    """One sandbox over a real socket for the module (each test makes its own contacts)."""
    box = Sandbox()
    with box.server(port=0) as running:
        yield box, running.base_url


@pytest.fixture(params=["in-process", "http"])
def kit(request: pytest.FixtureRequest, server: tuple[Sandbox, str]) -> Iterator[NimbleToolkit]:
    """A toolkit on a fresh sandbox in-process, or on the served one over a real socket."""
    if request.param == "in-process":
        with NimbleToolkit.sandbox() as toolkit:
            yield toolkit
        return
    box, base_url = server
    with NimbleToolkit(box.api_key, base_url=base_url) as toolkit:
        yield toolkit


@pytest.fixture
def served(server: tuple[Sandbox, str]) -> Iterator[tuple[Sandbox, httpx.Client]]:
    """The served sandbox and a raw HTTP client with its key."""
    box, base_url = server
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {box.api_key}"}) as client:
        yield box, client


def create(toolkit: NimbleToolkit, **arguments: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"fields": {"first_name": "Grace", "last_name": "Hopper"}}
    created: dict[str, Any] = toolkit.call("create_a_nimble_contact", {**base, **arguments}).result
    return created


def read(toolkit: NimbleToolkit, contact_id: str) -> dict[str, Any]:
    record: dict[str, Any] = toolkit.call("get_single_nimble_contact_by_id", {"id": contact_id}).result["resources"][0]
    return record


# -- 1. tags -------------------------------------------------------------------------------------


def test_tags_are_objects_with_a_stable_id(kit: NimbleToolkit) -> None:
    grace = create(kit, tags=["Alpha", "vip"])
    ada = create(kit, fields={"first_name": "Ada"}, tags=["VIP"])
    tags = read(kit, grace["id"])["tags"]
    assert [t["tag"] for t in tags] == ["Alpha", "vip"]
    assert all(set(t) == {"tag", "id"} and OBJECT_ID.match(t["id"]) for t in tags)
    assert tags[0]["id"] != tags[1]["id"]
    # one id per tag name, whatever the spelling (tags compare case-insensitively)
    assert read(kit, ada["id"])["tags"][0]["id"] == tags[1]["id"]


def test_code_that_treats_tags_as_strings_fails_offline_as_it_would_live(kit: NimbleToolkit) -> None:
    record = read(kit, create(kit, tags=["vip"])["id"])
    assert "vip" not in record["tags"]  # live Nimble sends objects: this check was always wrong
    assert "vip" in tag_names(record)


def test_every_contact_answer_has_tag_objects(kit: NimbleToolkit) -> None:
    created = create(kit, tags=["lead"])
    assigned = kit.call("nimble_contacts_assign_tags", {"id": created["id"], "tags": ["a", "b"]}).result
    listed = kit.call("list_all_nimble_contacts_search", {"query": {"tag": {"is": "a"}}}).raw["resources"]
    for answer in (created["tags"], assigned["tags"], listed[0]["tags"]):
        assert all(isinstance(t, dict) and {"tag", "id"} <= set(t) for t in answer), answer
    assert tag_names(created) == ["lead"] and tag_names(assigned) == ["a", "b"]


def test_tags_over_http(served: tuple[Sandbox, httpx.Client]) -> None:
    _, http = served
    created = http.post(
        "/api/v1/contact", json={"record_type": "person", "fields": {"first name": [{"value": "X"}]}, "tags": "a,b"}
    ).json()
    body = http.get(f"/api/v1/contact/{created['id']}").json()
    assert [t["tag"] for t in body["resources"][0]["tags"]] == ["a", "b"]
    assert http.get(f"/api/v1/contact/{created['id']}", params={"tags": "false"}).json()["resources"][0]["tags"] == []


def test_readers_take_both_tag_forms() -> None:
    as_objects = {"record_type": "person", "fields": {}, "tags": [{"tag": "vip", "id": "5049fa0c9b85f62cb4000639"}]}
    as_strings = {"record_type": "person", "fields": {}, "tags": ["vip"]}
    assert tag_names(as_objects) == tag_names(as_strings) == ["vip"]
    assert compact_contact(as_objects)["tags"] == compact_contact(as_strings)["tags"] == ["vip"]
    assert tag_names({"tags": None}) == [] and tag_names({"tags": [{"id": "x"}, ""]}) == []


def test_tag_sync_merges_with_tags_read_as_objects(kit: NimbleToolkit) -> None:
    contact_id = create(kit, tags=["keep", "drop"])["id"]
    report = kit.call(
        "nimble_sync_contact_tags", {"contact_ids": [contact_id], "add": ["new"], "remove": ["drop"]}
    ).result
    assert report["contacts"][0]["tags"] == ["keep", "new"]
    assert tag_names(read(kit, contact_id)) == ["keep", "new"]


# -- 2. reading a contact that does not exist ------------------------------------------------------


def test_a_deleted_contact_reads_as_an_empty_list_over_http(served: tuple[Sandbox, httpx.Client]) -> None:
    _, http = served
    keep = http.post("/api/v1/contact", json={"fields": {"first name": [{"value": "Keep"}]}}).json()["id"]
    gone = http.post("/api/v1/contact", json={"fields": {"first name": [{"value": "Gone"}]}}).json()["id"]
    assert http.delete(f"/api/v1/contact/{gone}").status_code == 200
    single = http.get(f"/api/v1/contact/{gone}")
    assert (single.status_code, single.json()) == (200, {"resources": []})
    several = http.get("/api/v1/contact", params={"id": f"{gone},{keep}"})
    assert several.status_code == 200 and [r["id"] for r in several.json()["resources"]] == [keep]
    # writes to a missing contact stay 404, as the spec lists them
    assert http.put(f"/api/v1/contact/{gone}", json={"is_important": True}).status_code == 404
    missing = http.delete(f"/api/v1/contact/{gone}")
    assert (missing.status_code, missing.json()) == (404, {"object_type": "contact", "object_id": gone})


def test_the_toolkit_raises_not_found_for_an_empty_read(kit: NimbleToolkit) -> None:
    gone = create(kit)["id"]
    kit.call("delete_a_nimble_contact_by_id", {"id": gone})
    with pytest.raises(NotFoundError) as caught:
        kit.call("get_single_nimble_contact_by_id", {"id": gone})
    error = caught.value
    assert (error.object_type, error.object_id, error.status_code) == ("contact", gone, 200)
    assert gone in error.for_model() and "Check the id" in error.for_model()
    # the batch read leaves missing ids out, as live Nimble does
    kept = create(kit, fields={"first_name": "Kept"})["id"]
    both = kit.call("nimble_contacts_standard", {"ids": [gone, kept]}).result["resources"]
    assert [r["id"] for r in both] == [kept]


def test_not_found_reaches_plugins_before_they_see_a_success(toolkit: NimbleToolkit) -> None:
    seen: list[str] = []

    class Watch:
        @hookimpl
        def after_call(self, context: Any) -> None:
            seen.append(context.operation.name)

        @hookimpl
        def on_call_error(self, context: Any, error: Exception) -> None:
            seen.append(f"error {type(error).__name__}")

    toolkit.register_plugin(Watch(), name="watch")
    with pytest.raises(NotFoundError):
        toolkit.call("get_single_nimble_contact_by_id", {"id": MISSING})
    assert seen == ["error NotFoundError"]


def test_single_record_reads_every_answer_form() -> None:
    record = {"id": MISSING, "fields": {}}
    assert single_record({"resources": [record]}, "contact", MISSING) == record
    assert single_record(record, "contact", MISSING) == record  # a bare record
    for empty in ({"resources": []}, None, []):
        with pytest.raises(NotFoundError):
            single_record(empty, "contact", MISSING)


def _answering_404(box: Sandbox) -> Sandbox:
    """The sandbox as older servers answered: a read of a missing contact is a 404."""
    original = box.handle

    def handle(request: SandboxRequest) -> SandboxResponse:
        reply = original(request)
        single = re.fullmatch(r"/api/v1/contact/([^/]+)", request.path)
        asked = single.group(1).split(",") if single else (request.query.get("id", [""])[-1].split(","))
        if request.method == "GET" and reply.status == 200 and (single or request.path == "/api/v1/contact"):
            found = {r["id"] for r in reply.body["resources"]}
            missing = [i for i in asked if i and i not in found]
            if missing:
                return SandboxResponse(404, {"object_type": "contact", "object_id": missing[0]})
        return reply

    box.handle = handle  # type: ignore[method-assign]
    return box


def _lead(box: Sandbox) -> tuple[str, str]:
    lead = next(r for r in box.state.table("contacts").quiet_values() if r.get("stages_info"))
    return str(lead["id"]), str(lead["stages_info"][0]["pipeline_id"])


def _outcome(toolkit: NimbleToolkit, name: str, arguments: dict[str, Any]) -> Any:
    try:
        result = toolkit.call(name, arguments).result
    except NotFoundError as error:
        return ("NotFoundError", error.object_type, error.object_id)
    if isinstance(result, dict):  # how many requests it took differs: a 404 makes tag sync read one by one
        result = {k: v for k, v in result.items() if k != "calls"}
    return result


ACTIONS: list[tuple[str, Callable[[Sandbox], dict[str, Any]]]] = [
    ("nimble_sync_contact_tags", lambda box: {"contact_ids": [MISSING, _lead(box)[0]], "add": ["x"]}),
    (
        "nimble_log_call",
        lambda box: {
            "call_id": "c1",
            "contact_id": MISSING,
            "direction": "inbound",
            "time": "2026-11-30T14:05:00Z",
            "duration_seconds": 60,
            "outcome": "connected",
            "summary": "Hello",
        },
    ),
    ("nimble_draft_email_to_contact", lambda box: {"contact_id": MISSING, "subject": "Hi", "body": "Hello"}),
    (
        "nimble_close_won_with_file",
        lambda box: {"lead_id": MISSING, "pipeline_id": _lead(box)[1], "file_url": "https://files.example/a.pdf"},
    ),
]


@pytest.mark.parametrize(("name", "arguments"), ACTIONS, ids=[name for name, _ in ACTIONS])
def test_composite_actions_behave_the_same_whether_a_missing_contact_is_404_or_empty(
    name: str, arguments: Callable[[Sandbox], dict[str, Any]]
) -> None:
    outcomes = []
    for box in (Sandbox(), _answering_404(Sandbox())):
        with NimbleToolkit.sandbox(emulator=box) as toolkit:
            outcomes.append(_outcome(toolkit, name, arguments(box)))
    live, older = outcomes
    assert live == older
    if name == "nimble_sync_contact_tags":
        assert live["contacts"][0]["decision"] == "not_found" and live["contacts"][1]["decision"] == "changed"
    else:
        assert live == ("NotFoundError", "contact", MISSING)


def test_find_or_create_after_a_delete_creates_again(kit: NimbleToolkit) -> None:
    lead = {"first_name": "Vera", "last_name": "Gone", "email": "vera@gone.example"}
    first = kit.call("nimble_find_or_create_contact", lead).result
    kit.call("delete_a_nimble_contact_by_id", {"id": first["contact_id"]})
    with pytest.raises(NotFoundError):  # "verify it is gone"
        kit.call("get_single_nimble_contact_by_id", {"id": first["contact_id"]})
    again = kit.call("nimble_find_or_create_contact", lead).result
    assert again["decision"] == "created" and again["contact_id"] != first["contact_id"]


# -- 3. label ---------------------------------------------------------------------------------------


def test_label_is_the_field_name_and_the_modifier_is_separate(kit: NimbleToolkit) -> None:
    created = create(
        kit,
        fields={
            "first_name": "Grace",
            "emails": [{"value": "grace@navy.example", "modifier": "work"}],
            "phones": [{"value": "+1 202 555 0100", "modifier": "mobile"}],
            "urls": [{"value": "https://navy.example", "modifier": "other"}],
        },
    )
    fields = read(kit, created["id"])["fields"]
    assert (fields["email"][0]["label"], fields["email"][0]["modifier"]) == ("email", "work")
    assert (fields["phone"][0]["label"], fields["phone"][0]["modifier"]) == ("phone", "mobile")
    assert (fields["URL"][0]["label"], fields["first name"][0]["label"]) == ("URL", "first name")


def test_every_seeded_value_is_labelled_with_its_field(served: tuple[Sandbox, httpx.Client]) -> None:
    _, http = served
    resources = http.get("/api/v1/contacts", params={"per_page": 100}).json()["resources"]
    labels = {
        (name, value["label"]) for record in resources for name, values in record["fields"].items() for value in values
    }
    assert labels and all(name == label for name, label in labels)


# -- 4. timestamps ----------------------------------------------------------------------------------


def test_contact_times_are_written_like_the_spec_examples(kit: NimbleToolkit) -> None:
    created = create(kit)
    assert OFFSET_FORM.match(created["created"]) and OFFSET_FORM.match(created["updated"])
    contacted = kit.call(
        "list_all_nimble_contacts_search",
        {"query": {"field": "user last contacted", "operator": "is_empty", "value": False}},
    ).raw["resources"]
    assert contacted and all(OFFSET_FORM.match(r["last_contacted"]["tstamp"]) for r in contacted)
    assert all(r["last_contacted"]["type"] == "LCType<message>" for r in contacted)
    # other records keep their own form (no example says otherwise)
    note = kit.call(
        "create_a_nimble_contact_note", {"contact_ids": [created["id"]], "note": "<p>Hi</p>", "note_preview": "Hi"}
    ).result
    assert MILLIS_FORM.match(note["created"])


def test_contact_times_over_http_and_search_still_reads_them(served: tuple[Sandbox, httpx.Client]) -> None:
    _, http = served
    created = http.post("/api/v1/contact", json={"fields": {"first name": [{"value": "T"}]}}).json()
    updated = http.put(f"/api/v1/contact/{created['id']}", json={"fields": {"last name": [{"value": "U"}]}}).json()
    assert OFFSET_FORM.match(updated["updated"])
    query = {"and": [{"created": {"in_the_last": {"unit": "day", "quantity": 1}}}, {"first name": {"is": "T"}}]}
    found = http.get("/api/v1/contacts/ids", params={"query": json.dumps(query)}).json()["resources"]
    assert found == [created["id"]]


def test_the_project_reads_both_timestamp_forms() -> None:
    offset = parse_timestamp("2019-01-22T21:57:30+0000")
    millis = parse_timestamp("2019-01-22T21:57:30.000Z")
    assert offset is not None and offset == millis and offset.utcoffset() is not None
    assert parse_timestamp("2012-09-07T16:49:56+0300") == parse_timestamp("2012-09-07T13:49:56Z")
    assert parse_timestamp("2019-01-22T21:57:30") == offset  # naive: UTC
    assert parse_timestamp("yesterday") is None and parse_timestamp(None) is None


# -- 5. the less certain ones, as decided --------------------------------------------------------------


def test_the_x_nimble_token_header_is_refused(served: tuple[Sandbox, httpx.Client]) -> None:
    box, http = served
    answer = http.get("/api/v1/myself", headers={"Authorization": "", "X-Nimble-Token": box.api_key})
    assert (answer.status_code, answer.json()) == (403, {"message": "Can't authenticate request"})


def test_a_body_that_is_not_json_is_a_validation_error(served: tuple[Sandbox, httpx.Client]) -> None:
    _, http = served
    answer = http.post("/api/v1/contact", content=b"{oops", headers={"content-type": "application/json"})
    assert answer.status_code == 409
    assert answer.json()["code"] == 245 and "not valid JSON" in answer.json()["message"]


def test_an_unknown_field_name_in_fields_is_ignored(served: tuple[Sandbox, httpx.Client]) -> None:
    _, http = served
    contact_id = http.get("/api/v1/contacts/ids", params={"record_type": "person"}).json()["resources"][0]
    answer = http.get(f"/api/v1/contact/{contact_id}", params={"fields": "first name,no such field"})
    assert answer.status_code == 200 and set(answer.json()["resources"][0]["fields"]) == {"first name"}


@pytest.mark.parametrize(
    ("method", "path", "documented"),
    [
        ("GET", f"/api/v1/contact/{MISSING}/notes", "/api/v1/contacts/{contact_id}/notes"),
        ("POST", "/api/v1/activities/task", "POST /api/v1/tasks"),
    ],
)
def test_legacy_routes_are_not_served_but_named(
    served: tuple[Sandbox, httpx.Client], method: str, path: str, documented: str
) -> None:
    _, http = served
    answer = http.request(method, path, json={} if method == "POST" else None)
    assert answer.status_code == 404 and documented in answer.json()["message"]
