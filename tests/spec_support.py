"""The official OpenAPI spec as test data: operations by path, and response validation.

The spec is OpenAPI 3.0, so ``nullable`` becomes a JSON-Schema null branch (also next to a
``$ref``, which is how the spec marks nullable references). A few of its schemas contradict the
spec's own prose and examples; :data:`ERRATA` patches exactly those, each with its reason, so that
everything else is validated as written.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from nimble_tools import NimbleToolkit
from nimble_tools.sandbox import Sandbox, SandboxRequest, SandboxResponse

DATA = Path(__file__).parent / "data"
SCHEMAS = "#/components/schemas/"
SPEC_URI = "urn:nimble-openapi"

# schema name -> (JSON pointer inside it, replacement, why)
ERRATA: list[tuple[str, str, Any, str]] = [
    (
        "Contacts.ContactView",
        "/properties/is_important",
        {"type": "boolean"},
        "typed `object`, but it is the star flag (a boolean) in the prose and every client",
    ),
    (
        "Contacts.ContactView",
        "/properties/notice",
        {"anyOf": [{"$ref": SCHEMAS + "Contacts.ContactNotice"}, {"type": "null"}]},
        "required, yet most contacts have no notice; the prose lists it as optional data",
    ),
    (
        "Contacts.ContactView",
        "/properties/company_last_contacted",
        {
            "type": "object",
            "required": ["in", "out"],
            "properties": {
                "in": {"anyOf": [{"$ref": SCHEMAS + "Contacts.LastContacted"}, {"type": "null"}]},
                "out": {"anyOf": [{"$ref": SCHEMAS + "Contacts.LastContacted"}, {"type": "null"}]},
            },
        },
        "in/out cannot both exist for a contact never contacted in that direction",
    ),
    (
        "Contacts.ContactView",
        "/properties/tags",
        {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["tag", "id"],
                "properties": {"tag": {"type": "string"}, "id": {"type": "string"}},
            },
        },
        "strings here, but the Contacts guide's example and field list show {tag, id} objects (live Nimble)",
    ),
    (
        "Contacts.LastContacted",
        "/properties",
        {
            "deletion_tstamp": {"type": ["string", "null"]},
            "object_id": {"type": "string"},
            "tstamp": {"type": "string"},
            "type": {"type": "string"},
            "user_id": {"type": "string"},
            "direction": {"enum": ["inbound", "outbound"]},
        },
        "typed `object` throughout; the Contacts guide's example shows strings and a null deletion_tstamp",
    ),
    (
        "Contacts.ShortContact",
        "/properties/phones",
        {"anyOf": [{"type": "object", "required": ["label", "value"]}, {"type": "null"}]},
        "required object, but a contact may have no phone",
    ),
    (
        "Fields.ContactFieldsTab",
        "/properties/contact_types",
        {"type": "array", "items": {"$ref": SCHEMAS + "Contacts.ContactType"}},
        "one enum string here, but a tab serves person and/or company and create takes a list",
    ),
    (
        "Accounts.User",
        "/properties/first_name",
        {"type": "string"},
        "typed `object`; it is the user's first name",
    ),
    (
        "Accounts.User",
        "/properties/last_name",
        {"type": "string"},
        "typed `object`; it is the user's last name",
    ),
]
# Activities.Activity's timestamps are typed `object`; they are ISO strings or null.
_ACTIVITY_TIMES = ("completed_tstamp", "feed_tstamp", "scheduled_tstamp")


@functools.cache
def spec() -> dict[str, Any]:
    """The official spec (tests/data copy), with :data:`ERRATA` applied."""
    document = yaml.load(
        (DATA / "nimble-openapi.yml").read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    )
    schemas = document["components"]["schemas"]
    for name, pointer, replacement, _why in ERRATA:
        parts = pointer.strip("/").split("/")
        node = schemas[name]
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = copy.deepcopy(replacement)
    for key in _ACTIVITY_TIMES:
        schemas["Activities.Activity"]["properties"][key] = {"type": ["string", "null"]}
    return document


def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema: ``nullable`` adds a null branch (also beside a ``$ref``)."""
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _to_json_schema(v) for k, v in node.items() if k not in ("nullable", "discriminator", "example")}
    if isinstance(out.get("$ref"), str) and out["$ref"].startswith("#/"):
        out["$ref"] = SPEC_URI + out["$ref"]  # absolute, so that fragments of the spec resolve too
    if node.get("nullable"):
        if "$ref" in out or "oneOf" in out or "allOf" in out or "anyOf" in out:
            return {"anyOf": [out, {"type": "null"}]}
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@functools.cache
def _registry() -> Registry:
    document = _to_json_schema(spec())
    return Registry().with_resource(SPEC_URI, Resource.from_contents(document, default_specification=DRAFT202012))


@dataclass(frozen=True)
class SpecOperation:
    """One operation of the spec."""

    method: str
    path: str
    data: dict[str, Any]

    @property
    def parameters(self) -> list[dict[str, Any]]:
        shared = spec()["paths"][self.path].get("parameters", [])
        merged = {(p["name"], p["in"]): p for p in [*shared, *self.data.get("parameters", [])]}
        return list(merged.values())

    def params_in(self, location: str) -> dict[str, dict[str, Any]]:
        return {p["name"]: p for p in self.parameters if p["in"] == location}

    def body_schema(self) -> dict[str, Any]:
        body = self.data.get("requestBody", {}).get("content", {}).get("application/json", {})
        schema: dict[str, Any] = body.get("schema", {})
        while "$ref" in schema:
            schema = spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def response_schema(self, status: int) -> dict[str, Any] | None:
        responses = self.data.get("responses", {})
        entry = responses.get(str(status))
        if entry is None:
            return None
        schema = entry.get("content", {}).get("application/json", {}).get("schema")
        return _to_json_schema(schema) if schema is not None else None


def spec_operation(method: str, path: str) -> SpecOperation:
    """The spec's operation for a method and a path template (``/api/v1/contact/{contact_id}``)."""
    return SpecOperation(method.upper(), path, spec()["paths"][path][method.lower()])


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$")


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    paths = list(spec()["paths"])
    # literal paths first: /api/v1/contacts/ids before /api/v1/contacts/{contact_id}/...
    paths.sort(key=lambda p: p.count("{"))
    return [(_template_regex(p), p) for p in paths]


def template_for(method: str, path: str) -> str | None:
    """The spec path template a concrete request path belongs to."""
    for regex, template in _templates():
        if regex.match(path) and method.lower() in spec()["paths"][template]:
            return template
    return None


def schema_errors(schema: dict[str, Any], body: Any) -> list[str]:
    """Validation messages for ``body`` against a (converted) schema of the spec."""
    validator = jsonschema.Draft202012Validator(schema, registry=_registry())
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}" for e in validator.iter_errors(body)
    ]


@dataclass
class Exchange:
    """One request the sandbox answered."""

    method: str
    path: str
    status: int
    body: Any


@dataclass
class Recorder:
    """Wraps a sandbox so that every answer is recorded for validation."""

    sandbox: Sandbox
    exchanges: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        original = self.sandbox.handle

        def handle(request: SandboxRequest) -> SandboxResponse:
            reply = original(request)
            self.exchanges.append(Exchange(request.method, request.path, reply.status, reply.body))
            return reply

        self.sandbox.handle = handle  # type: ignore[method-assign]

    @property
    def last(self) -> Exchange:
        return self.exchanges[-1]

    def problems(self, exchange: Exchange | None = None) -> list[str]:
        """Why the exchange does not conform to the spec (status documented, body valid)."""
        exchange = exchange or self.last
        template = template_for(exchange.method, exchange.path)
        if template is None:
            return [f"{exchange.method} {exchange.path} is not in the spec"]
        operation = spec_operation(exchange.method, template)
        documented = {str(code) for code in operation.data.get("responses", {})}
        # "Handling Errors" documents 403 (credentials), 404 (unknown id) and 409 (validation) for every route
        if str(exchange.status) not in documented | {"403", "404", "409"}:
            return [f"{exchange.method} {template}: status {exchange.status} not documented ({sorted(documented)})"]
        schema = operation.response_schema(exchange.status)
        if schema is None:
            schema = _to_json_schema(_GENERIC.get(exchange.status))
        return [] if schema is None else schema_errors(schema, exchange.body)

    def assert_conforms(self) -> None:
        """Every recorded answer conforms."""
        problems = [f"{e.method} {e.path} -> {e.status}: {p}" for e in self.exchanges for p in self.problems(e)]
        assert not problems, "\n".join(problems)


_GENERIC = {
    403: {"$ref": SCHEMAS + "Errors.ForbiddenError"},
    404: {"$ref": SCHEMAS + "Errors.NotFoundError"},
    406: {
        "anyOf": [{"$ref": SCHEMAS + "Errors.PreflightCheckFailures"}, {"$ref": SCHEMAS + "Errors.NotAcceptableError"}]
    },
    409: {"$ref": SCHEMAS + "Errors.ValidationError"},
}


def recorded_toolkit() -> tuple[NimbleToolkit, Recorder]:
    """A toolkit on a fresh seeded sandbox whose answers are recorded."""
    toolkit = NimbleToolkit.sandbox()
    assert toolkit.emulator is not None
    return toolkit, Recorder(toolkit.emulator)


def iter_contacts_operations() -> Iterator[tuple[str, str, str]]:
    """(tool, method, path) of every contacts-side tool in tests/data/operations.json."""
    for entry in json.loads((DATA / "operations.json").read_text()):
        yield entry["tool"], entry["method"], entry["path"]
