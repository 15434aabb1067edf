"""The figures of a ``make bench`` run, as a file the documentation renders (never typed in by hand).

``python -m benchmarks`` runs every benchmark and writes what each printed, with its exit status and
the machine it ran on, to :data:`RESULTS` (``docs/explanation/benchmark-results.json``). The
benchmarks page of the docs shows that file; ``make bench`` on another machine rewrites it.
"""

from __future__ import annotations

import io
import json
import os
import platform
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

RESULTS = Path(__file__).resolve().parent.parent / "docs" / "explanation" / "benchmark-results.json"


class Tee(io.TextIOBase):
    """A text stream that writes to a terminal stream and keeps a copy."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.copy = io.StringIO()

    def write(self, text: str) -> int:
        self.stream.write(text)
        return self.copy.write(text)

    def flush(self) -> None:
        self.stream.flush()


@dataclass
class BenchmarkRun:
    """One benchmark module's run: what it measures, how to repeat it, what it printed."""

    name: str
    title: str
    command: str
    status: int
    seconds: float
    output: str


@dataclass
class RunReport:
    """A whole ``python -m benchmarks`` run."""

    arguments: list[str]
    started: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    machine: dict[str, Any] = field(
        default_factory=lambda: {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
        }
    )
    benchmarks: list[BenchmarkRun] = field(default_factory=list)

    def write(self, path: Path = RESULTS) -> None:
        """Write the report as JSON (one run replaces the previous one)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def title_of(module: Any) -> str:
    """The first line of a benchmark module's docstring: what it measures."""
    return (module.__doc__ or module.__name__).strip().splitlines()[0]


def timed_run(module: Any, argv: list[str]) -> BenchmarkRun:
    """Run ``module.main(argv)``, printing as it goes, and keep what it printed."""
    tee = Tee(sys.stdout)
    start = time.perf_counter()
    saved, sys.stdout = sys.stdout, tee
    try:
        status = int(module.main(argv) or 0)
    except Exception:  # one broken benchmark is reported, and the others still run
        traceback.print_exc(file=tee)
        status = 2
    finally:
        sys.stdout = saved
    name = module.__name__
    command = " ".join(["python -m", name, *argv])
    return BenchmarkRun(
        name, title_of(module), command, status, round(time.perf_counter() - start, 1), tee.copy.getvalue()
    )
