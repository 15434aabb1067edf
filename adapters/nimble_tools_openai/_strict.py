"""Turn any pydantic JSON schema into one that OpenAI strict mode accepts, and back again.

Strict mode (Structured Outputs) accepts a small JSON-schema subset: every object closed and with all
keys required, optional values as unions with null, no ``default``/``allOf``/``oneOf``, ``$ref`` without
siblings, a short list of formats. No SDK helper guarantees that (see TARGETS.md section 1.6), so this
module rewrites a schema node by node:

* unsupported constraints (``minLength``, ``uniqueItems``, ``not``...) are dropped: this only loosens the
  schema, and the operation's pydantic model still validates every call before anything is sent;
* a field that was optional stays optional in meaning: it becomes required-but-nullable, and a null
  from the model means "use the default" (:func:`decode` drops it again);
* a free-form map (``dict[str, X]``) becomes a list of ``{key, value}`` entries, and a value of any
  shape (``Any``, ``dict[str, Any]``) becomes a JSON-encoded string; :func:`decode` restores both.

The rewritten schema carries private ``x-nimble-*`` markers that tell :func:`decode` what was changed;
:func:`public_schema` strips them before the schema is sent.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from nimble_tools._limits import load_json

from ._rules import ALLOWED_FORMATS, SUPPORTED_KEYWORDS

__all__ = [
    "ALLOWED_FORMATS",
    "DecodeError",
    "FreeForm",
    "Strictified",
    "decode",
    "public_schema",
    "strictify",
]

FreeForm = Literal["json_string", "non_strict"]


MAP = "x-nimble-map"
"""Marker: this array of ``{key, value}`` entries was a ``dict[str, X]``."""
JSON_STRING = "x-nimble-json"
"""Marker: this string holds a JSON-encoded value of any shape."""
OPTIONAL = "x-nimble-optional"
"""Marker on an object: the keys that were optional, whose null means "not given"."""
MARKERS = (MAP, JSON_STRING, OPTIONAL)

# Keywords kept as they are; the structural ones are rebuilt below (properties, required, items,
# anyOf, $ref, additionalProperties), a format is kept when allowed, a title dropped; anything
# else strict mode does not support is dropped.
_REBUILT = ("title", "properties", "required", "additionalProperties", "items", "anyOf", "$ref", "format")
_KEPT = SUPPORTED_KEYWORDS.difference(_REBUILT)
_COMPOSITES = ("anyOf", "oneOf")


@dataclass
class Strictified:
    """A schema rewritten for strict mode.

    Attributes:
        schema: the strict schema, with the private markers that :func:`decode` reads.
        notes: what was changed in a way the model could notice (free-form values, maps).
        blockers: reasons this schema cannot be used in strict mode; empty when it can.
    """

    schema: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)


class DecodeError(ValueError):
    """A strict-mode argument could not be turned back into the original shape."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def strictify(schema: Mapping[str, Any], *, free_form: FreeForm = "json_string") -> Strictified:
    """Rewrite a JSON schema (as pydantic generates it) for OpenAI strict mode.

    Args:
        schema: the parameters schema; its root must describe an object.
        free_form: what to do with values of any shape: ``"json_string"`` asks the model for a
            JSON-encoded string, ``"non_strict"`` reports a blocker so the tool is emitted non-strict.

    Returns:
        The rewritten schema, with notes and blockers.
    """
    return _Strictifier(schema, free_form).run()


def public_schema(schema: Any) -> Any:
    """A copy of ``schema`` without the private ``x-nimble-*`` markers."""
    if isinstance(schema, dict):
        return {k: public_schema(v) for k, v in schema.items() if k not in MARKERS}
    if isinstance(schema, list):
        return [public_schema(v) for v in schema]
    return schema


class _Strictifier:
    def __init__(self, schema: Mapping[str, Any], free_form: FreeForm) -> None:
        self.source = copy.deepcopy(dict(schema))
        self.defs: dict[str, Any] = dict(self.source.get("$defs") or {})
        self.free_form = free_form
        self.notes: list[str] = []
        self.blockers: list[str] = []

    def run(self) -> Strictified:
        root = {k: v for k, v in self.source.items() if k not in ("$defs", "definitions")}
        root.pop("description", None)  # the tool's own description says it; no need to send it twice
        root = self._resolve_root(root)
        if root.get("type") != "object" and "properties" not in root:
            self.blockers.append("the parameters root is not an object")
        out = self.node(root, "$")
        if out.get("type") != "object" and "anyOf" not in out:
            self.blockers.append("the parameters do not form an object")
        if "anyOf" in out:
            self.blockers.append("the parameters root is a union (anyOf), which strict mode refuses")
        defs = {name: self.node(value, f"$defs.{name}") for name, value in self.defs.items()}
        used = _referenced_defs(out, defs)
        out, kept = _inline_single_use(out, {name: defs[name] for name in defs if name in used})
        if kept:
            out["$defs"] = kept
        return Strictified(out, self.notes, self.blockers)

    def _resolve_root(self, root: dict[str, Any]) -> dict[str, Any]:
        # A recursive model's schema is {"$ref": "#/$defs/Model", "$defs": ...}; the root must be the object.
        seen: set[str] = set()
        while "$ref" in root and isinstance(root["$ref"], str):
            name = _def_name(root["$ref"])
            if name is None or name not in self.defs or name in seen:
                break
            seen.add(name)
            siblings = {k: v for k, v in root.items() if k != "$ref"}
            root = {**copy.deepcopy(self.defs[name]), **siblings}
        return root

    # -- one node ---------------------------------------------------------------------------

    def node(self, schema: Any, path: str) -> dict[str, Any]:
        if schema is True or schema == {}:
            return self._free(path, "")
        if not isinstance(schema, dict):
            self.blockers.append(f"{path}: schema {schema!r} is not an object")
            return {}
        schema = dict(schema)
        if "$ref" in schema:
            return self._ref(schema, path)
        if "allOf" in schema:
            return self.node(self._merge_all_of(schema, path), path)
        for key in _COMPOSITES:
            if key in schema:
                return self._union(schema, key, path)
        kind = schema.get("type")
        if isinstance(kind, list):
            return self._type_list(schema, kind, path)
        if kind == "object" or "properties" in schema or "additionalProperties" in schema:
            return self._object(schema, path)
        if kind == "array" or "items" in schema or "prefixItems" in schema:
            return self._array(schema, path)
        if kind is None and "enum" not in schema and "const" not in schema:
            return self._free(path, schema.get("description", ""))
        return self._scalar(schema)

    def _ref(self, schema: dict[str, Any], path: str) -> dict[str, Any]:
        ref = schema["$ref"]
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        name = _def_name(ref) if isinstance(ref, str) else None
        if ref == "#":
            return {"$ref": "#"} if not siblings else self.node({**self.source, **siblings}, path)
        if name is None or name not in self.defs:
            self.blockers.append(f"{path}: $ref {ref!r} does not resolve")
            return {}
        if not siblings or set(siblings) <= {"title"}:
            return {"$ref": f"#/$defs/{name}"}
        # A $ref must stand alone in strict mode: inline the definition one level (siblings win);
        # references inside it stay references, so recursive models still terminate.
        return self.node({**copy.deepcopy(self.defs[name]), **siblings}, path)

    def _merge_all_of(self, schema: dict[str, Any], path: str) -> dict[str, Any]:
        parts = schema.pop("allOf")
        merged: dict[str, Any] = {}
        for part in parts:
            if isinstance(part, dict) and "$ref" in part and len(part) == 1:
                name = _def_name(part["$ref"])
                part = copy.deepcopy(self.defs.get(name or "", {}))
            if not isinstance(part, dict):
                continue
            for key, value in part.items():
                if key == "properties":
                    merged.setdefault("properties", {}).update(value)
                elif key == "required":
                    merged["required"] = [*merged.get("required", []), *value]
                else:
                    merged.setdefault(key, value)
        return {**merged, **schema}

    def _union(self, schema: dict[str, Any], key: str, path: str) -> dict[str, Any]:
        branches: list[dict[str, Any]] = []
        for index, branch in enumerate(schema[key]):
            done = self.node(branch, f"{path}.{key}[{index}]")
            # Flatten nested unions and keep a single null branch: anyOf inside anyOf is noise.
            for item in done.get("anyOf", [done]) if set(done) <= {"anyOf", "description"} else [done]:
                if item not in branches:
                    branches.append(item)
        description = schema.get("description")
        if description is not None:
            description, branches = _one_description(description, branches)
        if len(branches) == 1:
            only = branches[0]
            if description is None:
                return only
            if "$ref" in only:  # a $ref cannot carry a description: inline it instead
                return self._ref({**only, "description": description}, path)
            return {**only, "description": description}
        out: dict[str, Any] = {"anyOf": branches}
        if description is not None:
            out["description"] = description
        return out

    def _type_list(self, schema: dict[str, Any], kinds: list[Any], path: str) -> dict[str, Any]:
        others = [k for k in kinds if k != "null"]
        if len(others) <= 1 and not ({"object", "array"} & set(others)):
            return self._scalar(schema)
        base = {k: v for k, v in schema.items() if k not in ("type", "description")}
        branches = [{**base, "type": k} for k in others] + ([{"type": "null"}] if "null" in kinds else [])
        rebuilt: dict[str, Any] = {"anyOf": branches}
        if "description" in schema:
            rebuilt["description"] = schema["description"]
        return self._union(rebuilt, "anyOf", path)

    def _scalar(self, schema: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in schema.items() if k in _KEPT}
        hints = _constraint_hints(schema)
        fmt = schema.get("format")
        if isinstance(fmt, str):
            if fmt in ALLOWED_FORMATS:
                out["format"] = fmt
            else:
                hints.append(f"format: {fmt}")
        if hints:
            out["description"] = _with_hint(out.get("description", ""), ", ".join(hints))
        return out

    def _object(self, schema: dict[str, Any], path: str) -> dict[str, Any]:
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        description = schema.get("description", "")
        if not properties and isinstance(extra, dict) and extra:
            return self._map(extra, description, path)
        if "properties" not in schema and extra is not False:
            return self._free(path, description)
        props: dict[str, Any] = {}
        optional: list[str] = []
        required = set(schema.get("required") or [])
        for name, sub in (properties or {}).items():
            done = self.node(sub, f"{path}.{name}")
            if name not in required:
                optional.append(name)
                done = _nullable(done)
            props[name] = done
        out: dict[str, Any] = {"type": "object", "properties": props, "required": list(props)}
        if description:
            out["description"] = description
        out["additionalProperties"] = False
        if optional:
            out[OPTIONAL] = optional
        return out

    def _map(self, values: dict[str, Any], description: str, path: str) -> dict[str, Any]:
        self.notes.append(f"{path}: map given as a list of {{key, value}} entries")
        entry = {
            "type": "object",
            "properties": {"key": {"type": "string"}, "value": self.node(values, f"{path}.value")},
            "required": ["key", "value"],
            "additionalProperties": False,
        }
        hint = "Given as a list of {key, value} entries, one per key."
        return {"type": "array", "items": entry, "description": _with_hint(description, hint, sep=" "), MAP: True}

    def _array(self, schema: dict[str, Any], path: str) -> dict[str, Any]:
        out = {k: v for k, v in schema.items() if k in _KEPT}
        out["type"] = "array"
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list) and prefix:
            # Tuples: strict mode has no prefixItems; accept any of the item shapes, positions are checked later.
            out["items"] = self._union({"anyOf": prefix}, "anyOf", f"{path}.items")
            out.setdefault("minItems", len(prefix))
            out.setdefault("maxItems", len(prefix))
        elif "items" in schema:
            out["items"] = self.node(schema["items"], f"{path}.items")
        else:
            out["items"] = self._free(f"{path}.items", "")
        hints = _constraint_hints(schema)
        if hints:
            out["description"] = _with_hint(out.get("description", ""), ", ".join(hints))
        return out

    def _free(self, path: str, description: str) -> dict[str, Any]:
        if self.free_form == "non_strict":
            self.blockers.append(f"{path}: a value of any shape (free-form object or Any)")
            return {"type": "string", "description": description} if description else {"type": "string"}
        self.notes.append(f"{path}: free-form value given as a JSON-encoded string")
        hint = "Send it as a JSON-encoded string."
        return {"type": "string", "description": _with_hint(description, hint, sep=" "), JSON_STRING: True}


def _is_hint(text: Any) -> bool:
    return isinstance(text, str) and text.startswith("(") and text.endswith(")")


def _one_description(description: str, branches: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """A union's own description replaces its branches' (as a field's replaces its type's).

    ``currency: Currency | None = Field(description="...")`` publishes the type's description inside
    the string branch and the field's beside ``anyOf``; the model needs one. A branch's constraint
    hint ("(max 50 chars)") is kept, next to the union's description.
    """
    hints = [b["description"] for b in branches if "$ref" not in b and _is_hint(b.get("description"))]
    kept = [b if "$ref" in b else {k: v for k, v in b.items() if k != "description"} for b in branches]
    return " ".join([description, *hints]), kept


def _def_name(ref: str) -> str | None:
    for prefix in ("#/$defs/", "#/definitions/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return None


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or null; unchanged when it already admits null."""
    if _admits_null(schema):
        return schema
    if "anyOf" in schema:
        return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}
    inner = {k: v for k, v in schema.items() if k != "description"}
    out: dict[str, Any] = {"anyOf": [inner, {"type": "null"}]}
    if "description" in schema:
        out["description"] = schema["description"]
    return out


def _admits_null(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(isinstance(b, Mapping) and _admits_null(b) for b in schema.get("anyOf", ()))


def _constraint_hints(schema: Mapping[str, Any]) -> list[str]:
    """Dropped constraints a model should still respect, said in words."""
    hints = []
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low == 1:
        low = None  # "not empty" goes without saying for a value the model is asked for
    if low is not None and high is not None:
        hints.append(f"{low}-{high} chars")
    elif high is not None:
        hints.append(f"max {high} char{'' if high == 1 else 's'}")
    elif low:
        hints.append(f"min {low} chars")
    if schema.get("uniqueItems"):
        hints.append("no duplicates")
    return hints


def _with_hint(description: str, hint: str, *, sep: str = "") -> str:
    if not description:
        return hint if sep else f"({hint})"
    return f"{description}{sep}{hint}" if sep else f"{description} ({hint})"


def _refs(node: Any) -> list[str]:
    """The definition names that ``node`` references, once per reference."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        name = _def_name(ref) if isinstance(ref, str) else None
        return ([name] if name else []) + [n for k, v in node.items() if k != "$ref" for n in _refs(v)]
    if isinstance(node, list):
        return [n for item in node for n in _refs(item)]
    return []


def _put(node: Any, name: str, body: Mapping[str, Any]) -> Any:
    """``node`` with every ``{"$ref": "#/$defs/<name>"}`` replaced by a copy of ``body``."""
    if isinstance(node, dict):
        if node == {"$ref": f"#/$defs/{name}"}:
            return copy.deepcopy(dict(body))
        return {k: _put(v, name, body) for k, v in node.items()}
    if isinstance(node, list):
        return [_put(item, name, body) for item in node]
    return node


def _inline_single_use(root: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Write in place the definitions used once and not recursive; return the root and the rest.

    A definition used once saves nothing, and its ``$defs`` key and ``$ref`` cost tokens on every
    request. Recursive ones (the search grammar) must stay definitions.
    """
    defs = dict(defs)
    while True:
        counts = Counter(_refs(root) + [n for body in defs.values() for n in _refs(body)])
        single = next(
            (n for n in defs if counts[n] == 1 and n not in _referenced_defs(defs[n], defs)),
            None,
        )
        if single is None:
            return root, defs
        body = defs.pop(single)
        root = _put(root, single, body)
        defs = {n: _put(d, single, body) for n, d in defs.items()}


def _referenced_defs(root: Any, defs: Mapping[str, Any]) -> set[str]:
    """Names of the definitions reachable from ``root``."""
    found: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            name = _def_name(ref) if isinstance(ref, str) else None
            if name is not None and name not in found and name in defs:
                found.add(name)
                stack.append(defs[name])
            stack.extend(v for k, v in node.items() if k != "$ref")
        elif isinstance(node, list):
            stack.extend(node)
    return found


# -- back from strict arguments to the original shape --------------------------------------------


def decode(schema: Mapping[str, Any], data: Any, *, lenient: bool = False) -> Any:
    """Turn arguments that follow a strictified schema back into the original schema's shape.

    Nulls of originally optional keys are dropped (so defaults apply), ``{key, value}`` lists become
    maps again, and JSON strings are parsed. Data that does not fit is left as it is, for the
    operation's own validation to report.

    Args:
        schema: the strictified schema, with its private markers.
        data: the arguments.
        lenient: keep a string that is not valid JSON as it is (for arguments of a non-strict tool,
            where a plain string may be meant), instead of raising.

    Raises:
        DecodeError: when a JSON-encoded string is not valid JSON (unless ``lenient``).
    """
    defs = schema.get("$defs") or {}
    return _decode(schema, data, defs, "", lenient)


def _decode(schema: Mapping[str, Any], data: Any, defs: Mapping[str, Any], path: str, lenient: bool) -> Any:
    schema = _deref(schema, defs)
    if schema.get(JSON_STRING) and isinstance(data, str):
        try:
            return load_json(data)
        except ValueError as refused:
            if lenient and "not valid JSON" in str(refused):
                return data
            raise DecodeError(
                path or "arguments", f"expected a JSON-encoded value (a string such as '{{}}'): it {refused}"
            ) from None
    if schema.get(MAP) and isinstance(data, list):
        value_schema = schema["items"]["properties"]["value"]
        if all(isinstance(e, Mapping) and "key" in e for e in data):
            return {
                str(e["key"]): _decode(value_schema, e.get("value"), defs, _join(path, str(e["key"])), lenient)
                for e in data
            }
        return data
    if "anyOf" in schema:
        branch = _pick_branch(schema["anyOf"], data, defs)
        return data if branch is None else _decode(branch, data, defs, path, lenient)
    if isinstance(data, dict) and "properties" in schema:
        props, optional = schema["properties"], set(schema.get(OPTIONAL, ()))
        return {
            key: _decode(props[key], value, defs, _join(path, key), lenient) if key in props else value
            for key, value in data.items()
            if not (value is None and key in optional)
        }
    if isinstance(data, list) and isinstance(schema.get("items"), Mapping):
        return [_decode(schema["items"], item, defs, f"{path}[{i}]", lenient) for i, item in enumerate(data)]
    return data


def _deref(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = _def_name(ref)
        if name is not None and name in defs:
            target: Mapping[str, Any] = defs[name]
            return target
    return schema


def _json_type(data: Any) -> str:
    if data is None:
        return "null"
    if isinstance(data, bool):
        return "boolean"
    if isinstance(data, int | float):
        return "number"
    if isinstance(data, str):
        return "string"
    if isinstance(data, list):
        return "array"
    return "object" if isinstance(data, dict) else "unknown"


def _branch_type(branch: Mapping[str, Any]) -> str | None:
    kind = branch.get("type")
    if kind in ("integer", "number"):
        return "number"
    if isinstance(kind, str):
        return kind
    if "properties" in branch:
        return "object"
    return None


def _pick_branch(branches: list[Any], data: Any, defs: Mapping[str, Any]) -> Mapping[str, Any] | None:
    wanted = _json_type(data)
    fits = [b for b in (_deref(b, defs) for b in branches) if _branch_type(b) == wanted]
    if len(fits) > 1 and isinstance(data, dict):
        fits = [b for b in fits if set(data) <= set(b.get("properties", {}))] or fits
    if len(fits) > 1 and isinstance(data, list):
        # A list of {key, value} entries belongs to a map branch; anything else to a plain array.
        entries = bool(data) and all(isinstance(e, Mapping) and set(e) == {"key", "value"} for e in data)
        fits = [b for b in fits if bool(b.get(MAP)) == entries] or fits
    return fits[0] if fits else None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
