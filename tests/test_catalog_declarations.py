"""What a catalog operation states, and what is derived: flags from the method, models on first use.

An endpoint's flags follow from its HTTP method (GET reads, PUT and DELETE are idempotent, DELETE
destroys) except where :data:`FLAG_EXCEPTIONS` says otherwise and why. Its parameters model is named
by reference and imported the first time it is needed, so that building the registry defines none.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import subprocess
import sys
from typing import Any

import pytest
from catalog_support import build, catalog, example
from deals_support import spec, spec_path
from pydantic import BaseModel, Field

from nimble_tools import NimbleToolkit, Operation, Params, PluginError, UsageError, hookimpl
from nimble_tools._operation import with_changes

# Flags that differ from what the HTTP method says, with the reason. Every entry must still differ
# from the method's default (checked below), so the list stays as short as the truth.
FLAG_EXCEPTIONS: dict[str, tuple[dict[str, bool], str]] = {
    "nimble_contacts_assign_tags": ({"destructive": True}, "a PUT that replaces the whole tag set: tags left out go"),
    "nimble_contact_fields_unset_primary": (
        {"destructive": False},
        "a DELETE of the primary mark only: the value stays",
    ),
    "create_a_nimble_deals_tag": ({"idempotent": True}, "a POST that adds tags: adding them again changes nothing"),
    "nimble_deals_pipelines_archive": ({"idempotent": True}, "a POST that archives: archiving again changes nothing"),
    "nimble_deals_pipelines_unarchive": ({"idempotent": True}, "a POST that restores: restoring again changes nothing"),
}
FLAGS = ("read_only", "destructive", "idempotent")


def flags_of_method(method: str) -> dict[str, bool]:
    """What an HTTP method says about an endpoint."""
    return {
        "read_only": method == "GET",
        "destructive": method == "DELETE",
        "idempotent": method in ("GET", "PUT", "DELETE"),
    }


@pytest.mark.parametrize("name", list(catalog()))
def test_flags_follow_the_spec_method_except_where_documented(name: str) -> None:
    operation = catalog()[name]
    documented = spec()["paths"][spec_path(operation.path)]
    assert operation.method.lower() in documented, f"the spec has no {operation.method} {operation.path}"
    expected = flags_of_method(operation.method) | FLAG_EXCEPTIONS.get(name, ({}, ""))[0]
    assert {flag: getattr(operation, flag) for flag in FLAGS} == expected


def test_every_flag_exception_is_one() -> None:
    for name, (flags, why) in FLAG_EXCEPTIONS.items():
        derived = flags_of_method(catalog()[name].method)
        assert why and all(derived[flag] != value for flag, value in flags.items()), name


@pytest.mark.parametrize("name", list(catalog()))
def test_every_catalog_operation_has_an_example_that_builds_a_request(name: str) -> None:
    operation = catalog()[name]
    assert operation.example is not None, f"{name}: add example={{...}} to its Operation"
    request = build(operation, example(name))
    assert request.method == operation.method and "{" not in request.path


def test_each_catalog_module_states_its_resource_once() -> None:
    import importlib

    from nimble_tools.catalog import CATALOG_MODULES

    for module_name in CATALOG_MODULES:
        module = importlib.import_module(f"nimble_tools.catalog.{module_name}")
        assert all(not op.resource for op in module.OPERATIONS), module_name
        assert {catalog()[op.name].resource for op in module.OPERATIONS} == {module.RESOURCE}


# -- models on first use -------------------------------------------------------------------------------

PROBE = """
import json, sys
from nimble_tools import NimbleToolkit
toolkit = NimbleToolkit(api_key="probe")
operations = toolkit.operations
listed = [(op.name, op.resource, op.read_only, op.description) for op in operations.values()]
before = sorted(m for m in sys.modules if m.startswith("nimble_tools.catalog.params"))
schema = operations["get_single_nimble_contact_by_id"].parameters_json_schema()
after = sorted(m for m in sys.modules if m.startswith("nimble_tools.catalog.params"))
print(json.dumps({"before": before, "after": after, "listed": len(listed), "schema": schema}))
"""


def test_building_and_listing_the_registry_defines_no_catalog_model() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120)
    found = json.loads(out.stdout)
    assert found["listed"] >= len(catalog())
    assert found["before"] == []
    assert "nimble_tools.catalog.params.contacts" in found["after"]  # with its shared pieces, no other resource's
    assert not {m for m in found["after"] if not m.rpartition(".")[2].startswith(("_", "contacts", "params"))}
    assert found["schema"]["required"] == ["id"]


class IdParams(Params):
    id: str = Field(description="Record id.")


class Loose(BaseModel):
    other: str


def endpoint(**fields: Any) -> Operation:
    values: dict[str, Any] = {
        "name": "probe_endpoint",
        "description": "An endpoint for tests.",
        "resource": "probe",
        "method": "GET",
        "path": "/api/v1/probe/{id}",
        "params": f"{__name__}:IdParams",
    }
    return Operation(**(values | fields))


def test_a_model_reference_is_imported_on_first_read_and_kept() -> None:
    operation = endpoint()
    assert operation.__dict__["_params"] == f"{__name__}:IdParams"  # not imported yet
    assert operation.params is IdParams
    assert operation.__dict__["_params"] is IdParams
    assert operation.validate_arguments({"id": "a"}).id == "a"  # type: ignore[attr-defined]


def test_with_changes_copies_an_operation_without_importing_its_model() -> None:
    operation = endpoint()
    copy = with_changes(operation, plugin="probe-plugin")
    assert copy.plugin == "probe-plugin" and copy.__dict__["_params"] == f"{__name__}:IdParams"
    assert dataclasses.replace(copy, title="Probe").params is IdParams  # replace reads, so it imports


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("tests_nowhere.module:Model", "could not be imported"),
        (f"{__name__}:Missing", "could not be imported"),
        (f"{__name__}:FLAGS", "is not a pydantic model"),
        (f"{__name__}:Loose", "path fields ['id'] are not in its params model"),
    ],
)
def test_a_bad_model_reference_names_the_operation_when_read(reference: str, message: str) -> None:
    operation = endpoint(params=reference)  # refused only when needed: the registry stays cheap
    with pytest.raises(UsageError, match=re.escape(message)) as raised:
        _ = operation.params
    assert "probe_endpoint" in str(raised.value)


def test_a_malformed_model_reference_is_refused_at_once() -> None:
    with pytest.raises(UsageError, match=re.escape("'package.module:ClassName'")) as raised:
        endpoint(params="IdParams")
    assert "probe_endpoint" in str(raised.value)


# -- handlers named by reference -------------------------------------------------------------------------

HANDLED: list[str] = []


def probe_handler(context: Any, params: Any) -> dict[str, str]:
    HANDLED.append("sync")
    return {"id": params.id}


async def probe_async_handler(context: Any, params: Any) -> dict[str, str]:
    HANDLED.append("async")
    return {"id": params.id}


def with_action(**handlers: str) -> NimbleToolkit:
    """A sandbox toolkit with ``probe_action``, whose handlers are the references given."""
    action = Operation(
        name="probe_action",
        description="A probe action.",
        resource="probe",
        method="POST",
        params=f"{__name__}:IdParams",
        **handlers,  # type: ignore[arg-type]
    )

    class Probe:
        @hookimpl
        def register_operations(self, register: Any) -> None:
            register(action)

    toolkit = NimbleToolkit.sandbox(autoload_plugins=False)
    toolkit.plugins.register(Probe(), name="probe")
    return toolkit


def test_handler_references_are_imported_and_called_sync_and_async() -> None:
    HANDLED.clear()
    toolkit = with_action(handler=f"{__name__}:probe_handler", async_handler=f"{__name__}:probe_async_handler")
    assert toolkit.call("probe_action", {"id": "a"}).result == {"id": "a"}
    assert asyncio.run(toolkit.acall("probe_action", {"id": "b"})).result == {"id": "b"}
    assert HANDLED == ["sync", "async"]


@pytest.mark.parametrize(
    ("reference", "message"),
    [("tests_nowhere.module:handle", "could not be imported"), (f"{__name__}:FLAGS", "is not a function")],
)
def test_a_bad_handler_reference_fails_the_call_naming_the_operation(reference: str, message: str) -> None:
    toolkit = with_action(handler=reference)
    assert "probe_action" in toolkit.operations  # declaring it imported nothing
    with pytest.raises(UsageError, match=re.escape(message)) as raised:
        toolkit.call("probe_action", {"id": "a"})
    assert "probe_action" in str(raised.value)


def test_a_malformed_handler_reference_is_refused_at_once() -> None:
    with pytest.raises(UsageError, match=re.escape("'package.module:function'")) as raised:
        with_action(handler="probe_handler")
    assert "probe_action" in str(raised.value)


def test_the_bundled_plugins_declare_their_actions_without_importing_them() -> None:
    code = (
        "import sys, nimble_tools\n"
        "ops = nimble_tools.NimbleToolkit('k').operations\n"
        "composite = sorted(n for n, op in ops.items() if op.is_composite)\n"
        "loaded = sorted(m for m in sys.modules if m.endswith('._action') or m == 'nimble_tools_action_support')\n"
        "print(len(composite), loaded)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, loaded = done.stdout.strip().split(" ", 1)
    assert int(count) >= 7 and loaded == "[]", done.stdout


# -- flags derived from the method -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "flags"),
    [
        ("GET", (True, False, True)),
        ("POST", (False, False, False)),
        ("PUT", (False, False, True)),
        ("PATCH", (False, False, False)),
        ("DELETE", (False, True, True)),
    ],
)
def test_an_endpoints_unstated_flags_come_from_its_method(method: str, flags: tuple[bool, bool, bool]) -> None:
    operation = endpoint(method=method)
    assert (operation.read_only, operation.destructive, operation.idempotent) == flags


def test_stated_flags_win_and_destructive_when_means_sometimes() -> None:
    assert not endpoint(method="DELETE", destructive=False).destructive
    assert endpoint(method="POST", idempotent=True).idempotent
    sometimes = endpoint(method="DELETE", destructive_when=lambda params: True)
    assert not sometimes.destructive and sometimes.may_destroy


def test_a_composite_action_states_its_flags_unstated_ones_are_false() -> None:
    action = Operation(
        name="probe_action",
        description="A composite action for tests.",
        params=IdParams,
        resource="probe",
        method="GET",
        handler=lambda context, params: None,
    )
    assert (action.read_only, action.destructive, action.idempotent) == (False, False, False)
    for plugin_action in (op for op in NimbleToolkit(api_key="k").operations.values() if "composite" in op.tags):
        assert not plugin_action.read_only and not plugin_action.may_destroy and plugin_action.idempotent


def test_the_registry_refuses_an_operation_without_a_resource() -> None:
    class Careless:
        @hookimpl
        def register_operations(self, register: Any) -> None:
            register(dataclasses.replace(endpoint(), resource=""))

    toolkit = NimbleToolkit(api_key="k")
    toolkit.plugins.register(Careless(), name="careless")
    with pytest.raises(PluginError, match="'probe_endpoint' without a resource") as raised:
        _ = toolkit.operations
    assert raised.value.plugin == "careless"
