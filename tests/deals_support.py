"""Shared test support for the deals side: the spec as JSON Schema, and a toolkit that checks every answer.

``deal_toolkit`` is a sandbox toolkit with a plugin that, after every successful call of a deals-side
operation, validates Nimble's answer against the response schema the spec documents for it, and
checks that the sandbox answered with the spec's success status. Every end-to-end test therefore
doubles as a response-conformance test.

The spec has a few schema bugs; :data:`ERRATA` patches them, each with its reason, before
validation. OpenAPI 3.0's ``nullable`` becomes a JSON Schema null type, and ``oneOf`` becomes
``anyOf``: the spec's alternatives require nothing and stay open, so several always match at once.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from catalog_support import deals_side
from spec_support import spec as contacts_spec

from nimble_tools import NimbleAPIError, NimbleToolkit, hookimpl
from nimble_tools.sandbox import SANDBOX_BASE_URL, Sandbox

DATA = Path(__file__).parent / "data"

DEAL_OPERATIONS = deals_side()

# The spec prints these two routes without the "v"; clients that work call /api/v2 (see catalog/deal_tags.py).
SPEC_PATH_TYPOS = {"/api/v2/deals/tags/{}": "/api/2/deals/tags/{}"}

NULLABLE_STAGE = {"$ref": "#/components/schemas/Pipeline.DealStage", "nullable": True}
STRING_OR_NULL = {"type": "string", "nullable": True}

# (schema, JSON-pointer-ish property path, replacement, why)
ERRATA: tuple[tuple[str, tuple[str, ...], Any, str], ...] = (
    (
        "Deals.CreateDealRequest",
        ("required",),
        ["owner_id", "fields_values", "pipeline_id", "stage_id"],
        "the required list names 'owner', a property that does not exist; the property is owner_id",
    ),
    *(
        (
            f"Fields.{kind}NumberPresentation",
            ("required",),
            ["number_type", *extra],
            "the required list names 'type', a property that does not exist; the property is number_type",
        )
        for kind, extra in (
            ("Integer", []),
            ("Decimal", ["fraction_digits"]),
            ("Percentage", ["fraction_digits"]),
            ("Financial", ["currency"]),
        )
    ),
    (
        "Deals.DealView",
        ("properties", "files"),
        {"type": "array", "items": {"$ref": "#/components/schemas/Deals.DealFile"}},
        "a deal has several files; the spec references one DealFile object",
    ),
    (
        "Deals.DealPipelineFieldsTab",
        ("properties", "members"),
        {"type": "array", "items": {"$ref": "#/components/schemas/Deals.DealPipelineFieldsTabMember"}},
        "a tab holds a list of members; the spec references one member",
    ),
    (
        "Deals.DealStageTransition",
        ("properties", "from_stage"),
        NULLABLE_STAGE,
        "its description says it is null for the very first transition",
    ),
    (
        "Pipeline.DealStage",
        ("properties", "default_probability"),
        {"type": "integer", "nullable": True},
        "stages may have no default probability (the deal docs handle 'if none')",
    ),
    (
        "Deals.DealPrivacy",
        ("properties", "read"),
        {"$ref": "#/components/schemas/Deals.Principals", "nullable": True},
        "its description: 'Null if permitted for everyone'",
    ),
    (
        "Deals.DealPrivacy",
        ("properties", "edit"),
        {"$ref": "#/components/schemas/Deals.Principals", "nullable": True},
        "its description: 'Null if permitted for everyone'",
    ),
    (
        "Deals.DealsStageGroup",
        ("properties", "meta", "properties", "next_page_url"),
        STRING_OR_NULL,
        "its description: 'None if no more deals'",
    ),
    (
        "Deals.DealsByOwnerGroup",
        ("properties", "meta", "properties", "next_page_url"),
        STRING_OR_NULL,
        "its description: 'None if no more deals'",
    ),
    *(
        (
            "Activities.Activity",
            ("properties", key),
            STRING_OR_NULL,
            "timestamps are typed 'object' (a server-side datetime); on the wire they are ISO strings or null",
        )
        for key in ("scheduled_tstamp", "completed_tstamp", "feed_tstamp")
    ),
    *(
        ("Accounts.User", ("properties", key), {"type": "string"}, "names are typed 'object'; they are strings")
        for key in ("first_name", "last_name")
    ),
)

# Column catalogue: the spec's response schema is malformed (properties named "type" and "items").
COLUMN_CATALOGUE = {
    "type": "array",
    "items": {
        "anyOf": [
            {"$ref": "#/components/schemas/Columns.ColumnGroup"},
            {"$ref": "#/components/schemas/Deals.DealListingColumn"},
        ]
    },
}


@functools.cache
def spec() -> dict[str, Any]:
    """The official spec (tests/data/nimble-openapi.yml) with the contacts side's errata applied.

    Lead transitions answer with a contact, so the contact view's corrections (spec_support.ERRATA)
    apply here too; :data:`ERRATA` adds the deal-side ones on top.
    """
    document: dict[str, Any] = copy.deepcopy(contacts_spec())
    return document


@functools.cache
def seed_operations() -> dict[str, dict[str, Any]]:
    """tests/data/operations.json by tool name."""
    return {op["tool"]: op for op in json.loads((DATA / "operations.json").read_text())}


def template(path: str) -> str:
    """A path with every placeholder reduced to ``{}``."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def spec_path(path: str) -> str:
    """The spec's own path template for one of our path templates."""
    wanted = SPEC_PATH_TYPOS.get(template(path), template(path))
    matches = [p for p in spec()["paths"] if template(p) == wanted]
    assert len(matches) == 1, f"no single spec path for {path}: {matches}"
    return matches[0]


def spec_operation(method: str, path: str) -> dict[str, Any]:
    """The spec's operation object for our method and path template."""
    return dict(spec()["paths"][spec_path(path)][method.lower()])


def spec_parameters(method: str, path: str) -> list[dict[str, Any]]:
    """Path-level and operation-level parameters of an operation."""
    item = spec()["paths"][spec_path(path)]
    return [*item.get("parameters", []), *item[method.lower()].get("parameters", [])]


def _to_json_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _to_json_schema(v) for k, v in node.items() if k not in ("nullable", "discriminator", "example")}
    if "$ref" in out:
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/$defs/")
    if "oneOf" in out:
        out["anyOf"] = out.pop("oneOf")
    if node.get("nullable"):
        if any(key in out for key in ("$ref", "anyOf", "allOf")) or "type" not in out:
            return {"anyOf": [out, {"type": "null"}]}
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@functools.cache
def _definitions() -> dict[str, Any]:
    schemas = copy.deepcopy(spec()["components"]["schemas"])
    for name, path, replacement, _why in ERRATA:
        target = schemas[name]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = copy.deepcopy(replacement)
    return {name: _to_json_schema(schema) for name, schema in schemas.items()}


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """A validator for an OpenAPI schema fragment of the spec (components resolvable)."""
    root = {**_to_json_schema(schema), "$defs": _definitions()}
    return jsonschema.Draft202012Validator(root)


def component(name: str) -> jsonschema.Draft202012Validator:
    """A validator for one of the spec's component schemas."""
    return validator({"$ref": f"#/components/schemas/{name}"})


def assert_valid(schema_validator: jsonschema.Draft202012Validator, value: Any, what: str) -> None:
    """Fail with every schema violation listed."""
    errors = sorted(schema_validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    assert not errors, f"{what} breaks the spec:\n" + "\n".join(
        f"  at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}" for e in errors[:10]
    )


def success_response(method: str, path: str) -> tuple[int, dict[str, Any] | None]:
    """The documented success status and its JSON schema (None when the spec documents no body)."""
    responses = spec_operation(method, path)["responses"]
    status = min(int(code) for code in responses if str(code).startswith("2"))
    content = responses[str(status)].get("content", {}).get("application/json")
    if spec_path(path) == "/api/v2/deals/column_catalogue":
        return status, COLUMN_CATALOGUE
    return status, content["schema"] if content else None


def error_schema(method: str, path: str, status: int) -> dict[str, Any] | None:
    """The spec's schema for an error status of an operation, if it documents one."""
    response = spec_operation(method, path)["responses"].get(str(status), {})
    content = response.get("content", {}).get("application/json")
    return content["schema"] if content else None


class RecordingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The sandbox transport (sync and async), remembering the status of each answer."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.inner = sandbox.transport()
        self.statuses: list[tuple[str, str, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.statuses.append((request.method, request.url.path, response.status_code))
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.statuses.append((request.method, request.url.path, response.status_code))
        return response


class SpecConformance:
    """A plugin validating each deals-side answer against the spec's success response."""

    __name__ = "spec-conformance"

    def __init__(self, transport: RecordingTransport) -> None:
        self.transport = transport
        self.checked: list[str] = []

    @hookimpl
    def after_call(self, context: Any) -> None:
        operation = context.operation
        if operation.name not in DEAL_OPERATIONS or context.result is None:
            return
        status, schema = success_response(operation.method, operation.path)
        answered = self.transport.statuses[-1][2]
        assert answered == status, f"{operation.name}: sandbox answered {answered}, the spec documents {status}"
        body = context.result.raw
        if schema is not None:
            assert_valid(validator(schema), body, f"{operation.name} answer")
        else:
            assert body is None, f"{operation.name}: the spec documents no body, the sandbox sent {body!r}"
        self.checked.append(operation.name)


def make_toolkit(sandbox: Sandbox | None = None, *, api_key: str | None = None) -> NimbleToolkit:
    """A toolkit on ``sandbox`` (a fresh seeded one by default) that checks answers against the spec."""
    box = sandbox or Sandbox()
    transport = RecordingTransport(box)
    toolkit = NimbleToolkit(
        api_key or box.api_key,
        base_url=SANDBOX_BASE_URL,
        transport=transport,
        async_transport=transport,
        autoload_plugins=False,
    )
    toolkit.emulator = box
    toolkit.register_plugin(SpecConformance(transport), name="spec-conformance")
    return toolkit


def second_user_toolkit(toolkit: NimbleToolkit) -> NimbleToolkit:
    """A toolkit on the same sandbox signed in as its second user (no admin rights, no private deals)."""
    box = toolkit.emulator
    assert box is not None
    user_id = next(u for u in box.state.users if u != box.state.me_id)
    box.state.tokens["second-user-token"] = {"user_id": user_id, "expires_at": float("inf"), "scope": "deals"}
    return make_toolkit(box, api_key="second-user-token")


def assert_error(error: NimbleAPIError, status: int, operation: Any) -> None:
    """The error has ``status`` and, where the spec documents its body, that body's shape."""
    assert error.status_code == status, error
    schema = error_schema(operation.method, operation.path, status)
    if schema is not None:
        assert_valid(validator(schema), error.body, f"{operation.name} {status} body")


def raises_api(toolkit: NimbleToolkit, name: str, arguments: dict[str, Any], status: int) -> NimbleAPIError:
    """Call ``name`` expecting Nimble's error ``status``; return the error (its documented shape checked)."""
    with pytest.raises(NimbleAPIError) as caught:
        toolkit.call(name, arguments)
    assert_error(caught.value, status, toolkit.operations[name])
    return caught.value


# --- handy lookups in the seeded sandbox ----------------------------------------------------------------


def me(toolkit: NimbleToolkit) -> str:
    """The API key user's id."""
    return str(toolkit.call("list_all_nimble_me").result["user_id"])


def pipeline(toolkit: NimbleToolkit, name: str = "Sales") -> dict[str, Any]:
    """A deal pipeline by name."""
    found: dict[str, Any] = next(p for p in toolkit.call("list_all_nimble_deals_pipelines").result if p["name"] == name)
    return found


def stage(pipeline_record: dict[str, Any], name: str) -> str:
    """A stage id by name."""
    return str(next(s["stage_id"] for s in pipeline_record["stages"] if s["name"] == name))


def deal_named(toolkit: NimbleToolkit, name: str) -> dict[str, Any]:
    """A deal by name (from the list of all deals)."""
    deals = toolkit.call("list_all_nimble_deals", {"limit": 100}).result
    found: dict[str, Any] = next(d for d in deals if value_of(d, "name") == name)
    return found


def value_of(deal: dict[str, Any], field: str) -> str | None:
    """A deal's value of a field, by field name."""
    values = deal["fields_values_with_names"].get(field) or []
    return str(values[0]["value"]) if values else None


def new_deal(toolkit: NimbleToolkit, **extra: Any) -> dict[str, Any]:
    """Create a deal in the Sales pipeline's first stage."""
    sales = pipeline(toolkit)
    arguments = {
        "name": "Test deal",
        "pipeline_id": sales["pipeline_id"],
        "stage_id": stage(sales, "Qualification"),
        "owner_id": me(toolkit),
        **extra,
    }
    created: dict[str, Any] = toolkit.call("create_a_nimble_deal", arguments).result
    return created


def sent(toolkit: NimbleToolkit) -> int:
    """How many requests the sandbox has answered so far."""
    assert toolkit.emulator is not None
    return toolkit.emulator.request_count


def refused_before_sending(toolkit: NimbleToolkit, call: Callable[[], Any]) -> Exception:
    """Run ``call`` expecting a ToolInputError and no request at all."""
    from nimble_tools import ToolInputError

    before = sent(toolkit)
    with pytest.raises(ToolInputError) as caught:
        call()
    assert sent(toolkit) == before, "a request was sent"
    return caught.value
