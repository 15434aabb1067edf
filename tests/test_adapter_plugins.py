"""Adapters are plugins: the four built-ins, a fifth toy one, entry points, and lazy imports."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from nimble_tools import NimbleToolkit, UnknownTargetError, hookimpl
from nimble_tools._registry import ENTRY_POINT_GROUP, _entry_point_plugins

BUILT_IN = {"langchain", "openai", "callables", "mcp"}


def test_the_four_targets_are_announced(toolkit: NimbleToolkit) -> None:
    targets = toolkit.targets()
    assert set(targets) >= BUILT_IN and all(targets[t] for t in BUILT_IN)


def test_an_unknown_target_lists_the_available_ones(toolkit: NimbleToolkit) -> None:
    with pytest.raises(UnknownTargetError) as caught:
        toolkit.emit("crewai")
    assert all(target in str(caught.value) for target in BUILT_IN)


class MarkdownAdapter:
    """A fifth target: one Markdown line per tool, plus a runner that uses the one call path."""

    @hookimpl
    def register_targets(self, register: Callable[[str, str], None]) -> None:
        register("markdown", "a Markdown list of the tools")

    @hookimpl
    def emit(self, toolkit: NimbleToolkit, target: str, options: dict[str, Any]) -> Any:
        if target != "markdown":
            return None
        lines = [f"- `{op.name}`: {op.description.split('.')[0]}." for op in toolkit.operations.values()]

        def run(name: str, **arguments: Any) -> Any:
            return toolkit.call(name, arguments, account=options.get("account")).result

        return "\n".join(lines), run


def check_markdown(toolkit: NimbleToolkit) -> None:
    assert toolkit.targets()["markdown"] == "a Markdown list of the tools"
    text, run = toolkit.emit("markdown")
    assert text.count("\n") + 1 == len(toolkit.operations) and "`list_all_nimble_me`" in text
    assert run("list_all_nimble_me")["name"] == "Sandbox Admin"
    assert isinstance(toolkit.emit("openai"), list)  # the built-ins still answer their own targets


def test_a_fifth_adapter_registers_through_the_hook(toolkit: NimbleToolkit) -> None:
    toolkit.register_plugin(MarkdownAdapter(), name="markdown-adapter")
    check_markdown(toolkit)


def test_a_fifth_adapter_is_found_through_an_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("nimble_tools_markdown_toy")
    adapter = MarkdownAdapter()
    module.register_targets = adapter.register_targets  # type: ignore[attr-defined]
    module.emit = adapter.emit  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    real = importlib.metadata.entry_points
    toy = importlib.metadata.EntryPoint(name="markdown", value=module.__name__, group=ENTRY_POINT_GROUP)

    def entry_points(**params: Any) -> Any:
        found = real(**params)
        return importlib.metadata.EntryPoints([*found, toy]) if params.get("group") == ENTRY_POINT_GROUP else found

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    _entry_point_plugins.cache_clear()  # the registry imports entry points once per process
    try:
        check_markdown(NimbleToolkit.sandbox())
    finally:
        _entry_point_plugins.cache_clear()


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)


def test_using_the_toolkit_imports_no_agent_framework() -> None:
    done = python(
        "import sys\n"
        "from nimble_tools import NimbleToolkit\n"
        "toolkit = NimbleToolkit.sandbox()\n"
        "assert set(toolkit.targets()) >= {'langchain', 'openai', 'callables', 'mcp'}\n"
        "toolkit.emit('openai'); toolkit.emit('callables')\n"
        "loaded = [m for m in ('langchain_core', 'langchain', 'mcp', 'openai', 'agents') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    assert done.returncode == 0, done.stderr


def test_a_missing_framework_is_a_usage_error_with_the_install_hint() -> None:
    done = python(
        "import sys\n"
        "sys.modules['langchain_core'] = None; sys.modules['mcp'] = None\n"
        "from nimble_tools import NimbleToolkit, UsageError\n"
        "toolkit = NimbleToolkit.sandbox()\n"
        "for target, extra in (('langchain', 'langchain'), ('mcp', 'mcp')):\n"
        "    try:\n"
        "        toolkit.emit(target)\n"
        "    except UsageError as error:\n"
        "        assert f\"pip install 'nimble-tools[{extra}]'\" in str(error), error\n"
        "    else:\n"
        "        raise AssertionError(target)\n"
    )
    assert done.returncode == 0, done.stderr
