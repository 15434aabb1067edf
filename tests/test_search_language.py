"""The contact search language: every operator, nesting, normalisation, and bad queries.

Queries go two ways: the structured form through the search tool (validated and encoded by
``nimble_tools.types.search``), and Nimble's raw JSON through ``toolkit.request`` (evaluated and
refused by the sandbox, as Nimble would).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from nimble_tools import InvalidArgumentsError, NimbleToolkit, ValidationFailedError
from nimble_tools.sandbox import Sandbox
from nimble_tools.types.search import SearchQuery, parse_nse

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC).timestamp()


@pytest.fixture(scope="module")
def toolkit() -> NimbleToolkit:
    """A seeded sandbox at a fixed clock; these tests only read."""
    return NimbleToolkit.sandbox(emulator=Sandbox(clock=lambda: NOW))


def names(toolkit: NimbleToolkit, query: dict[str, Any]) -> set[str]:
    """First names (or company names) matched by a raw NSE query, evaluated by the sandbox."""
    body = toolkit.request("GET", "/api/v1/contacts", {"query": json.dumps(query), "per_page": 100}).result
    out = set()
    for record in body["resources"]:
        fields = record["fields"]
        out.add((fields.get("first name") or fields.get("company name"))[0]["value"])
    return out


def persons(query: dict[str, Any]) -> dict[str, Any]:
    return {"and": [query, {"record type": {"is": "person"}}]}


TEXT_CASES = [
    ({"first name": {"is": "ADA"}}, {"Ada"}),
    ({"first name": {"is": "zoe"}}, {"Zoë"}),  # accents folded on both sides
    ({"last name": {"is_not": "Doe"}}, None),
    ({"names": {"contain": "nunez"}}, {"José"}),
    ({"name": {"contain": "Hopper Turing"}}, {"Grace", "Alan"}),  # any word, `name` is an alias
    ({"email": {"starts_with": "ada."}}, {"Ada"}),
    ({"email": {"not_contain": "example"}}, set()),
    ({"first name": {"in": ["ada", "JANE"]}}, {"Ada", "Jane"}),
    ({"title": {"contain": "sales"}}, {"Zoë"}),
    ({"company_name": {"not_in": ["Globex", "Initech", "Acme Corp"]}}, None),
    ({"address.city": {"is": "los angeles"}}, {"Jane"}),
    ({"country": {"is": "UK"}}, {"Ada", "Alan"}),
    ({"address": {"contain": "stockholm"}}, {"Lars"}),
    ({"tag": {"is": "VIP"}}, {"Ada", "Jane"}),
    ({"tag": {"in": ["partner", "europe"]}}, {"Zoë", "José", "Mei", "Omar", "Lars"}),
    ({"tag": {"is_empty": True}}, {"John", "Fatima"}),
    ({"__any": {"contain": "bletchley"}}, {"Alan"}),
    ({"__any": {"starts_with": "casabl"}}, {"Fatima"}),
    ({"reminder": {"is_empty": True}}, None),
]


@pytest.mark.parametrize(("query", "expected"), TEXT_CASES, ids=lambda v: json.dumps(v) if isinstance(v, dict) else "")
def test_text_operators(toolkit: NimbleToolkit, query: dict[str, Any], expected: set[str] | None) -> None:
    found = names(toolkit, persons(query))
    if expected is None:  # negations: the complement of the positive form
        positive = {"is_not": "is", "not_in": "in"}
        ((field, body),) = query.items()
        ((operator, value),) = body.items()
        if operator == "is_empty":
            assert len(found) == 12
            return
        opposite = names(toolkit, persons({field: {positive[operator]: value}}))
        assert found and not (found & opposite) and len(found | opposite) == 12
    else:
        assert found == expected


# The seed: person i has rating i % 6, birthday (i%12+1)/(i+10)/(1970+i), created 30*i+5 days ago.
NUMBER_AND_DATE_CASES = [
    ({"rating": {"is": 5}}, {"Jane", "Fatima"}),
    ({"rating": {"is_not": 0}}, {"Grace", "Alan", "Zoë", "José", "Jane", "Mei", "Omar", "Priya", "Lars", "Fatima"}),
    ({"rating": {"gt": 4}}, {"Jane", "Fatima"}),
    ({"rating": {"gte": 4}}, {"José", "Jane", "Lars", "Fatima"}),
    ({"rating": {"lt": 1}}, {"Ada", "John"}),
    ({"rating": {"lte": 1}}, {"Ada", "Grace", "John", "Mei"}),
    ({"rating": {"in": [2, "3"]}}, {"Alan", "Zoë", "Omar", "Priya"}),
    ({"rating": {"range": {"start": 4.5, "end": 5}}}, {"Jane", "Fatima"}),
    ({"rating": {"not_in_range": {"start": 1, "end": 5}}}, {"Ada", "John"}),
    ({"created": {"in_the_last": {"unit": "day", "quantity": 40}}}, {"Ada", "Grace"}),
    ({"created": {"in_the_last": {"unit": "week", "quantity": 10}}}, {"Ada", "Grace", "Alan"}),
    ({"created": {"in_the_last": {"unit": "month", "quantity": 2}}}, {"Ada", "Grace"}),
    ({"created": {"not_in_the_last": {"unit": "month", "quantity": 10}}}, {"Lars", "Fatima"}),
    ({"created": {"not_in_the_last": {"unit": "year", "quantity": 1}}}, set()),
    ({"created": {"in_the_last": {"unit": "second", "quantity": 86400 * 6}}}, {"Ada"}),
    ({"created": {"range": {"start_date": "2025-05-01", "end_date": "2025-06-10"}}}, {"Ada", "Grace"}),
    (
        {"created": {"range": {"start_datetime": "2025-04-01T00:00:00Z", "end_datetime": "2025-05-01T00:00:00Z"}}},
        {"Alan"},
    ),
    ({"updated": {"not_in_range": {"start_date": "2024-08-01", "end_date": "2025-12-31"}}}, {"Fatima"}),
    ({"birthday": {"day_month_range": {"start_date": "01/03", "end_date": "31/03"}}}, {"Alan"}),
    ({"birthday": {"day_month_range": {"start_date": "15/11", "end_date": "15/01"}}}, {"Ada", "Lars", "Fatima"}),
    ({"birthday": {"range": {"start_date": "1970-01-01", "end_date": "1971-12-31"}}}, {"Ada", "Grace"}),
    ({"birthday": {"is_empty": False}}, None),
    ({"user last contacted": {"in_the_last": {"unit": "day", "quantity": 7}}}, {"Ada"}),
    ({"company last contacted": {"not_in_the_last": {"unit": "day", "quantity": 30}}}, {"Grace", "Jane"}),
    ({"company last contacted": {"is_empty": False}}, {"Ada", "Grace", "Jane"}),
    ({"company last contacted": {"gt": "2025-05-01"}}, {"Ada", "Grace"}),
    ({"user last contacted": {"lt": "2025-05-01"}}, {"Jane"}),
]


@pytest.mark.parametrize(
    ("query", "expected"), NUMBER_AND_DATE_CASES, ids=lambda v: json.dumps(v) if isinstance(v, dict) else ""
)
def test_number_and_date_operators(toolkit: NimbleToolkit, query: dict[str, Any], expected: set[str] | None) -> None:
    found = names(toolkit, persons(query))
    if expected is None:
        assert len(found) == 12
    else:
        assert found == expected


def test_joins_nest(toolkit: NimbleToolkit) -> None:
    query = {
        "and": [
            {"record type": {"is": "person"}},
            {"or": [{"title": {"contain": "founder"}}, {"company_name": {"contain": "globex"}}]},
            {"not": [{"tag": {"is": "vip"}}]},
        ]
    }
    assert names(toolkit, query) == {"Mei", "John"}


def test_ids_record_types_and_saved_searches(toolkit: NimbleToolkit) -> None:
    ids = toolkit.call("nimble_contacts_contact_ids", {"record_type": "company"}).result
    assert names(toolkit, {"_id": {"in": ids[:2]}}) == names(toolkit, {"or": [{"_id": {"is": i}} for i in ids[:2]]})
    assert len(names(toolkit, {"record type": {"is": "all"}})) == 18
    assert names(
        toolkit, {"and": [{"saved_search": {"is": "5e00000000000000000000aa"}}, {"record type": {"is": "company"}}]}
    ) == {"Analytical Engines"}


def test_custom_fields_are_searchable_by_their_kind() -> None:
    toolkit = NimbleToolkit.sandbox()
    tab = toolkit.call("list_all_nimble_contact_fields", {}).result["tabs"][0]["tab_id"]
    toolkit.call(
        "create_a_nimble_contact_field",
        {"name": "Seats", "field_kind": "number", "number_type": "integer", "tab_id": tab},
    )
    toolkit.call("create_a_nimble_contact_field", {"name": "Segment", "field_kind": "string", "tab_id": tab})
    ada = toolkit.call("list_all_nimble_contacts_search", {"query": {"first name": {"is": "ada"}}}).result[0]["id"]
    toolkit.call(
        "update_a_nimble_contact_by_id",
        {
            "id": ada,
            "fields": {"other_fields": [{"name": "seats", "value": "40"}, {"name": "segment", "value": "Mid market"}]},
        },
    )
    assert names(toolkit, {"seats": {"gte": 30}}) == {"Ada"}
    assert names(toolkit, {"custom_fields": {"Segment": {"contain": "market"}}}) == {"Ada"}
    with pytest.raises(ValidationFailedError, match="not supported"):
        names(toolkit, {"seats": {"contain": "4"}})


def test_keyword_is_an_any_contain(toolkit: NimbleToolkit) -> None:
    by_keyword = toolkit.call("nimble_contacts_contact_ids", {"keyword": "Initech"}).result
    by_query = toolkit.call(
        "nimble_contacts_contact_ids", {"query": {"field": "__any", "operator": "contain", "value": "Initech"}}
    ).result
    assert sorted(by_keyword) == sorted(by_query) and len(by_keyword) == 3


def test_record_type_is_folded_into_a_query(toolkit: NimbleToolkit) -> None:
    query = {"field": "__any", "operator": "contain", "value": "acme"}
    both = toolkit.call("nimble_contacts_contact_ids", {"query": query}).result
    people = toolkit.call("nimble_contacts_contact_ids", {"query": query, "record_type": "person"}).result
    assert len(both) == 3 and len(people) == 2


# --- bad queries ------------------------------------------------------------------------------

SERVER_REFUSALS = [
    ({"email": {"contains": "x"}}, "Unknown search operator"),
    ({"nickname": {"is": "x"}}, "Unknown search field"),
    ({"email": {"gt": 3}}, "not supported"),
    ({"record type": {"is": "robot"}}, "person, company or all"),
    ({"and": []}, "non-empty list"),
    ({"not": [{"tag": {"is": "a"}}, {"tag": {"is": "b"}}]}, "exactly one"),
    ({"email": {"is": "a", "is_not": "b"}}, "exactly one operator"),
    ({"email": {"is": " "}}, "Empty value"),
    ({"rating": {"range": {"start": 1}}}, "start, end"),
    ({"created": {"in_the_last": {"unit": "fortnight", "quantity": 2}}}, "unit"),
    ({"created": {"range": {"start_date": "01/02/2025", "end_date": "2025-03-01"}}}, "%Y-%m-%d"),
    ({"birthday": {"day_month_range": {"start_date": "1/3", "end_date": "31/03"}}}, "DD/MM"),
    ({"tag": {"in": []}}, "non-empty list"),
    ({"saved_search": {"is": "5e00000000000000000000ff"}}, "Unknown saved search"),
]


@pytest.mark.parametrize(
    ("query", "message"), SERVER_REFUSALS, ids=lambda v: json.dumps(v) if isinstance(v, dict) else v
)
def test_sandbox_refuses_bad_queries_with_409(toolkit: NimbleToolkit, query: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationFailedError, match=message) as raised:
        names(toolkit, query)
    assert raised.value.status_code == 409 and raised.value.body["code"] == 245


def nested(depth: int) -> dict[str, Any]:
    query: dict[str, Any] = {"tag": {"is": "vip"}}
    for _ in range(depth - 1):
        query = {"and": [query]}
    return query


def test_depth_limit(toolkit: NimbleToolkit) -> None:
    assert names(toolkit, nested(20)) == {"Ada", "Jane", "Analytical Engines"}
    with pytest.raises(ValidationFailedError, match="maximum depth is 20"):
        names(toolkit, nested(21))
    with pytest.raises(InvalidArgumentsError, match="limit of 20"):
        toolkit.call("list_all_nimble_contacts_search", {"query": nested(21)})


def test_keyword_and_query_exclude_each_other_on_the_server(toolkit: NimbleToolkit) -> None:
    with pytest.raises(ValidationFailedError, match="either `keyword` or `query`"):
        toolkit.request("GET", "/api/v1/contacts", {"keyword": "a", "query": json.dumps({"tag": {"is": "a"}})})


class Holder(BaseModel):
    query: SearchQuery


CLIENT_REFUSALS = [
    ({"field": "tag", "operator": "contain", "value": "vip"}, "does not support operator 'contain'"),
    ({"field": "email", "operator": "in"}, "needs value: a non-empty list"),
    ({"field": "email", "operator": "in", "value": "a@b.co"}, "needs value: a non-empty list"),
    ({"field": "created", "operator": "in_the_last", "value": "30 fortnight"}, "unit second|day"),
    ({"field": "created", "operator": "in_the_last", "value": "0 day"}, ">= 1"),
    ({"field": "rating", "operator": "range", "value": [1]}, r"\[start, end\]"),
    ({"field": "rating", "operator": "gt", "value": [1, 2]}, "not a list"),
    ({"field": "rating", "operator": "range", "value": [1, 2], "start": 1, "end": 2}, "give the operand once"),
    ({"field": "rating", "operator": "range", "start": 1}, "both start and end"),
    ({"field": "created", "operator": "in_the_last", "quantity": 3}, "quantity"),
    ({"field": "rating", "operator": "range", "start": 5, "end": 1}, "greater than end"),
    ({"field": "created", "operator": "range", "start": "2025-01-01", "end": 5}, "both"),
    ({"field": "birthday", "operator": "day_month_range", "start": "2025-01-01", "end": "2025-02-01"}, "DD/MM"),
    ({"field": "email", "operator": "is_empty", "value": "yes"}, "true or false"),
    ({"field": "names", "operator": "contain", "value": ""}, "non-empty value"),
    ({"field": "rating", "operator": "gt", "value": "high"}, "numbers or dates"),
    ({"join": "not", "conditions": [{"tag": {"is": "a"}}, {"tag": {"is": "b"}}]}, "exactly one condition"),
    ({"join": "and", "conditions": []}, "at least 1"),
    ({"email": {"contains": "x"}}, "unknown operator 'contains'"),
    ({"email": "x"}, "exactly one operator"),
    ({"join": "xor", "conditions": [{"tag": {"is": "a"}}]}, "join"),
]


@pytest.mark.parametrize(
    ("query", "message"), CLIENT_REFUSALS, ids=lambda v: json.dumps(v) if isinstance(v, dict) else v
)
def test_client_refuses_bad_queries_before_sending(query: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Holder.model_validate({"query": query})


def test_tool_errors_name_the_tool_and_field_and_send_nothing() -> None:
    toolkit = NimbleToolkit.sandbox()
    assert toolkit.emulator is not None
    before = toolkit.emulator.request_count
    with pytest.raises(InvalidArgumentsError) as raised:
        toolkit.call("list_all_nimble_contacts_search", {"query": {"field": "tag", "operator": "gt", "value": 1}})
    message = str(raised.value)
    assert "list_all_nimble_contacts_search" in message and "query" in message and "use one of" in message
    assert toolkit.emulator.request_count == before


STRUCTURED_TO_NSE = [
    # One value for every operator: a list for in/not_in, [start, end] for ranges, "<n> <unit>" periods.
    ({"field": "_id", "operator": "in", "value": ["a", "b"]}, {"_id": {"in": ["a", "b"]}}),
    ({"field": "rating", "operator": "in", "value": [4, 5]}, {"rating": {"in": ["4", "5"]}}),
    (
        {"field": "created", "operator": "in_the_last", "value": "30 days"},
        {"created": {"in_the_last": {"unit": "day", "quantity": 30}}},
    ),
    (
        {"field": "created", "operator": "in_the_last", "value": [2, "week"]},
        {"created": {"in_the_last": {"unit": "week", "quantity": 2}}},
    ),
    ({"field": "rating", "operator": "range", "value": [1, 3]}, {"rating": {"range": {"start": 1, "end": 3}}}),
    (
        {"field": "birthday", "operator": "day_month_range", "value": ["01/12", "31/12"]},
        {"birthday": {"day_month_range": {"start_date": "01/12", "end_date": "31/12"}}},
    ),
    # The operand slots of earlier versions still work.
    ({"field": "Email", "operator": "is", "value": "a@b.co"}, {"email": {"is": "a@b.co"}}),
    ({"field": "name", "operator": "contain", "value": "jon"}, {"names": {"contain": "jon"}}),
    ({"field": "tag", "operator": "is_empty", "value": None}, {"tag": {"is_empty": True}}),
    ({"field": "_id", "operator": "not_in", "values": ["a", "b"]}, {"_id": {"not_in": ["a", "b"]}}),
    (
        {"field": "created", "operator": "not_in_the_last", "quantity": 2, "unit": "week"},
        {"created": {"not_in_the_last": {"unit": "week", "quantity": 2}}},
    ),
    ({"field": "rating", "operator": "range", "start": 1, "end": 3}, {"rating": {"range": {"start": 1, "end": 3}}}),
    (
        {"field": "updated", "operator": "range", "start": "2025-01-01", "end": "2025-02-01"},
        {"updated": {"range": {"start_date": "2025-01-01", "end_date": "2025-02-01"}}},
    ),
    (
        {
            "field": "updated",
            "operator": "not_in_range",
            "start": "2025-01-01T00:00:00Z",
            "end": "2025-02-01T00:00:00Z",
        },
        {
            "updated": {
                "not_in_range": {"start_datetime": "2025-01-01T00:00:00Z", "end_datetime": "2025-02-01T00:00:00Z"}
            }
        },
    ),
    (
        {"field": "birthday", "operator": "day_month_range", "start": "01/12", "end": "31/12"},
        {"birthday": {"day_month_range": {"start_date": "01/12", "end_date": "31/12"}}},
    ),
    (
        {
            "join": "or",
            "conditions": [
                {"field": "tag", "operator": "is", "value": "a"},
                {"join": "not", "conditions": [{"field": "tag", "operator": "is", "value": "b"}]},
            ],
        },
        {"or": [{"tag": {"is": "a"}}, {"not": [{"tag": {"is": "b"}}]}]},
    ),
]


@pytest.mark.parametrize(("structured", "nse"), STRUCTURED_TO_NSE, ids=lambda v: json.dumps(v)[:60])
def test_structured_queries_encode_to_nse_and_back(structured: dict[str, Any], nse: dict[str, Any]) -> None:
    assert Holder.model_validate({"query": structured}).model_dump()["query"] == nse
    assert Holder.model_validate({"query": nse}).model_dump()["query"] == nse  # raw NSE is accepted too
    assert Holder.model_validate({"query": parse_nse(nse)}).model_dump()["query"] == nse


def test_the_wire_carries_url_encoded_json() -> None:
    toolkit = NimbleToolkit.sandbox()
    operation = toolkit.operations["list_all_nimble_contacts_search"]
    request = operation.build_request(
        operation.validate_arguments({"query": {"field": "first name", "operator": "contain", "value": "Jon"}})
    )
    assert json.loads(request.params["query"]) == {"first name": {"contain": "Jon"}}
