"""The ranker behind ``search_nimble_tools``: word, structure and (optionally) meaning scores.

Three scorers, each blind where another sees:

* BM25 over each tool's words with the synonym table (:mod:`._lexical`): "archive", "overdue",
  "lost reason" find the tools that say them;
* structure (:mod:`._structure`): what the request acts on and how, against what each tool acts
  on, read from its endpoint: "update her record" reaches the contact update, not a contact
  field's definition;
* all-MiniLM-L6-v2 (:mod:`._semantic`, the ``semantic`` extra): "we closed the Acme deal" is near
  "mark a deal won" though the words differ.

BM25 and MiniLM are scaled to [0, 1] per request and added to the structural score. The embedding
model is consulted only when the first two leave the leader within :data:`CONFIDENT_MARGIN` of
the runner-up, about one request in four: each query it encodes costs 5 to 10 ms on one core,
against under a millisecond for the rest. On the tuning sets, skipping it the other times changed
the first tool of 2 requests in 363.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from .._operation import Operation
from ._frames import frame
from ._intent import intent
from ._lexical import LexicalRanker, embedding_texts
from ._query import parse
from ._semantic import semantic_ranker
from ._structure import StructureScorer

__all__ = ["CONFIDENT_MARGIN", "Ranker", "ranker"]

Ranker = Callable[[str], Sequence[float]]

CONFIDENT_MARGIN = 0.3
"""A lead (in score units: BM25 alone spans 0 to 1) above which the embedding model is not asked."""


def _scaled(values: Sequence[float]) -> list[float]:
    low, high = min(values), max(values)
    return [(v - low) / (high - low) if high > low else 0.0 for v in values]


def _positive(scores: list[float]) -> list[float]:
    # Structure may score below zero; search keeps positive scores only, so every tool stays findable.
    low = min(scores)
    return [s - low + 1e-6 for s in scores]


@functools.lru_cache(maxsize=16)
def ranker(operations: tuple[Operation, ...], semantic: bool) -> Ranker:
    """A scorer of ``operations`` for a request, built once per distinct set of tools (a view)."""
    lexical = LexicalRanker(operations)
    structure = StructureScorer([frame(op) for op in operations])
    meaning = semantic_ranker([embedding_texts(op) for op in operations]) if semantic else None

    def scores(query: str) -> Sequence[float]:
        pasted = parse(query)
        text = pasted.text or query
        words = _scaled(lexical.scores(text))
        base = [w + s for w, s in zip(words, structure.scores(intent(pasted)), strict=True)]
        if meaning is None or len(base) < 2:
            return _positive(base)
        first, second = sorted(base, reverse=True)[:2]
        if first - second > CONFIDENT_MARGIN:
            return _positive(base)
        return _positive([b + m for b, m in zip(base, _scaled(meaning(text)), strict=True)])

    return scores
