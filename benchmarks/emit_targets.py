"""Emitting every target: the whole default tool list as LangChain tools, OpenAI tools, callables, an MCP server.

Two figures per target: the first emit in a fresh process (registry built and the framework
imported beforehand, nothing else cached, the schema cache off: what an application pays once after
an install or a code change) and a repeated emit in a process that has emitted before. The MCP
server's start with its schemas read from the schema cache is measured by ``benchmarks.startup``. The
baseline, measured the same two ways in the same run, is pydantic generating the JSON schema of
every tool's parameters: the raw material every target starts from.

    python -m benchmarks.emit_targets
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

TARGETS: dict[str, tuple[str, dict[str, object]]] = {
    "langchain": ("langchain", {}),
    "openai (chat, strict)": ("openai", {"api": "chat"}),
    "openai (responses, non-strict)": ("openai", {"api": "responses", "strict": False}),
    "callables": ("callables", {}),
    "callables (async)": ("callables", {"asynchronous": True}),
    "mcp": ("mcp", {}),
}
BASELINE = "schemas"

SCRIPT = """
import json, sys, time
from nimble_tools import NimbleToolkit
from nimble_tools.adapter_support import select_tools

target, options = sys.argv[1], json.loads(sys.argv[2])
# the application imports its framework anyway: that import is not the adapter's work
FRAMEWORKS = {
    "langchain": "from langchain_core.tools import BaseTool; from langchain_core.messages import ToolMessage",
    "mcp": "from mcp.server import Server; from mcp import types",
}
exec(FRAMEWORKS.get(target, ""))


def work():
    toolkit = NimbleToolkit.sandbox(seed=False)
    view = select_tools(toolkit)  # the registry is built before the clock starts
    start = time.perf_counter()
    if target == "schemas":
        for operation in view.values():
            operation.params.model_json_schema()
    else:
        toolkit.emit(target, **options)
    return time.perf_counter() - start, len(view)


first, count = work()
again = sorted(work()[0] for _ in range(3))[1]
print(json.dumps({"first": first, "again": again, "tools": count}))
"""


def measure(target: str, options: dict[str, object], runs: int) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"NIMBLE_TOOLS_SCHEMA_CACHE": "0"}
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT, target, json.dumps(options)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {key: statistics.median(s[key] for s in samples) for key in ("first", "again", "tools")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.emit_targets", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per target (default 3)")
    args, _ = parser.parse_known_args(argv)
    baseline = measure(BASELINE, {}, args.runs)
    print(f"emitting all {int(baseline['tools'])} default tools (median of {args.runs} fresh processes)")
    print(f"{'target':<32} {'first ms':>9} {'ratio':>6} {'again ms':>9} {'ratio':>6}")
    rows = [("baseline: JSON schema of each", baseline)]
    rows += [(label, measure(target, options, args.runs)) for label, (target, options) in TARGETS.items()]
    for label, row in rows:
        print(
            f"{label:<32} {row['first'] * 1000:9.1f} {row['first'] / baseline['first']:6.2f} "
            f"{row['again'] * 1000:9.1f} {row['again'] / baseline['again']:6.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
