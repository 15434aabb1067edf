"""The composite actions' published schemas: limits checked but not published, and what a model reads."""

from __future__ import annotations

import json
from typing import Any

import pytest
from nimble_tools_action_support import Country, ShortText, unpublished
from pydantic import BaseModel, Field, ValidationError

from nimble_tools import InvalidArgumentsError, NimbleToolkit

CALL = {
    "call_id": "c-1",
    "email": "jane@acme.example",
    "direction": "inbound",
    "time": "2026-11-30T14:05:00Z",
    "duration_seconds": 60,
    "outcome": "connected",
    "summary": "Asked for a quote.",
}
LEAD = {"first_name": "Jane", "email": "jane@acme.example"}
DRAFT = {"email": "jane@acme.example", "subject": "Hello", "body": "Hi {{first_name|there}},"}
CLOSE = {"deal_id": "5" * 24, "file_url": "https://www.dropbox.com/s/abc/contract.pdf"}
SPEC = {"tab": "Sales", "fields": [{"name": "Budget", "kind": "datetime"}]}

# tool, valid arguments, a change past a limit that is checked but not published, the field the
# error must name.
QUIET = [
    ("nimble_find_or_create_contact", LEAD, {"first_name": "J" * 201}, "first_name"),
    ("nimble_find_or_create_contact", LEAD, {"email": "j" * 310 + "@acme.example"}, "email"),
    ("nimble_find_or_create_contact", {**LEAD, "phone": "+1 415 555 0100"}, {"phone": "1" * 41}, "phone"),
    ("nimble_find_or_create_contact", LEAD, {"company": "A" * 201}, "company"),
    ("nimble_find_or_create_contact", {**LEAD, "country": "US"}, {"country": "USA"}, "country"),
    ("nimble_import_leads", {"leads": [LEAD]}, {"leads": [{**LEAD, "title": "T" * 201}]}, "leads.0.title"),
    ("nimble_import_leads", {"leads": [LEAD]}, {"country": "1"}, "country"),
    ("nimble_log_call", CALL, {"call_id": "two words"}, "call_id"),
    ("nimble_log_call", CALL, {"transcript": "x" * 500_001}, "transcript"),
    ("nimble_log_call", CALL, {"caller_last_name": "L" * 201}, "caller_last_name"),
    ("nimble_draft_email_to_contact", DRAFT, {"subject": "s" * 999}, "subject"),
    ("nimble_draft_email_to_contact", DRAFT, {"body": "b" * 100_001}, "body"),
    ("nimble_close_won_with_file", CLOSE, {"file_name": "f" * 256}, "file_name"),
    (
        "nimble_provision_custom_fields",
        SPEC,
        {"fields": [{"name": "Budget", "kind": "number", "number_type": "financial", "currency": "usd"}]},
        "fields.0.currency",
    ),
    (
        "nimble_provision_custom_fields",
        SPEC,
        {"fields": [{"name": "Due", "kind": "datetime", "date_format": "%Y" * 21}]},
        "fields.0.date_format",
    ),
]


def _nodes(schema: Any, name: str) -> list[Any]:
    """Every property schema called ``name``, at any depth (definitions included)."""
    if isinstance(schema, list):
        return [node for item in schema for node in _nodes(item, name)]
    if not isinstance(schema, dict):
        return []
    found = [schema["properties"][name]] if name in schema.get("properties", {}) else []
    return found + [node for value in schema.values() for node in _nodes(value, name)]


def _composite(toolkit: NimbleToolkit) -> list[str]:
    return [name for name, operation in toolkit.operations.items() if "composite" in operation.tags]


def _published(toolkit: NimbleToolkit) -> dict[str, list[Any]]:
    """Each composite action's parameters as the OpenAI (strict and not) and MCP targets publish them."""
    names = _composite(toolkit)
    found: dict[str, list[Any]] = {name: [] for name in names}
    for strict in (True, False):
        for tool in toolkit.emit("openai", strict=strict, tools=names):
            found[tool["function"]["name"]].append(tool["function"]["parameters"])
    for tool in toolkit.emit("mcp", tools=names).tools:
        found[tool.name].append(tool.input_schema)
    return found


def test_the_seven_composite_actions_are_measured(toolkit: NimbleToolkit) -> None:
    assert sorted(_composite(toolkit)) == [
        "nimble_close_won_with_file",
        "nimble_draft_email_to_contact",
        "nimble_find_or_create_contact",
        "nimble_import_leads",
        "nimble_log_call",
        "nimble_provision_custom_fields",
        "nimble_sync_contact_tags",
    ]


@pytest.mark.parametrize(("tool", "arguments", "change", "field"), QUIET, ids=[f"{q[0]}:{q[3]}" for q in QUIET])
def test_a_limit_left_out_of_the_schema_is_still_checked(
    toolkit: NimbleToolkit, tool: str, arguments: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    leaf = field.rsplit(".", 1)[-1]
    for schema in _published(toolkit)[tool]:
        nodes = _nodes(schema, leaf)
        assert nodes, (tool, leaf)  # the field is published, only its limit is not
        text = json.dumps(nodes)
        assert "maxLength" not in text and "pattern" not in text and "(max" not in text, (tool, text)
    toolkit.operations[tool].validate_arguments(arguments)  # the base arguments are fine
    box = toolkit.emulator
    assert box is not None
    before = box.request_count
    with pytest.raises(InvalidArgumentsError) as caught:
        toolkit.call(tool, {**arguments, **change})
    assert tool in str(caught.value)
    assert field in [location for location, _ in caught.value.errors]
    assert box.request_count == before


def test_limits_a_model_may_meet_are_still_published(toolkit: NimbleToolkit) -> None:
    published = {name: json.dumps(schemas[0]) for name, schemas in _published(toolkit).items()}
    assert "(max 50 chars)" in published["nimble_provision_custom_fields"]  # tab, group and field names
    assert "(max 5000 chars)" in published["nimble_log_call"]  # the summary
    assert '"maxItems": 5' in published["nimble_find_or_create_contact"]  # tags


def test_nested_types_publish_no_second_note(toolkit: NimbleToolkit) -> None:
    schemas = _published(toolkit)
    leads = schemas["nimble_import_leads"][0]["properties"]["leads"]
    assert leads["description"] == "The people to import." and "description" not in leads["items"]
    spec = schemas["nimble_provision_custom_fields"][0]
    assert "description" not in spec["$defs"]["FieldSpec"]
    assert "description" not in spec["properties"]["groups"]["items"]


def test_a_country_is_refused_in_words() -> None:
    class Model(BaseModel):
        country: Country = Field(description="Country.")
        name: ShortText = Field(description="Name.")

    assert Model.model_json_schema()["properties"] == {
        "country": {"description": "Country.", "title": "Country", "type": "string"},
        "name": {"description": "Name.", "title": "Name", "type": "string"},
    }
    assert Model(country="de", name="Jane").country == "de"
    with pytest.raises(ValidationError, match="expected a two-letter country code such as US"):
        Model(country="DEU", name="Jane")
    with pytest.raises(ValidationError, match="at most 200 characters"):
        Model(country="DE", name="J" * 201)


def test_unpublished_drops_only_the_named_keywords() -> None:
    schema = {"type": "string", "maxLength": 5, "pattern": "^a$", "description": "d"}
    unpublished("maxLength")(schema)
    assert schema == {"type": "string", "pattern": "^a$", "description": "d"}
    unpublished("maxLength", "pattern")(schema)
    assert schema == {"type": "string", "description": "d"}
