"""Lean JSON schemas: the same constraints in fewer tokens.

Tool schemas are paid for on every request. Pydantic writes an optional field as
``{"anyOf": [{"type": "string"}, {"type": "null"}]}``; JSON Schema (and OpenAI's strict mode, which
lists ``"type": ["string", "null"]`` among its supported forms) says the same with
``{"type": ["string", "null"]}``, about ten tokens less per optional field. :func:`lean_schema`
makes only such rewrites, which accept exactly the same values; anything it cannot rewrite without
changing the meaning (a ``$ref`` branch, a key present on both sides) stays as it is.
"""

from __future__ import annotations

from typing import Any

__all__ = ["lean_schema"]

_NULL = {"type": "null"}


def lean_schema(schema: Any) -> Any:
    """``schema`` with nullable unions written as type lists (a new object; the input is not changed)."""
    if isinstance(schema, list):
        return [lean_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    node = {key: lean_schema(value) for key, value in schema.items()}
    branches = node.get("anyOf")
    if not isinstance(branches, list) or len(branches) < 2 or not all(isinstance(b, dict) for b in branches):
        return node
    rest = {key: value for key, value in node.items() if key != "anyOf"}
    if all(set(b) == {"type"} and isinstance(b["type"], str) for b in branches):
        # {"anyOf": [{"type": "integer"}, {"type": "number"}]} -> {"type": ["integer", "number"]}
        return {**rest, "type": [b["type"] for b in branches]}
    others = [b for b in branches if b != _NULL]
    if len(others) != len(branches) - 1 or len(others) != 1:
        return node
    (branch,) = others
    kind = branch.get("type")
    if not isinstance(kind, str) or "$ref" in branch or "anyOf" in branch or set(branch) & set(rest):
        return node
    merged = {key: value for key, value in branch.items() if key != "type"}
    if "enum" in merged:
        merged["enum"] = [*merged["enum"], None]
    if "const" in merged:
        return node  # a const cannot also admit null
    return {**rest, "type": [kind, "null"], **merged}
