"""The strictifier and the strict-mode validator, on synthetic models covering pydantic's shapes."""

from __future__ import annotations

import enum
import json
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import jsonschema
import pytest
from nimble_tools_openai import (
    AZURE_LIMITS,
    DecodeError,
    check_strict_schema,
    decode,
    public_schema,
    strictify,
)
from pydantic import AnyUrl, BaseModel, Field

from nimble_tools import Params


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    """A postal address."""

    street: str
    city: str | None = None
    zip: Annotated[str, Field(min_length=5, max_length=10)] = "00000"


class Tree(BaseModel):
    label: str
    children: list[Tree] = []


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = 9


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool = True


class Kitchen(Params):
    """Every shape a catalog parameter model may use."""

    text: str = Field(description="required text")
    count: int = Field(3, ge=0, le=10, multiple_of=1)
    ratio: float | None = None
    flag: bool = False
    color: Color = Color.RED
    mode: Literal["a", "b"] = "a"
    one: Literal["x"] = "x"
    tags: list[str] = Field(default_factory=list, max_length=5)
    unique: set[int] = set()
    address: Address | None = None
    home: Address = Field(default_factory=lambda: Address(street="Main"), description="a $ref with a sibling")
    addresses: list[Address] = []
    tree: Tree | None = None
    pet: Cat | Dog | None = Field(None, discriminator="kind")
    labels: dict[str, str] = {}
    groups: dict[str, list[Address]] | None = None
    blob: dict[str, Any] | None = None
    anything: Any = None
    pair: tuple[int, str] | None = None
    when: datetime | None = None
    day: date | None = None
    link: AnyUrl | None = None
    uid: uuid.UUID | None = None
    number_or_text: int | str = 0
    grid: list[list[int]] = []
    code: str = Field("AB", pattern="^[A-Z]+$")


class RecursiveRoot(Params):
    name: str
    children: list[RecursiveRoot] = []


class Empty(Params):
    """No arguments."""


MODELS = [Kitchen, RecursiveRoot, Empty, Address, Tree]


def walk(schema: Any, path: str = "$") -> Any:
    """Every (path, node) pair of a schema, through properties, items, anyOf and $defs."""
    yield path, schema
    if not isinstance(schema, dict):
        return
    for name, sub in schema.get("properties", {}).items():
        yield from walk(sub, f"{path}.{name}")
    for name, sub in schema.get("$defs", {}).items():
        yield from walk(sub, f"$defs.{name}")
    if isinstance(schema.get("items"), dict):
        yield from walk(schema["items"], f"{path}.items")
    for i, sub in enumerate(schema.get("anyOf", [])):
        yield from walk(sub, f"{path}.anyOf[{i}]")


def admits_null(schema: dict[str, Any], defs: dict[str, Any]) -> bool:
    if "$ref" in schema:
        return admits_null(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    kind = schema.get("type")
    return (
        kind == "null"
        or (isinstance(kind, list) and "null" in kind)
        or any(admits_null(b, defs) for b in schema.get("anyOf", []))
    )


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_shape_becomes_a_valid_strict_schema(model: type[BaseModel]) -> None:
    done = strictify(model.model_json_schema())
    schema = public_schema(done.schema)
    assert done.blockers == []
    assert check_strict_schema(schema) == []
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "x-nimble" not in json.dumps(schema)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_walker_rules_hold_everywhere(model: type[BaseModel]) -> None:
    schema = public_schema(strictify(model.model_json_schema()).schema)
    assert schema["type"] == "object" and "anyOf" not in schema
    for path, node in walk(schema):
        forbidden = {"default", "allOf", "oneOf", "not", "if", "then", "else", "title", "discriminator"} & set(node)
        assert not forbidden, f"{path}: {forbidden}"
        if "properties" in node:
            assert node["additionalProperties"] is False, path
            assert node["required"] == list(node["properties"]), path
        if "$ref" in node:
            assert set(node) == {"$ref"}, path
            assert node["$ref"] == "#" or node["$ref"].rsplit("/", 1)[-1] in schema["$defs"], path


def test_originally_optional_fields_are_nullable_and_required_ones_are_not() -> None:
    source = Kitchen.model_json_schema()
    schema = public_schema(strictify(source).schema)
    defs = schema.get("$defs", {})
    for name, sub in schema["properties"].items():
        if name in source["required"]:
            assert not admits_null(sub, defs), name
        else:
            assert admits_null(sub, defs), name
    address = defs["Address"]
    assert admits_null(address["properties"]["zip"], defs)  # optional inside a nested model too
    assert not admits_null(address["properties"]["street"], defs)


def test_small_model_converts_to_exactly_this_schema() -> None:
    class Small(Params):
        query: str = Field(description="free text")
        limit: int | None = Field(None, ge=1, le=100)
        kind: Literal["person", "company"] = "person"
        extra: dict[str, int] = {}

    assert public_schema(strictify(Small.model_json_schema()).schema) == {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "free text"},
            "limit": {"anyOf": [{"maximum": 100, "minimum": 1, "type": "integer"}, {"type": "null"}]},
            "kind": {"anyOf": [{"enum": ["person", "company"], "type": "string"}, {"type": "null"}]},
            "extra": {
                "anyOf": [
                    {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"key": {"type": "string"}, "value": {"type": "integer"}},
                            "required": ["key", "value"],
                            "additionalProperties": False,
                        },
                    },
                    {"type": "null"},
                ],
                "description": "Given as a list of {key, value} entries, one per key.",
            },
        },
        "required": ["query", "limit", "kind", "extra"],
        "additionalProperties": False,
    }


def test_strict_arguments_decode_back_into_valid_params() -> None:
    done = strictify(Kitchen.model_json_schema())
    strict_args = {name: None for name in done.schema["properties"]}
    strict_args |= {
        "text": "hello",
        "count": 4,
        "address": {"street": "Elm", "city": None, "zip": None},
        "tree": {"label": "root", "children": [{"label": "leaf", "children": None}]},
        "pet": {"kind": "dog", "good": None},
        "labels": [{"key": "a", "value": "b"}],
        "groups": [{"key": "home", "value": [{"street": "Oak", "city": "Rome", "zip": "12345"}]}],
        "blob": '{"deep": {"x": [1, 2]}}',
        "anything": "[1, 2, 3]",
        "pair": [7, "seven"],
        "link": "https://example.com/a",
    }
    # What a strict-mode model sends must satisfy the schema sent to it...
    jsonschema.validate(strict_args, public_schema(done.schema))
    # ...and decode into arguments the operation's own model accepts.
    params = Kitchen.model_validate(decode(done.schema, strict_args))
    assert params.count == 4 and params.ratio is None and params.mode == "a" and params.color is Color.RED
    assert params.address == Address(street="Elm", city=None, zip="00000")
    assert params.tree is not None and params.tree.children[0].children == []
    assert isinstance(params.pet, Dog) and params.pet.good is True
    assert params.labels == {"a": "b"}
    assert params.groups == {"home": [Address(street="Oak", city="Rome", zip="12345")]}
    assert params.blob == {"deep": {"x": [1, 2]}}
    assert params.anything == [1, 2, 3]
    assert params.pair == (7, "seven")
    assert params.home == Address(street="Main")  # null -> default_factory


def test_required_nullable_value_keeps_its_null() -> None:
    class Value(BaseModel):
        value: str | None = Field(description="null clears the value")

    class Write(Params):
        values: list[Value]

    done = strictify(Write.model_json_schema())
    assert decode(done.schema, {"values": [{"value": None}]}) == {"values": [{"value": None}]}


def test_bad_json_string_names_the_field() -> None:
    done = strictify(Kitchen.model_json_schema())
    with pytest.raises(DecodeError) as caught:
        decode(done.schema, {"text": "t", "blob": "{not json"})
    assert caught.value.path == "blob"


def test_lenient_decoding_keeps_plain_strings() -> None:
    done = strictify(Kitchen.model_json_schema())
    assert decode(done.schema, {"anything": "plain words"}, lenient=True) == {"anything": "plain words"}
    assert decode(done.schema, {"anything": '"quoted"'}, lenient=True) == {"anything": "quoted"}


def test_free_form_can_force_non_strict_instead() -> None:
    done = strictify(Kitchen.model_json_schema(), free_form="non_strict")
    assert any("blob" in b for b in done.blockers) and any("anything" in b for b in done.blockers)


def test_unsupported_formats_and_lengths_are_dropped_but_told() -> None:
    schema = public_schema(strictify(Kitchen.model_json_schema()).schema)
    link = schema["properties"]["link"]
    assert "uri" in json.dumps(link) and '"format": "uri"' not in json.dumps(link)
    when = schema["properties"]["when"]["anyOf"][0]
    assert when["format"] == "date-time"
    zip_code = schema["$defs"]["Address"]["properties"]["zip"]
    assert "5-10 chars" in json.dumps(zip_code) and "maxLength" not in json.dumps(zip_code)


def test_recursive_root_keeps_a_resolvable_recursion() -> None:
    schema = public_schema(strictify(RecursiveRoot.model_json_schema()).schema)
    assert schema["type"] == "object"
    items = schema["properties"]["children"]["anyOf"][0]["items"]
    assert items == {"$ref": "#/$defs/RecursiveRoot"}


OK = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": False}


def with_a(schema: dict[str, Any]) -> dict[str, Any]:
    return {**OK, "properties": {"a": schema}}


@pytest.mark.parametrize(
    ("schema", "rule"),
    [
        pytest.param({**OK, "additionalProperties": True}, 1, id="open-object"),
        pytest.param({k: v for k, v in OK.items() if k != "additionalProperties"}, 1, id="no-additionalProperties"),
        pytest.param({**OK, "required": []}, 2, id="optional-key"),
        pytest.param({"anyOf": [OK, {"type": "null"}]}, 4, id="root-anyOf"),
        pytest.param({**OK, "type": "array"}, 4, id="root-not-object"),
        pytest.param(with_a({"type": "date"}), 5, id="bad-type"),
        pytest.param(with_a({"description": "no type"}), 5, id="no-type"),
        pytest.param(with_a({"type": "string", "format": "uri"}), 6, id="format"),
        pytest.param(with_a({"type": "string", "minLength": 2}), 6, id="minLength"),
        pytest.param(with_a({"type": "string", "x-nimble-json": True}), 6, id="private-marker"),
        pytest.param(with_a({"allOf": [{"type": "string"}]}), 7, id="allOf"),
        pytest.param(with_a({"oneOf": [{"type": "string"}]}), 7, id="oneOf"),
        pytest.param(with_a({"type": "string", "not": {"const": "x"}}), 7, id="not"),
        pytest.param(
            with_a({"$ref": "#/$defs/X", "description": "sibling"}) | {"$defs": {"X": OK}}, 8, id="ref-sibling"
        ),
        pytest.param(with_a({"$ref": "#/$defs/Missing"}), 8, id="ref-unresolved"),
        pytest.param(with_a({"type": "string", "default": "x"}), 10, id="default"),
    ],
)
def test_validator_catches_each_rule(schema: dict[str, Any], rule: int) -> None:
    violations = check_strict_schema(schema)
    assert rule in {v.rule for v in violations}, violations
    assert all(str(v).startswith(f"rule {v.rule} at ") for v in violations)


def nested(depth: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        schema = {"type": "object", "properties": {"n": schema}, "required": ["n"], "additionalProperties": False}
    return schema


def test_validator_enforces_size_limits() -> None:
    assert check_strict_schema(nested(10)) == []
    assert {v.rule for v in check_strict_schema(nested(11))} == {9}
    assert {v.rule for v in check_strict_schema(nested(6), AZURE_LIMITS)} == {9}
    wide = {f"p{i}": {"type": "integer"} for i in range(101)}
    many = {"type": "object", "properties": wide, "required": list(wide), "additionalProperties": False}
    assert check_strict_schema(many) == []
    assert {v.rule for v in check_strict_schema(many, AZURE_LIMITS)} == {9}
    enum = with_a({"type": "string", "enum": [f"enumerated-value-{i:04d}" for i in range(1001)]})
    messages = [str(v) for v in check_strict_schema(enum)]
    assert any("1001 enum values" in m for m in messages)
    assert any("enum of 1001 values" in m for m in messages)  # > 250 values and > 15,000 characters


def test_recursion_does_not_count_as_infinite_depth() -> None:
    schema = public_schema(strictify(Tree.model_json_schema()).schema)
    assert check_strict_schema(schema) == []
