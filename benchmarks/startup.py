"""Cold start, as ratios to baselines measured in the same run, in fresh interpreters.

Whole processes, timed from spawn to exit (``python -c ...``), median of 9 of each, the kinds
interleaved so that a busy machine slows them alike:

* the baseline: ``import httpx, pydantic``, what a Nimble client in Python cannot do without;
* ``import nimble_tools`` (aim: 1.0x);
* ``NimbleToolkit("k").operations``, the import plus the registry with every plugin (aim: 1.3x), and
  with entry-point plugins off (``NIMBLE_TOOLS_DISABLE_PLUGIN_AUTOLOAD=1``);
* the first ``tools/list`` answer of ``nimble-tools mcp`` over stdio, from spawn to the answer,
  against a server on the same MCP SDK that lists one do-nothing tool (aim: 1.2x). The aim is for
  every start but the first after an install or a code change, which reads the tools' schemas from
  the schema cache (``nimble_tools._schema_cache``, here a temporary directory); the first start,
  which makes them, is printed too (the cache off).

Inside the process it also reports the import and the registry apart, whether httpx and asyncio
were loaded (both wait for the first request), and the first call afterwards.
Bytecode caches are written by a first, untimed run of each, as they are for any installed package.

    python -m benchmarks.startup            # median of 9 runs
    python -m benchmarks.startup --runs 25
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REGISTRY_AIM = 1.3
MCP_AIM = 1.2

BASELINE = "import httpx, pydantic"
IMPORT = "import nimble_tools"
REGISTRY = 'from nimble_tools import NimbleToolkit; NimbleToolkit("k").operations'
INSIDE = """
import json, sys, time
start = time.perf_counter()
import nimble_tools
imported = time.perf_counter()
from nimble_tools import NimbleToolkit
operations = len(NimbleToolkit(api_key="benchmark").operations)
built = time.perf_counter()
print(json.dumps({"import": imported - start, "registry": built - imported, "operations": operations,
                  "httpx": "httpx" in sys.modules, "asyncio": "asyncio" in sys.modules}))
"""
FIRST_CALL = """
import json, time
from nimble_tools import NimbleToolkit
from nimble_tools.sandbox import Sandbox
box = Sandbox()
start = time.perf_counter()
NimbleToolkit.sandbox(emulator=box).call("list_all_nimble_me")
print(json.dumps({"first_call": time.perf_counter() - start}))
"""
ONE_TOOL_SERVER = """
import anyio
from mcp import types
from mcp.server import Server
from mcp.server.stdio import stdio_server

TOOL = types.Tool(name="noop", description="Does nothing.", input_schema={"type": "object", "properties": {}})


async def list_tools(ctx, params):
    return types.ListToolsResult(tools=[TOOL])


async def call_tool(ctx, params):
    return types.CallToolResult(content=[])


server = Server("one", on_list_tools=list_tools, on_call_tool=call_tool)


async def main():
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


anyio.run(main)
"""
HELLO = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "benchmark", "version": "1"}}
MESSAGES = (
    {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": HELLO},
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
)


def _environment(**extra: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | extra


def whole_process(code: str, **extra_env: str) -> float:
    """Seconds from spawn to exit of ``python -c code``."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=_environment(**extra_env), capture_output=True)
    return time.perf_counter() - start


def inside(code: str, **extra_env: str) -> dict[str, float]:
    """What ``code`` prints as its last line of JSON."""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_environment(**extra_env)
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def first_tools_list(command: list[str], **extra_env: str) -> tuple[float, int]:
    """Seconds from spawn to the answer of the first ``tools/list``, and how many tools it lists."""
    start = time.perf_counter()
    server = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_environment(NIMBLE_API_KEY="benchmark", **extra_env),
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        server.stdin.write("".join(json.dumps(message) + "\n" for message in MESSAGES))
        server.stdin.flush()
        for line in server.stdout:
            answer = json.loads(line)
            if answer.get("id") == 2:
                return time.perf_counter() - start, len(answer["result"]["tools"])
        raise RuntimeError(f"{command[0]} closed without answering tools/list")
    finally:
        server.stdin.close()
        server.wait(timeout=30)


def interleaved(runs: int, measures: dict[str, Callable[[], float]]) -> dict[str, float]:
    """The median of each measure over ``runs`` rounds, one of each per round (after one untimed round)."""
    for measure in measures.values():
        measure()
    samples: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(runs):
        for name, measure in measures.items():
            samples[name].append(measure())
    return {name: statistics.median(values) for name, values in samples.items()}


def mcp_available() -> bool:
    try:
        import mcp  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh interpreters per figure (default 9)")
    args, _ = parser.parse_known_args(argv)
    times = interleaved(
        args.runs,
        {
            "baseline": lambda: whole_process(BASELINE),
            "import": lambda: whole_process(IMPORT),
            "registry": lambda: whole_process(REGISTRY),
            "core": lambda: whole_process(REGISTRY, NIMBLE_TOOLS_DISABLE_PLUGIN_AUTOLOAD="1"),
        },
    )
    details = [inside(INSIDE) for _ in range(args.runs)]
    core_operations = int(inside(INSIDE, NIMBLE_TOOLS_DISABLE_PLUGIN_AUTOLOAD="1")["operations"])
    first_call = statistics.median(inside(FIRST_CALL)["first_call"] for _ in range(max(3, args.runs // 3)))
    baseline = times["baseline"]

    def line(label: str, seconds: float, aim: float | None = None) -> str:
        verdict = "" if aim is None else f"   aim {aim}x: {'met' if seconds / baseline <= aim else 'MISSED'}"
        return f"  {label:44s} {seconds * 1000:7.1f} ms  {seconds / baseline:5.2f}x{verdict}"

    last = details[-1]
    print(f"cold start, whole process (spawn to exit), median of {args.runs}, interleaved")
    print(line("baseline: import httpx, pydantic", baseline))
    print(line("import nimble_tools", times["import"]))
    print(line(f"+ registry, every plugin ({int(last['operations'])} operations)", times["registry"], REGISTRY_AIM))
    print(line(f"+ registry, no entry-point plugin ({core_operations})", times["core"]))
    imported = statistics.median(d["import"] for d in details) * 1000
    registry = statistics.median(d["registry"] for d in details) * 1000
    print(f"  inside the process: import {imported:.1f} ms, registry {registry:.1f} ms")
    print(f"  httpx loaded: {last['httpx']}, asyncio loaded: {last['asyncio']} (both wait for the first request)")
    print(f"  first call afterwards (httpx, sandbox, one request): {first_call * 1000:.1f} ms")
    status = 0 if times["registry"] / baseline <= REGISTRY_AIM else 1

    if not mcp_available():
        print("MCP: skipped (the mcp extra is not installed)")
        return status
    nimble_tools_command = str(Path(sys.executable).with_name("nimble-tools"))
    counts: dict[str, int] = {}

    def listing(name: str, command: list[str], **extra_env: str) -> Callable[[], float]:
        def measure() -> float:
            seconds, counts[name] = first_tools_list(command, **extra_env)
            return seconds

        return measure

    with tempfile.TemporaryDirectory() as cache:
        served = interleaved(
            args.runs,
            {
                "one tool": listing("one tool", [sys.executable, "-c", ONE_TOOL_SERVER]),
                "nimble": listing("nimble", [nimble_tools_command, "mcp"], NIMBLE_TOOLS_SCHEMA_CACHE=cache),
                "nimble, no cache": listing("nimble", [nimble_tools_command, "mcp"], NIMBLE_TOOLS_SCHEMA_CACHE="0"),
            },
        )
    ratio = served["nimble"] / served["one tool"]
    first = served["nimble, no cache"] / served["one tool"]
    print(f"MCP over stdio, spawn to the first tools/list answer, median of {args.runs}, interleaved")
    print(f"  a server listing one do-nothing tool, same SDK    {served['one tool'] * 1000:7.1f} ms")
    print(
        f"  nimble-tools mcp ({counts['nimble']} tools)                       {served['nimble'] * 1000:7.1f} ms  "
        f"{ratio:5.2f}x   aim {MCP_AIM}x: {'met' if ratio <= MCP_AIM else 'MISSED'}"
    )
    print(
        f"  the same, first start after an install or edit      {served['nimble, no cache'] * 1000:7.1f} ms  "
        f"{first:5.2f}x   (schemas made, then kept in the schema cache)"
    )
    return max(status, 0 if ratio <= MCP_AIM else 1)


if __name__ == "__main__":
    raise SystemExit(main())
