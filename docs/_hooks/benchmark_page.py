"""MkDocs hook: the benchmarks page shows the figures of the last ``make bench``, never typed by hand.

``make bench`` (``python -m benchmarks``) writes ``docs/explanation/benchmark-results.json``: per
benchmark, what it measures, the command that repeats it, its exit status and what it printed. This
hook replaces the page's ``<!-- generated: benchmarks -->`` marker with that file, rendered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MARKER = "<!-- generated: benchmarks -->"
RESULTS = "explanation/benchmark-results.json"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill the benchmarks page's marker; other pages pass through."""
    if MARKER not in markdown:
        return markdown
    path = Path(config["docs_dir"]) / RESULTS
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make bench` to measure and write it.")
    return markdown.replace(MARKER, results_markdown(json.loads(path.read_text(encoding="utf-8"))))


def results_markdown(report: dict[str, Any]) -> str:
    """A run's report as Markdown: where and when it ran, then each benchmark's printed figures."""
    machine = report["machine"]
    arguments = " ".join(report["arguments"])
    lines = [
        f"Measured by `make bench`{f' (`{arguments}`)' if arguments else ''} on {report['started']}: "
        f"{machine['cores']} cores, Python {machine['python']}, {machine['platform']}.\n",
        "| benchmark | what it measures | aims | took |",
        "| --- | --- | --- | --- |",
    ]
    for run in report["benchmarks"]:
        aims = "met" if run["status"] == 0 else "**missed** (exit status 1)"
        lines.append(
            f"| [`{_short(run['name'])}`](#{_anchor(run['name'])}) | {run['title']} | {aims} | {run['seconds']} s |"
        )
    for run in report["benchmarks"]:
        lines += [
            "",
            f"## `{_short(run['name'])}` {{#{_anchor(run['name'])}}}",
            "",
            f"{run['title']} Repeat it with `{run['command']}`.",
            "",
            "```text",
            run["output"].rstrip("\n"),
            "```",
        ]
    return "\n".join(lines) + "\n"


def _short(name: str) -> str:
    return name.removeprefix("benchmarks.")


def _anchor(name: str) -> str:
    return "bench-" + _short(name).replace("_", "-")
