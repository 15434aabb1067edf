"""Okapi BM25 over weighted fields, small enough to read in one go.

A catalog of about ninety tools is a tiny corpus: a few lines of Python score it in well under a
millisecond, so the library options (``rank-bm25``, ``bm25s`` with scipy) would add a dependency
and nothing else. Fields are weighted by multiplying term frequencies (a tool's name words count
more than its parameter descriptions), which is the usual BM25F simplification.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

__all__ = ["BM25"]


class BM25:
    """Scores documents (weighted term counts) against a weighted query.

    Args:
        documents: one ``{term: weighted frequency}`` mapping per document.
        k1: term-frequency saturation; 1.2 is the common choice.
        b: how much long documents are penalised (0 = not at all, 1 = fully).
    """

    def __init__(self, documents: Sequence[Mapping[str, float]], *, k1: float = 1.2, b: float = 0.3) -> None:
        self.documents = [dict(d) for d in documents]
        self.k1, self.b = k1, b
        self.lengths = [sum(d.values()) for d in self.documents]
        self.average_length = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0
        frequency = Counter(term for d in self.documents for term in d)
        n = len(self.documents)
        # The "plus one" form keeps idf positive for terms found in most documents.
        self.idf = {term: math.log(1 + (n - df + 0.5) / (df + 0.5)) for term, df in frequency.items()}

    def scores(self, query: Mapping[str, float]) -> list[float]:
        """One score per document, in document order; 0 for a document sharing no term."""
        results = []
        for document, length in zip(self.documents, self.lengths, strict=True):
            norm = self.k1 * (1 - self.b + self.b * length / (self.average_length or 1.0))
            total = 0.0
            for term, weight in query.items():
                tf = document.get(term)
                if tf:
                    total += weight * self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
            results.append(total)
        return results
