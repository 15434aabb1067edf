"""Lean JSON schemas: the same constraints in fewer tokens.

Tool schemas are paid for on every request. Pydantic writes an optional field as
``{"anyOf": [{"type": "string"}, {"type": "null"}]}``; JSON Schema (and OpenAI's strict mode, which
lists ``"type": ["string", "null"]`` among its supported forms) says the same with
``{"type": ["string", "null"]}``, about ten tokens less per optional field. :func:`lean_schema`
makes only such rewrites, which accept exactly the same values; anything it cannot rewrite without
changing the meaning (a ``$ref`` branch, a key present on both sides) stays as it is. Branches that
are a bare type merge into one type list even beside other branches, and ``"integer"`` is left out
of a type list that has ``"number"``, which already admits every integer.

:func:`published_schema` is what adapters publish for a pydantic model: the lean form without the
annotations that only repeat what is there (titles that restate property names, ``"default": null``
on properties that are optional anyway, the model's docstring that the tool description replaces).
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["lean_schema", "published_model_schema", "published_schema"]

_NULL = {"type": "null"}


def lean_schema(schema: Any) -> Any:
    """``schema`` with nullable unions written as type lists (a new object; the input is not changed)."""
    if isinstance(schema, list):
        return [lean_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    node = {key: lean_schema(value) for key, value in schema.items()}
    if isinstance(node.get("type"), list):
        node["type"] = _types(node["type"])
    branches = node.get("anyOf")
    if not isinstance(branches, list) or len(branches) < 2 or not all(isinstance(b, dict) for b in branches):
        return node
    rest = {key: value for key, value in node.items() if key != "anyOf"}
    bare = [b for b in branches if _is_bare_type(b)]
    if len(bare) > 1 and "type" not in rest:
        # [{"type": "string"}, {"type": "integer"}, {...}] -> [{"type": ["string", "integer"]}, {...}]
        kinds = _types([k for b in bare for k in (b["type"] if isinstance(b["type"], list) else [b["type"]])])
        merged = {"type": kinds[0] if len(kinds) == 1 else kinds}
        branches = [merged, *(b for b in branches if not _is_bare_type(b))]
        if len(branches) == 1:
            return {**rest, **merged}
        node = {**rest, "anyOf": branches}
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


def _is_bare_type(branch: dict[str, Any]) -> bool:
    kind = branch.get("type")
    return set(branch) == {"type"} and (isinstance(kind, str) or (isinstance(kind, list) and bool(kind)))


def _types(kinds: list[Any]) -> list[Any]:
    """Distinct type names in order, without ``integer`` when ``number`` (a superset) is there."""
    unique = list(dict.fromkeys(kinds))
    return [k for k in unique if not (k == "integer" and "number" in unique)]


def published_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema as a tool publishes it: lean, without titles, null defaults or root description.

    Validation is unchanged: titles and defaults are annotations, and the root description repeats
    the tool's own. A non-null default stays, since it tells the model what an omitted value means.
    """
    cleaned: dict[str, Any] = lean_schema(_without_noise(schema))
    cleaned.pop("description", None)
    return cleaned


@functools.cache
def _model_schema(model: type[BaseModel]) -> dict[str, Any]:
    return published_schema(model.model_json_schema())


def published_model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """:func:`published_schema` of a parameters model: made once per model and process, a copy each time."""
    copy: dict[str, Any] = json.loads(json.dumps(_model_schema(model)))
    return copy


def _without_noise(node: Any, *, names: bool = False) -> Any:
    if isinstance(node, list):
        return [_without_noise(item) for item in node]
    if not isinstance(node, dict):
        return node
    if names:  # the keys of "properties" and "$defs" are names (a field may be called "title")
        return {key: _without_noise(value) for key, value in node.items()}
    return {
        key: _without_noise(value, names=key in ("properties", "$defs"))
        for key, value in node.items()
        if not (key == "title" and isinstance(value, str)) and not (key == "default" and value is None)
    }
