"""Every contacts-side operation against the official spec: method, path, required parameters.

The request each operation builds is compared with the spec: every parameter the spec requires is
on the wire, and every parameter on the wire is one the spec documents.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from catalog_support import build, catalog, contacts_side, example
from contacts_cases import RICH
from spec_support import DATA, spec_operation

from nimble_tools import Operation

SEED = {entry["tool"]: entry for entry in json.loads((DATA / "operations.json").read_text())}
CONTACTS_SIDE = contacts_side()
# Deliberate extras: the spec names the contact-update switch `type`; Nimble's older docs and every
# client in the wild call it `replace`. Which one the server reads is unverified, so both are sent.
LEGACY_WIRE = {"update_a_nimble_contact_by_id": {"replace"}}


@pytest.fixture(scope="module")
def operations() -> dict[str, Operation]:
    return catalog()


def spec_template(path: str) -> str:
    """Our path templates name placeholders their own way; find the spec path with the same shape."""
    from spec_support import spec

    shape = re.sub(r"\{\w+\}", "{}", path)
    matches = [p for p in spec()["paths"] if re.sub(r"\{\w+\}", "{}", p) == shape]
    assert len(matches) == 1, f"{path}: {matches}"
    return matches[0]


def test_every_seed_operation_of_the_v1_api_is_in_the_catalog() -> None:
    # Truto's reference list (tests/data/operations.json) names the tools an agent expects; the
    # catalog may have more (new endpoints need not be in it).
    issue = {tool for tool, entry in SEED.items() if not entry["path"].startswith(("/api/v2", "/api/2"))}
    assert issue <= set(CONTACTS_SIDE), sorted(issue - set(CONTACTS_SIDE))
    rich = set(RICH) - set(CONTACTS_SIDE)
    assert not rich, f"richer examples for operations that are not on the contacts side: {sorted(rich)}"


@pytest.mark.parametrize("name", CONTACTS_SIDE)
def test_method_and_path_match_the_spec(operations: dict[str, Operation], name: str) -> None:
    operation = operations[name]
    template = spec_template(operation.path)
    assert spec_operation(operation.method, template).method == operation.method  # the spec has it on this path
    if name in SEED:  # and so does the reference, for the tools it names
        assert (operation.method, operation.path) == (SEED[name]["method"], SEED[name]["path"])


@pytest.mark.parametrize("name", CONTACTS_SIDE)
def test_required_parameters_are_sent(operations: dict[str, Operation], name: str) -> None:
    operation = operations[name]
    method, path = operation.method, operation.path
    documented = spec_operation(method, spec_template(path))
    request = build(operation, example(name))
    required_query = {n for n, p in documented.params_in("query").items() if p.get("required")}
    assert required_query <= set(request.params), f"missing query {required_query - set(request.params)}"
    body_schema = documented.body_schema()
    required_body = set(body_schema.get("required", []))
    sent = set(request.json or {}) if isinstance(request.json, dict) else set()
    assert required_body <= sent, f"missing body {required_body - sent}"
    assert request.path.count("/") == path.count("/") and "{" not in request.path


@pytest.mark.parametrize("name", CONTACTS_SIDE)
def test_no_undocumented_parameter_is_sent(operations: dict[str, Operation], name: str) -> None:
    operation = operations[name]
    documented = spec_operation(operation.method, spec_template(operation.path))
    query_names = {n.split(" ")[0] for n in documented.params_in("query")}
    body_schema = documented.body_schema()
    body_names = set(body_schema.get("properties", {})) | set(body_schema.get("required", []))
    for arguments in (example(name), RICH.get(name, example(name))):
        request = build(operation, arguments)
        extra = set(request.params) - query_names - LEGACY_WIRE.get(name, set())
        assert not extra, extra
        if isinstance(request.json, dict):
            assert set(request.json) <= body_names, set(request.json) - body_names
        if documented.body_schema() == {}:
            assert not request.json, f"{name} sends a body the spec does not take"


# Overwrites that cannot be undone are confirmed like deletes, where the reference calls them plain writes.
DESTRUCTIVE_HERE = {"nimble_contacts_assign_tags": "replaces the whole tag set: tags left out are gone"}


@pytest.mark.parametrize("name", sorted(set(CONTACTS_SIDE) & set(SEED)))
def test_flags_match_the_reference(operations: dict[str, Operation], name: str) -> None:
    operation = operations[name]
    entry = SEED[name]
    assert operation.destructive == (entry["destructive"] or name in DESTRUCTIVE_HERE)
    assert operation.idempotent == entry["idempotent"]
    assert operation.read_only == (operation.method == "GET")


@pytest.mark.parametrize("name", CONTACTS_SIDE)
def test_descriptions_and_schemas_suit_models(operations: dict[str, Operation], name: str) -> None:
    operation = operations[name]
    assert 40 <= len(operation.description) <= 1024
    schema = operation.parameters_json_schema()

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" not in node:
                pytest.fail(f"{name}: free-form object at {where} (awkward in OpenAI strict mode)")
            assert "oneOf" not in node, f"{name}: oneOf at {where}"
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(schema, "#")
    for field_name, field in schema.get("properties", {}).items():  # every field a model fills in is described
        if field_name not in ("limit", "next_cursor"):  # (the paging pair is described once, for every list)
            said = [field.get("description"), *(branch.get("description") for branch in field.get("anyOf", []))]
            assert any(text and text.strip() for text in said), f"{name}.{field_name} has no description"
