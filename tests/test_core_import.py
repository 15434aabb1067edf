"""Importing the core loads no framework and no plugin."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import nimble_tools


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_import_loads_no_framework_and_no_plugin() -> None:
    out = _run(
        "import sys, nimble_tools\n"
        "heavy = [m for m in ('langchain', 'langchain_core', 'mcp', 'openai', 'langgraph') if m in sys.modules]\n"
        "plugins = [m for m in sys.modules if m.startswith('nimble_tools.catalog') or m.startswith('nimble_tools_')]\n"
        "print(heavy, plugins)"
    )
    assert out == "[] []"


def test_building_the_registry_loads_no_framework() -> None:
    out = _run(
        "import sys, nimble_tools\n"
        "t = nimble_tools.NimbleToolkit.sandbox(autoload_plugins=False)\n"
        "n = len(t.operations)\n"
        "print(n > 0, [m for m in ('langchain', 'langchain_core', 'mcp', 'openai') if m in sys.modules])"
    )
    assert out == "True []"


def test_public_names_are_unique_exported_and_complete() -> None:
    exported = nimble_tools.__all__
    assert len(set(exported)) == len(exported)  # ruff's RUF022 keeps the order sorted
    for name in exported:
        assert hasattr(nimble_tools, name), name
    public = {
        name
        for name, value in vars(nimble_tools).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("nimble_tools")
    }
    assert public <= set(exported), public - set(exported)


def test_the_command_line_loads_httpx_only_for_a_request() -> None:
    # `nimble-tools mcp` answers tools/list without a request to Nimble: it should not pay for httpx.
    out = _run("import sys, nimble_tools.cli\nprint([m for m in ('httpx', 'mcp', 'langchain') if m in sys.modules])")
    assert out == "[]"


def test_a_registry_with_every_plugin_loads_no_adapter_implementation_and_no_command_line() -> None:
    # Every registry loads each entry point; what only emitting or the command line needs waits for them.
    out = _run(
        "import sys, nimble_tools\n"
        "n = len(nimble_tools.NimbleToolkit('k').operations)\n"
        "deferred = ('click', 'nimble_tools_openai._toolset', 'nimble_tools_callables._build',\n"
        "            'nimble_tools_langchain._tool', 'nimble_tools_mcp._server', 'nimble_tools_hosted._serve_command')\n"
        "print(n, 'nimble_tools_openai' in sys.modules, [m for m in deferred if m in sys.modules])"
    )
    count, openai_loaded, loaded = out.split(" ", 2)
    assert int(count) > 90 and openai_loaded == "True", out  # the entry points were loaded...
    assert loaded == "[]", out  # ...and not their implementations


def test_lazy_adapter_names_load_on_first_use() -> None:
    out = _run(
        "import sys, nimble_tools_openai, nimble_tools_callables\n"
        "before = 'nimble_tools_openai._toolset' in sys.modules\n"
        "print(before, nimble_tools_openai.OpenAIToolset.__name__, nimble_tools_callables.JsonResult.__name__)"
    )
    assert out == "False OpenAIToolset JsonResult"


def test_the_sandbox_uses_the_core_only_for_the_search_language_and_the_record_readers() -> None:
    # The sandbox stands for Nimble: it must not answer through the toolkit it is there to test.
    sandbox = Path(nimble_tools.__file__).parent / "sandbox"
    used: dict[str, set[str]] = {}
    for path in sandbox.rglob("*.py"):
        package = "nimble_tools." + ".".join(path.relative_to(sandbox.parent).with_suffix("").parts[:-1])
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = package.rsplit(".", node.level - 1)[0] if node.level else ""
                module = ".".join(part for part in (base, node.module or "") if part)
                names = [module] if node.module else [f"{module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.startswith("nimble_tools") and not name.startswith("nimble_tools.sandbox"):
                    used.setdefault(name, set()).add(path.name)
    assert set(used) == {"nimble_tools.types.search", "nimble_tools.readers"}, used
