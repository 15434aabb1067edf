"""``Result``: what every call returns, the unified envelope ``{"result": ..., "next_cursor": ...}``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Result"]


@dataclass(frozen=True, slots=True)
class Result:
    """What every call returns: the data and, for lists, the cursor of the next page.

    Attributes:
        result: the data: the list of items for list operations, Nimble's body otherwise.
        next_cursor: an opaque string to pass back as ``next_cursor``, or None at the end.
        raw: Nimble's whole response body (paging metadata included); not part of the JSON form.
        truncated: True when an item budget (``max_items``) stopped paging before the end; the
            JSON form then says so, and ``next_cursor`` continues where it stopped.
    """

    result: Any
    next_cursor: str | None = None
    raw: Any = field(default=None, repr=False, compare=False)
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``{"result": ..., "next_cursor": ...}`` (plus ``"truncated": true`` if so)."""
        data = {"result": self.result, "next_cursor": self.next_cursor}
        if self.truncated:
            data["truncated"] = True
        return data

    def to_json(self) -> str:
        """The JSON form as a compact string."""
        return _COMPACT.encode(self.to_dict())


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
"""The envelope's encoder, made once (``json.dumps`` with options makes a new one on every call)."""
