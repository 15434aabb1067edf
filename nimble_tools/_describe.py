"""An operation in words, for ``nimble-tools describe``: its kind and a row per parameter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._operation import Location, Operation
from ._paths import path_fields

__all__ = ["describe_operation", "operation_kind", "type_label"]


def operation_kind(op: Operation) -> str:
    """``read``, ``write`` or ``DESTRUCTIVE`` (capitals: it deletes or overwrites for good)."""
    if op.read_only:
        return "read"
    return "DESTRUCTIVE" if op.destructive else "write"


def describe_operation(op: Operation) -> dict[str, Any]:
    """``{"parameters": [row per field], "parameters_schema": JSON schema}`` of ``op``.

    Each row has ``name``, ``type`` (a short label), ``required``, ``location`` (where the value
    travels: path, query, body, paging, or argument for composite actions) and ``description``.
    """
    schema = op.parameters_json_schema()
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    definitions: Mapping[str, Any] = schema.get("$defs", {})
    rows: list[dict[str, Any]] = []
    for name, info in op.params.model_fields.items():
        key = info.alias or name
        prop = properties.get(key, {})
        location = _location(op, name, info.metadata)
        rows.append(
            {
                "name": key,
                "type": type_label(prop, definitions),
                "required": key in required,
                "location": location,
                "description": str(prop.get("description") or info.description or ""),
            }
        )
        rows += _nested_rows(key, prop, definitions, location, ())
    return {"parameters": rows, "parameters_schema": schema}


MAX_NESTING = 3
"""How deep ``describe`` expands nested types (``fields.emails[].modifier`` is two levels)."""


def _nested_rows(
    prefix: str, schema: Mapping[str, Any], definitions: Mapping[str, Any], location: str, seen: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Rows for the fields of the object types inside ``schema`` (``fields.first_name``, ``emails[].value``)."""
    if len(seen) >= MAX_NESTING:
        return []
    models = _models_in(schema, "")
    rows: list[dict[str, Any]] = []
    for ref, suffix in models:
        name = ref.rsplit("/", 1)[-1]
        model = definitions.get(name, {})
        if name in seen or not isinstance(model.get("properties"), Mapping):
            continue
        which = f"({name}) " if len(models) > 1 else ""
        inner_required = set(model.get("required", []))
        for field_name, prop in model["properties"].items():
            path = f"{prefix}{suffix}.{field_name}"
            rows.append(
                {
                    "name": path,
                    "type": type_label(prop, definitions),
                    "required": field_name in inner_required,
                    "location": location,
                    "description": which + str(prop.get("description") or ""),
                }
            )
            rows += _nested_rows(path, prop, definitions, location, (*seen, name))
    return rows


def _models_in(schema: Mapping[str, Any], suffix: str) -> list[tuple[str, str]]:
    """The ``$ref`` object types a schema holds, directly, in a union or as list items or map values."""
    if "$ref" in schema:
        return [(str(schema["$ref"]), suffix)]
    found: list[tuple[str, str]] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            found += _models_in(branch, suffix)
    if isinstance(schema.get("items"), Mapping):
        found += _models_in(schema["items"], suffix + "[]")
    if isinstance(schema.get("additionalProperties"), Mapping):
        found += _models_in(schema["additionalProperties"], suffix + "{}")
    return found


def _location(op: Operation, name: str, metadata: list[Any]) -> str:
    marker = next((m for m in metadata if isinstance(m, Location)), None)
    if marker is Location.CONTROL:
        return "paging"
    if op.is_composite:
        return "argument"
    if name in path_fields(op.path):
        return "path"
    if marker is not None:
        return str(marker.value)
    return "query" if op.method in ("GET", "DELETE") else "body"


def type_label(schema: Mapping[str, Any], definitions: Mapping[str, Any], depth: int = 0) -> str:
    """A short name for a JSON schema: ``string``, ``list of string``, ``map of integer``, ``A | null``..."""
    if depth > 3:
        return "..."
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "enum" in schema:
        return "one of " + ", ".join(repr(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " | ".join(type_label(branch, definitions, depth + 1) for branch in schema[key])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    if kind == "array":
        return f"list of {type_label(schema.get('items', {}), definitions, depth + 1)}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), Mapping):
        return f"map of {type_label(schema['additionalProperties'], definitions, depth + 1)}"
    return str(kind) if kind else "any"
