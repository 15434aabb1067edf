"""Pieces shared by the contact field, group, tab and choice operations."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from .._operation import Operation, RequestSpec, default_encode

__all__ = ["LAYOUT_HINT", "Preflight", "encode_placement", "placement_encoder"]

LAYOUT_HINT = "Ids come from list_all_nimble_contact_fields. Returns the affected tab."

Preflight = Annotated[
    bool,
    BeforeValidator(lambda value: True if value is None else value),
    Field(
        default=True,
        description="true (default): fail (406) while contacts hold values here; false: delete them too.",
    ),
]
"""``preflight_checks``: required by Nimble on these deletes; defaults to the safe ``true``."""


def encode_placement(
    operation: Operation, params: BaseModel, *, always: tuple[str, ...] = (), flags: dict[str, str] | None = None
) -> RequestSpec:
    """The default rule, plus Nimble's meaningful nulls.

    Args:
        operation: the operation.
        params: validated params.
        always: body keys sent even when null (Nimble requires them; null means "first" or "no group").
        flags: model-facing booleans that stand for a null wire key, e.g. ``{"move_to_first": "insert_after"}``.
    """
    spec = default_encode(operation, params)
    body: dict[str, Any] = dict(spec.json or {})
    for key in always:
        body.setdefault(key, None)
    for flag, wire in (flags or {}).items():
        if body.pop(flag, None):
            body[wire] = None
    return replace(spec, json=body)


def placement_encoder(*always: str, **flags: str) -> Any:
    """An ``encode`` function for :class:`Operation` built on :func:`encode_placement`."""

    def encode(operation: Operation, params: BaseModel) -> RequestSpec:
        return encode_placement(operation, params, always=always, flags=flags)

    return encode
