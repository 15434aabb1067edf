"""Cold start: ``import nimble_tools`` plus building the registry of every operation, in fresh interpreters.

Each run is a new Python process that times, with ``time.perf_counter``, the import and
``NimbleToolkit(...).operations`` (every built-in and entry-point plugin loaded, every operation
registered). The baseline, measured the same way in the same run, is what the core cannot do
without: importing pluggy and pydantic and defining one model (which loads pydantic's model
machinery); the ratio says what nimble-tools adds on top.
Bytecode caches are written by a first, untimed run, as they are for any installed package.

    python -m benchmarks.startup            # median of 9 runs
    python -m benchmarks.startup --runs 25

Aim (issue #10): import plus registry at most 150 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

AIM_MS = 150.0

TIMED = """
import json, time
start = time.perf_counter()
import nimble_tools
imported = time.perf_counter()
from nimble_tools import NimbleToolkit
operations = len(NimbleToolkit(api_key="benchmark").operations)
built = time.perf_counter()
import sys
print(json.dumps({"import": imported - start, "registry": built - imported, "operations": operations,
                  "httpx": "httpx" in sys.modules, "asyncio": "asyncio" in sys.modules}))
"""
BASELINE = """
import json, time
start = time.perf_counter()
import pluggy
from pydantic import BaseModel

class Probe(BaseModel):  # the first model loads pydantic's model machinery, as any model library's does
    name: str

print(json.dumps({"import": time.perf_counter() - start}))
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


def run(code: str, **extra_env: str) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | extra_env
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh interpreters per figure (default 9)")
    args, _ = parser.parse_known_args(argv)
    run(TIMED)  # writes the bytecode caches
    samples = [run(TIMED) for _ in range(args.runs)]
    baseline = statistics.median(run(BASELINE)["import"] for _ in range(args.runs)) * 1000
    imported = statistics.median(s["import"] for s in samples) * 1000
    registry = statistics.median(s["registry"] for s in samples) * 1000
    total = statistics.median(s["import"] + s["registry"] for s in samples) * 1000
    first_call = statistics.median(run(FIRST_CALL)["first_call"] for _ in range(max(3, args.runs // 3))) * 1000
    core = [run(TIMED, NIMBLE_TOOLS_DISABLE_PLUGIN_AUTOLOAD="1") for _ in range(args.runs)]
    core_total = statistics.median(s["import"] + s["registry"] for s in core) * 1000
    last = samples[-1]
    print(f"cold start, median of {args.runs} fresh interpreters ({int(last['operations'])} operations)")
    print(f"  import nimble_tools         {imported:7.1f} ms")
    print(f"  + registry (all plugins)    {registry:7.1f} ms")
    print(
        f"  = import + registry         {total:7.1f} ms   (aim <= {AIM_MS:.0f} ms: {'met' if total <= AIM_MS else 'MISSED'})"
    )
    print(f"  baseline: pluggy + pydantic with one model {baseline:.1f} ms; ratio {total / baseline:.2f}x")
    print(f"  httpx loaded: {last['httpx']}, asyncio loaded: {last['asyncio']} (both wait for the first request)")
    print(f"  first call afterwards (httpx, sandbox, one request): {first_call:.1f} ms")
    print(
        f"  the catalog alone (no entry-point plugin: {int(core[-1]['operations'])} operations): {core_total:.1f} ms, "
        f"ratio {core_total / baseline:.2f}x"
    )
    return 0 if total <= AIM_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
