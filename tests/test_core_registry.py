"""The plugin manager: registration hook, name conflicts, entry points, autoload switch."""

from __future__ import annotations

import importlib.metadata
import types
from collections.abc import Callable, Iterator

import pytest

from nimble_tools import (
    NimbleToolkit,
    Operation,
    OperationConflictError,
    Params,
    PluginError,
    UnknownOperationError,
    UnknownTargetError,
    _registry,
    hookimpl,
)


class EchoParams(Params):
    text: str


def echo_operation(name: str = "toy_echo") -> Operation:
    return Operation(
        name=name,
        description="Return the text it is given.",
        params=EchoParams,
        resource="toy",
        handler=lambda context, params: {"echo": params.text},
        read_only=True,
    )


class ToyPlugin:
    def __init__(self, *operations: Operation) -> None:
        self.operations = operations or (echo_operation(),)

    @hookimpl
    def register_operations(self, register: Callable[[Operation], None]) -> None:
        for operation in self.operations:
            register(operation)


@pytest.fixture(autouse=True)
def _fresh_entry_point_cache() -> Iterator[None]:
    _registry._entry_point_plugins.cache_clear()
    yield
    _registry._entry_point_plugins.cache_clear()


def test_plugin_registers_operation_and_it_is_callable(toolkit: NimbleToolkit) -> None:
    toolkit.register_plugin(ToyPlugin(), name="toy")
    operation = toolkit.operations["toy_echo"]
    assert operation.plugin == "toy"
    assert toolkit.call("toy_echo", {"text": "hi"}).result == {"echo": "hi"}


def test_builtin_operations_are_recorded_under_the_catalog_plugin(toolkit: NimbleToolkit) -> None:
    assert toolkit.operations["list_all_nimble_me"].plugin == "nimble_tools.catalog"


def test_two_operations_with_one_name_raise_with_a_fix(toolkit: NimbleToolkit) -> None:
    toolkit.register_plugin(ToyPlugin(), name="first")
    toolkit.register_plugin(ToyPlugin(), name="second")
    with pytest.raises(OperationConflictError) as caught:
        toolkit.operations  # noqa: B018
    message = str(caught.value)
    assert "'toy_echo'" in message and "'first'" in message and "'second'" in message
    assert "unregister" in message


def test_conflict_with_a_builtin_operation(toolkit: NimbleToolkit) -> None:
    toolkit.register_plugin(ToyPlugin(echo_operation("list_all_nimble_me")), name="shadow")
    with pytest.raises(OperationConflictError, match=r"nimble_tools\.catalog"):
        toolkit.operations  # noqa: B018


def test_register_rejects_non_operations(toolkit: NimbleToolkit) -> None:
    class Bad:
        @hookimpl
        def register_operations(self, register: Callable[[object], None]) -> None:
            register({"name": "not an operation"})

    toolkit.register_plugin(Bad(), name="bad")
    with pytest.raises(PluginError, match="'bad' registered dict"):
        toolkit.operations  # noqa: B018


def test_misspelled_hook_fails_loudly(toolkit: NimbleToolkit) -> None:
    class Typo:
        @hookimpl
        def register_operation(self, register: object) -> None:  # missing "s"
            pass

    with pytest.raises(PluginError, match=r"register_operation"):
        toolkit.register_plugin(Typo(), name="typo")


def test_unknown_operation_suggests_close_names(toolkit: NimbleToolkit) -> None:
    with pytest.raises(UnknownOperationError) as caught:
        toolkit.call("list_all_nimble_contact", {})
    assert "list_all_nimble_contacts" in caught.value.suggestions
    assert "Did you mean" in str(caught.value)


def test_emit_unknown_target_lists_known_ones() -> None:
    toolkit = NimbleToolkit.sandbox(autoload_plugins=False)

    class Adapter:
        @hookimpl
        def register_targets(self, register: Callable[[str, str], None]) -> None:
            register("toy", "a toy target")

        @hookimpl
        def emit(self, toolkit: NimbleToolkit, target: str, options: dict[str, object]) -> object:
            return ["tools", options] if target == "toy" else None

    toolkit.register_plugin(Adapter(), name="toy-adapter")
    assert toolkit.emit("toy", flavour=1) == ["tools", {"flavour": 1}]
    with pytest.raises(UnknownTargetError, match="Available targets: toy"):
        toolkit.emit("nope")


def _fake_entry_points(monkeypatch: pytest.MonkeyPatch, plugins: dict[str, object]) -> list[str]:
    loads: list[str] = []
    module = types.ModuleType("fake_nimble_plugins")
    for name, plugin in plugins.items():
        setattr(module, name, plugin)

    class FakeEntryPoint:
        def __init__(self, name: str) -> None:
            self.name = name
            self.value = f"fake_nimble_plugins:{name}"

        def load(self) -> object:
            loads.append(self.name)
            return plugins[self.name]

    real = importlib.metadata.entry_points

    def entry_points(**kwargs: object) -> object:
        if kwargs.get("group") == "nimble_tools":
            return [FakeEntryPoint(name) for name in plugins]
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    return loads


def test_entry_point_plugins_load_lazily_and_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NIMBLE_TOOLS_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    loads = _fake_entry_points(monkeypatch, {"toy": ToyPlugin()})
    first = NimbleToolkit.sandbox()
    second = NimbleToolkit.sandbox()
    assert loads == []  # nothing loads at construction
    assert "toy_echo" in first.operations
    assert "toy_echo" in second.operations
    assert loads == ["toy"]  # imported once per process, registered in each toolkit


@pytest.mark.parametrize("value", ["1", "true"])
def test_autoload_can_be_disabled_by_environment(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("NIMBLE_TOOLS_DISABLE_PLUGIN_AUTOLOAD", value)
    loads = _fake_entry_points(monkeypatch, {"toy": ToyPlugin()})
    toolkit = NimbleToolkit.sandbox()
    assert "toy_echo" not in toolkit.operations
    assert "list_all_nimble_me" in toolkit.operations  # built-ins are not entry points
    assert loads == []


def test_broken_entry_point_names_the_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NIMBLE_TOOLS_DISABLE_PLUGIN_AUTOLOAD", raising=False)

    class Boom:
        name = "boom"
        value = "boom_pkg:plugin"

        def load(self) -> object:
            raise ImportError("no module named boom_pkg")

    monkeypatch.setattr(
        importlib.metadata, "entry_points", lambda **kw: [Boom()] if kw.get("group") == "nimble_tools" else []
    )
    with pytest.raises(PluginError, match=r"'boom'.*failed to load") as caught:
        NimbleToolkit.sandbox().operations  # noqa: B018
    assert caught.value.plugin == "boom"
