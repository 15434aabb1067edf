"""When nothing asks for it, observability is not there: no plugin, no timing, no OpenTelemetry import.

Each case runs in a fresh interpreter, since OpenTelemetry's global providers can be set once per
process: not configured (nothing registered, the client is not asked to time attempts), configured
(every new toolkit registers the plugin by itself), turned off by ``NIMBLE_TOOLS_OTEL=0``, and the
``otel`` extra missing (nothing imported, a clear error where it is asked for).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

SPY = """
import json, sys
from nimble_tools import NimbleToolkit
from nimble_tools.observability import PLUGIN_NAME

def watched_toolkit():
    toolkit = NimbleToolkit.sandbox()
    observers = []
    send = toolkit.client.send
    def spy(spec, **options):
        observers.append(options.get("observe"))
        return send(spec, **options)
    toolkit.client.send = spy
    return toolkit, observers

def state(toolkit, observers):
    return {
        "plugin": toolkit.plugins.get_plugin(PLUGIN_NAME) is not None,
        "timed": any(observer is not None for observer in observers),
        "attempt_hooks": len(toolkit.plugins.hook.on_http_attempt.get_hookimpls()),
    }
"""

CONFIGURE = """
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
"""


def run(code: str, **env: str) -> Any:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    environment.pop("OTEL_SDK_DISABLED", None)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_configuration_nothing_is_registered_then_configuring_turns_it_on() -> None:
    out = run(
        SPY
        + """
import opentelemetry.trace  # imported (a framework may import it), but nobody configured it
before, observers = watched_toolkit()
before.call("list_all_nimble_me")
result = {"unconfigured": state(before, observers)}
"""
        + CONFIGURE
        + """
after, observers = watched_toolkit()
after.call("list_all_nimble_me")
result["configured"] = state(after, observers)
result["spans"] = [span.name for span in exporter.get_finished_spans()]
before.call("list_all_nimble_me")  # a toolkit loaded before stays as it was
result["spans_after_old_toolkit"] = len(exporter.get_finished_spans())
print(json.dumps(result))
"""
    )
    assert out["unconfigured"] == {"plugin": False, "timed": False, "attempt_hooks": 0}
    assert out["configured"] == {"plugin": True, "timed": True, "attempt_hooks": 1}
    assert out["spans"] == ["GET /api/v1/myself", "execute_tool list_all_nimble_me"]
    assert out["spans_after_old_toolkit"] == 2


def test_nimble_tools_otel_0_keeps_it_off_even_when_configured() -> None:
    out = run(
        SPY
        + CONFIGURE
        + """
toolkit, observers = watched_toolkit()
toolkit.call("list_all_nimble_me")
print(json.dumps({**state(toolkit, observers), "spans": len(exporter.get_finished_spans())}))
""",
        NIMBLE_TOOLS_OTEL="0",
    )
    assert out == {"plugin": False, "timed": False, "attempt_hooks": 0, "spans": 0}


def test_without_the_extra_nothing_is_imported_and_asking_for_it_says_what_to_install() -> None:
    out = run(
        """
import importlib.abc, json, sys

class NoOpenTelemetry(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ImportError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoOpenTelemetry())
from click.testing import CliRunner
from nimble_tools import ConfigurationError, NimbleToolkit
from nimble_tools.cli import main
from nimble_tools.observability import instrument

toolkit = NimbleToolkit.sandbox()
answer = toolkit.call("list_all_nimble_me").result["name"]
try:
    instrument(toolkit)
    refused = None
except ConfigurationError as error:
    refused = str(error)
cli = CliRunner().invoke(main, ["call", "list_all_nimble_me", "--sandbox", "--trace"])
print(json.dumps({
    "answer": answer,
    "refused": refused,
    "cli_exit": cli.exit_code,
    "cli_error": cli.stderr,
    "imported": sorted(m for m in sys.modules if m.startswith("opentelemetry")),
}))
"""
    )
    assert out["answer"] == "Sandbox Admin"
    assert out["refused"] and "pip install 'nimble-tools[otel]'" in out["refused"]
    assert out["cli_exit"] == 1 and "nimble-tools[otel]" in out["cli_error"]
    assert out["imported"] == []


def test_the_core_does_not_import_opentelemetry_for_a_call() -> None:
    out = run(
        """
import json, sys
from nimble_tools import NimbleToolkit
NimbleToolkit.sandbox(autoload_plugins=False).call("list_all_nimble_me")
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("opentelemetry", "nimble_tools.observability")))))
"""
    )
    assert out == []
