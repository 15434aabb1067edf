"""The schema cache: servers list their tools without defining models, and never from stale code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nimble_tools import NimbleToolkit
from nimble_tools._operation import params_reference
from nimble_tools._published_schema import published_schema
from nimble_tools._schema_cache import SchemaCache, shared_cache
from nimble_tools.toolsets import resolve

LIST_TOOLS = """
import json, sys
from nimble_tools import NimbleToolkit
server = NimbleToolkit("k").emit("mcp")
catalog_models = sorted(m for m in sys.modules if m.startswith("nimble_tools.catalog.params."))
print(json.dumps({"schemas": {t.name: t.input_schema for t in server.tools}, "models": catalog_models}))
"""


def list_tools(cache: str) -> dict[str, Any]:
    environment = {**os.environ, "NIMBLE_TOOLS_SCHEMA_CACHE": cache}
    done = subprocess.run([sys.executable, "-c", LIST_TOOLS], capture_output=True, text=True, env=environment)
    assert done.returncode == 0, done.stderr[-2000:]
    listed: dict[str, Any] = json.loads(done.stdout)
    return listed


def test_a_second_server_lists_the_same_schemas_without_defining_a_catalog_model(tmp_path: Path) -> None:
    made = list_tools(str(tmp_path))  # the first start makes the schemas and keeps them
    assert made["models"] and len(list(tmp_path.glob("schemas-*.json"))) == 1
    again = list_tools(str(tmp_path))
    assert again["models"] == []  # every schema came from the cache
    assert again["schemas"] == made["schemas"]  # (that they are the models' own: the next test)


@pytest.mark.parametrize("approve", [None, "elicit", True], ids=["token", "elicit", "approved"])
def test_cached_schemas_are_the_models_published_schemas(
    toolkit: NimbleToolkit, approve: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    view = resolve(toolkit, None)
    live = {name: published_schema(view.model_params(name, approve).model_json_schema()) for name in view}
    monkeypatch.setenv("NIMBLE_TOOLS_SCHEMA_CACHE", str(tmp_path))
    assert view.input_schemas(approve) == live  # made and kept
    cached = [name for name in view if params_reference(view.entry(name).operation)]
    assert len(cached) > 80  # the catalog names its models by reference
    reread = {name: SchemaCache(tmp_path).schema(*_key(view, name, approve)) for name in cached}
    assert reread == {name: live[name] for name in cached}  # read back, not made again
    if approve is None:  # destructive tools take the confirm token in this view, in the cache too
        assert "confirm_token" in live["delete_a_nimble_contact_by_id"]["properties"]


def _key(view: Any, name: str, approve: Any) -> tuple[str, str, Any, frozenset[str]]:
    variant = "confirm_token" if view.offers_confirm_token(name, approve) else "plain"
    reference = params_reference(view.entry(name).operation)
    assert reference is not None
    return reference, variant, _refuse, view.toolkit.plugin_packages()


def _refuse() -> dict[str, Any]:
    raise AssertionError("the schema was made again instead of read from the cache")


# -- the cache itself, on a package of its own -------------------------------------------------------


@pytest.fixture
def probe_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An importable package ``schema_probe`` whose ``models.Probe`` is a pydantic model."""
    package = tmp_path / "src" / "schema_probe"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text("from pydantic import BaseModel\n\nclass Probe(BaseModel):\n    a: int\n")
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    return package


def counting(schema: dict[str, Any]) -> tuple[list[int], Any]:
    made: list[int] = []

    def make() -> dict[str, Any]:
        made.append(1)
        return schema

    return made, make


def test_an_edit_of_the_models_package_is_never_answered_from_the_old_file(probe_package: Path, tmp_path: Path) -> None:
    made, make = counting({"type": "object", "properties": {"a": {"type": "integer"}}})
    first = SchemaCache(tmp_path / "cache")
    assert first.schema("schema_probe.models:Probe", "plain", make)["properties"] == {"a": {"type": "integer"}}
    first.save()
    assert SchemaCache(tmp_path / "cache").schema("schema_probe.models:Probe", "plain", make) and len(made) == 1

    (probe_package / "models.py").write_text(
        "from pydantic import BaseModel\n\nclass Probe(BaseModel):\n    a: int\n    b: str\n"
    )
    changed, make_changed = counting({"type": "object", "properties": {"b": {"type": "string"}}})
    after = SchemaCache(tmp_path / "cache")
    assert after.schema("schema_probe.models:Probe", "plain", make_changed)["properties"] == {"b": {"type": "string"}}
    after.save()
    assert len(changed) == 1 and len(list((tmp_path / "cache").glob("schemas-*.json"))) == 1  # the old file went


def test_a_copy_each_time(probe_package: Path, tmp_path: Path) -> None:
    cache = SchemaCache(tmp_path)
    _, make = counting({"type": "object", "properties": {}})
    cache.schema("schema_probe.models:Probe", "plain", make)["properties"]["x"] = 1
    assert cache.schema("schema_probe.models:Probe", "plain", make) == {"type": "object", "properties": {}}


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", ""])
def test_a_damaged_file_is_ignored_and_replaced(probe_package: Path, tmp_path: Path, content: str) -> None:
    made, make = counting({"type": "object"})
    cache = SchemaCache(tmp_path)
    cache.schema("schema_probe.models:Probe", "plain", make)
    cache.save()
    (path,) = tmp_path.glob("schemas-*.json")
    path.write_text(content)
    assert SchemaCache(tmp_path).schema("schema_probe.models:Probe", "plain", make) == {"type": "object"}
    assert len(made) == 2  # made again, not read from the damaged file


def test_a_cache_that_cannot_be_written_is_skipped(probe_package: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    cache = SchemaCache(blocked / "cache")
    _, make = counting({"type": "object"})
    assert cache.schema("schema_probe.models:Probe", "plain", make) == {"type": "object"}
    cache.save()  # no error: the schemas are simply made again next time


def test_zero_turns_the_cache_off(toolkit: NimbleToolkit, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NIMBLE_TOOLS_SCHEMA_CACHE", "0")
    assert shared_cache() is None
    view = resolve(toolkit, None)
    assert view.input_schema("list_all_nimble_contacts") == published_schema(
        view.model_params("list_all_nimble_contacts").model_json_schema()
    )
    monkeypatch.setenv("NIMBLE_TOOLS_SCHEMA_CACHE", str(tmp_path))
    assert shared_cache() is not None and shared_cache() is shared_cache()


def test_the_default_directory_is_the_users_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NIMBLE_TOOLS_SCHEMA_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cache = shared_cache()
    assert cache is not None and cache.directory == tmp_path / "xdg" / "nimble-tools"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    cache = shared_cache()
    assert cache is not None and cache.directory == tmp_path / "home" / ".cache" / "nimble-tools"
