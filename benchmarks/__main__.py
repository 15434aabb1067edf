"""Run every benchmark module of this package: ``python -m benchmarks [--full]``.

Each module has ``main(argv)``; the arguments given here are passed to each of them. What each one
prints is also written to ``docs/explanation/benchmark-results.json``, which the documentation's
benchmarks page shows (``--no-record`` leaves that file alone).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks
from benchmarks._results import RESULTS, RunReport, timed_run


def run_all(argv: list[str]) -> int:
    record = "--no-record" not in argv
    argv = [arg for arg in argv if arg != "--no-record"]
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_"))
    report = RunReport(arguments=argv)
    status = 0
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        if getattr(module, "main", None) is None:
            continue
        print(f"== benchmarks.{name}", flush=True)
        run = timed_run(module, argv)
        report.benchmarks.append(run)
        status = max(status, run.status)
    if record:
        report.write()
        print(f"figures written to {RESULTS}")
    return status


if __name__ == "__main__":
    sys.exit(run_all(sys.argv[1:]))
