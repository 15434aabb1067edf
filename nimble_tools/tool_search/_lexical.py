"""The lexical ranker: BM25 over each tool's name, resource, description and parameters."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .._operation import Operation
from ._bm25 import BM25
from ._synonyms import expansions, phrase_expansions
from ._text import terms

__all__ = ["LexicalRanker", "embedding_texts", "query_terms"]

# Field weights: a word in the tool's name says more about it than one in a parameter's help.
NAME_WEIGHT = 3.0
RESOURCE_WEIGHT = 2.0
DESCRIPTION_WEIGHT = 1.0
PARAMETER_NAME_WEIGHT = 1.0
PARAMETER_HELP_WEIGHT = 0.5
VERB_WEIGHT = 1.0
# Words the synonym table adds count less than the user's own.
EXPANSION_WEIGHT = 0.7
# What each HTTP method does, in the words of the synonym table's right-hand side: a request's verb
# ("add", "rename", "get rid of") then meets the operation's even when its name says "transition".
_METHOD_VERBS = {
    "GET": "list get",
    "POST": "create",
    "PUT": "update",
    "PATCH": "update",
    "DELETE": "delete",
}


def _parameters(operation: Operation) -> list[tuple[str, str]]:
    return [(name, info.description or "") for name, info in operation.params.model_fields.items()]


def embedding_texts(operation: Operation) -> tuple[str, str]:
    """What the embedding model reads about a tool, twice: briefly, and in full.

    The brief text (name in words and the first sentence) says what the tool is for; the full one
    (whole description and parameter names) carries the details. Averaging the two similarities
    ranked better on the labelled requests than either alone.
    """
    name = operation.name.replace("_", " ")
    first = re.split(r"(?<=[.!?])\s", operation.description.strip(), maxsplit=1)[0]
    parameters = ", ".join(field.replace("_", " ") for field in operation.params.model_fields)
    return f"{name}. {first}", f"{name}. {operation.description} Parameters: {parameters}."


def _document(operation: Operation) -> dict[str, float]:
    weighted: dict[str, float] = {}
    for text, weight in (
        (operation.name, NAME_WEIGHT),
        (operation.resource, RESOURCE_WEIGHT),
        (operation.description, DESCRIPTION_WEIGHT),
        (_METHOD_VERBS[operation.method], VERB_WEIGHT),
    ):
        for term in terms(text):
            weighted[term] = weighted.get(term, 0.0) + weight
    for name, help_text in _parameters(operation):
        for term in terms(name):
            weighted[term] = weighted.get(term, 0.0) + PARAMETER_NAME_WEIGHT
        for term in terms(help_text):
            weighted[term] = weighted.get(term, 0.0) + PARAMETER_HELP_WEIGHT
    return weighted


def query_terms(query: str) -> dict[str, float]:
    """The weighted terms of a request: its own words, then the synonym table's additions."""
    own = terms(query)
    weights: dict[str, float] = dict.fromkeys(own, 1.0)
    added = [t for term in own for t in expansions(term)] + phrase_expansions(own)
    for term in added:
        weights.setdefault(term, EXPANSION_WEIGHT)
    return weights


class LexicalRanker:
    """Ranks operations for a request in plain words, offline and in well under a millisecond."""

    def __init__(self, operations: Sequence[Operation]) -> None:
        self.operations = list(operations)
        self._bm25 = BM25([_document(op) for op in self.operations])

    def scores(self, query: str) -> list[float]:
        """One score per operation (higher is better)."""
        return self._bm25.scores(query_terms(query))
