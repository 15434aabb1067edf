"""Measuring tool search: top-1 and top-k accuracy over requests labelled with their tools."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..toolsets import ToolView

__all__ = ["Accuracy", "LabelledRequest", "evaluate"]


@dataclass(frozen=True, slots=True)
class LabelledRequest:
    """A request in a user's words and the tools that serve it (the first is the intended one)."""

    request: str
    tools: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> LabelledRequest:
        """Read ``{"request": "...", "tools": ["name", ...]}``."""
        tools = data["tools"]
        if not isinstance(tools, Sequence) or isinstance(tools, str) or not tools:
            raise ValueError(f"'tools' must be a non-empty list of names: {data!r}")
        return cls(str(data["request"]), tuple(str(t) for t in tools))


@dataclass(frozen=True, slots=True)
class Accuracy:
    """How often the right tool came first, and within the first ``k``."""

    measured: int
    top1: float
    topk: float
    k: int
    skipped: int = 0
    """Requests whose intended tool is not in the view (not measured)."""
    misses: tuple[tuple[str, str, tuple[str, ...]], ...] = field(default=(), repr=False)
    """``(request, intended tool, tools returned)`` for every request missed within ``k``."""


def evaluate(view: ToolView, requests: Iterable[LabelledRequest], k: int = 5) -> Accuracy:
    """Search ``view`` for every request and count hits at rank 1 and within rank ``k``."""
    from . import search

    first = within = measured = skipped = 0
    misses: list[tuple[str, str, tuple[str, ...]]] = []
    for item in requests:
        if item.tools[0] not in view:
            skipped += 1
            continue
        found = tuple(hit.name for hit in search(view, item.request, k))
        measured += 1
        first += bool(found) and found[0] in item.tools
        if any(name in item.tools for name in found):
            within += 1
        else:
            misses.append((item.request, item.tools[0], found))
    total = max(measured, 1)
    return Accuracy(measured, first / total, within / total, k, skipped, tuple(misses))
