"""Run every benchmark module of this package: ``python -m benchmarks [--full]``.

Each module has ``main(argv)``; the arguments given here are passed to each of them.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks


def run_all(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_"))
    status = 0
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        main = getattr(module, "main", None)
        if main is None:
            continue
        print(f"== benchmarks.{name}", flush=True)
        status = max(status, int(main(argv) or 0))
    return status


if __name__ == "__main__":
    sys.exit(run_all(sys.argv[1:]))
