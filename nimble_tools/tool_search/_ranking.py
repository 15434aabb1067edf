"""The ranker behind ``search_nimble_tools``: lexical, structural and (optionally) semantic scores."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from .._operation import Operation
from ._frames import frame
from ._intent import intent
from ._lexical import LexicalRanker, embedding_texts
from ._query import parse
from ._semantic import semantic_ranker
from ._structure import structural_scores

__all__ = ["Ranker", "ranker"]

Ranker = Callable[[str], Sequence[float]]

STRIP = True
SHARES = {"lexical": 1.0, "semantic": 1.0, "structure": 1.0}


def _scaled(values: Sequence[float]) -> list[float]:
    low, high = min(values), max(values)
    return [(v - low) / (high - low) if high > low else 0.0 for v in values]


@functools.lru_cache(maxsize=16)
def ranker(operations: tuple[Operation, ...], semantic: bool) -> Ranker:
    """A scorer of ``operations`` for a request, built once per distinct set of tools (a view)."""
    lexical = LexicalRanker(operations)
    model = semantic_ranker([embedding_texts(op) for op in operations]) if semantic else None
    frames = [frame(op) for op in operations]

    def scores(query: str) -> Sequence[float]:
        pasted = parse(query)
        text = (pasted.text if STRIP else query) or query
        lex = _scaled(lexical.scores(text))
        sem = _scaled(model(text)) if model is not None else [0.0] * len(lex)
        lex_share = SHARES["lexical"] if model is not None else 1.0
        sem_share = SHARES["semantic"] if model is not None else 0.0
        struct = structural_scores(intent(pasted), frames)
        # A tiny floor keeps every tool that scores at all above zero (search drops zeros).
        return [
            1e-6 + lex_share * a + sem_share * b + SHARES["structure"] * c - min(struct)
            for a, b, c in zip(lex, sem, struct, strict=True)
        ]

    return scores
