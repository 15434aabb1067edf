"""Wire helpers shared by the deal catalog modules."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import BaseModel

from .._operation import Operation, RequestSpec, default_encode

__all__ = ["no_body", "position"]


def no_body(operation: Operation, params: BaseModel) -> RequestSpec:
    """Encode an action that takes no request body (archive, unarchive, undo)."""
    return replace(default_encode(operation, params), json=None)


def position(first: bool, insert_after: str | None, body: dict[str, Any]) -> None:
    """Put ``insert_after`` on the wire: null for ``first``, an id, or nothing to keep Nimble's default."""
    if first:
        body["insert_after"] = None  # Nimble: "If null, then [it] is inserted as the first one"
    elif insert_after is not None:
        body["insert_after"] = insert_after
