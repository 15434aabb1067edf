"""Check a schema against every OpenAI strict-mode rule, independently of how it was made.

The rules are those of the Structured Outputs guide (numbered as in TARGETS.md section 1.5). The
checker never trusts the strictifier: the emitter runs it on every strict schema and falls back to a
non-strict tool, saying why, when anything is left.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ._rules import ALLOWED_FORMATS, SUPPORTED_KEYWORDS

__all__ = ["AZURE_LIMITS", "OPENAI_LIMITS", "StrictLimits", "Violation", "check_strict_schema"]

_TYPES = frozenset({"string", "number", "boolean", "integer", "object", "array", "null"})
_UNSUPPORTED = frozenset(
    {"allOf", "oneOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas", "patternProperties"}
)


@dataclass(frozen=True, slots=True)
class StrictLimits:
    """Size limits of one provider's strict mode."""

    max_properties: int
    max_depth: int
    max_string_length: int
    max_enum_values: int
    large_enum_size: int
    max_large_enum_length: int


OPENAI_LIMITS = StrictLimits(5000, 10, 120_000, 1000, 250, 15_000)
"""api.openai.com today: 5000 properties, 10 levels, 120,000 characters, 1000 enum values."""
AZURE_LIMITS = StrictLimits(100, 5, 15_000, 500, 250, 7_500)
"""The older, stricter numbers Azure OpenAI still documents."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: its number in TARGETS.md section 1.5, where, and what is wrong."""

    rule: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"rule {self.rule} at {self.path}: {self.message}"


def check_strict_schema(schema: Mapping[str, Any], limits: StrictLimits = OPENAI_LIMITS) -> list[Violation]:
    """Every strict-mode violation in ``schema`` (an empty list means it is valid)."""
    return list(_Checker(schema, limits).run())


class _Checker:
    def __init__(self, schema: Mapping[str, Any], limits: StrictLimits) -> None:
        self.root = schema
        self.defs: Mapping[str, Any] = schema.get("$defs") or {}
        self.limits = limits
        self.properties = 0
        self.strings = sum(len(name) for name in self.defs)
        self.enum_values = 0

    def run(self) -> Iterator[Violation]:
        if self.root.get("type") != "object":
            yield Violation(4, "$", "the root must have type 'object'")
        if "anyOf" in self.root:
            yield Violation(4, "$", "the root must not be an anyOf")
        body = {k: v for k, v in self.root.items() if k != "$defs"}
        yield from self.node(body, "$")
        for name, sub in self.defs.items():
            yield from self.node(sub, f"$defs.{name}")
        yield from self.sizes()

    def node(self, schema: Any, path: str) -> Iterator[Violation]:
        if not isinstance(schema, Mapping):
            yield Violation(5, path, f"a schema must be an object, got {schema!r}")
            return
        for key in schema:
            if key in _UNSUPPORTED:
                yield Violation(7, path, f"'{key}' is not supported")
            elif key == "default":
                yield Violation(10, path, "'default' is not permitted (Azure refuses it)")
            elif key not in SUPPORTED_KEYWORDS:
                yield Violation(6, path, f"keyword '{key}' is not supported")
        if "$ref" in schema:
            yield from self.ref(schema, path)
            return
        yield from self.kind(schema, path)
        fmt = schema.get("format")
        if fmt is not None and fmt not in ALLOWED_FORMATS:
            yield Violation(6, path, f"format {fmt!r} is not supported")
        for value in (*schema.get("enum", ()), *(("const" in schema) * [schema.get("const")])):
            self.enum_values += 1
            if isinstance(value, str):
                self.strings += len(value)
        enum = schema.get("enum")
        if isinstance(enum, list) and len(enum) > self.limits.large_enum_size:
            total = sum(len(v) for v in enum if isinstance(v, str))
            if total > self.limits.max_large_enum_length:
                yield Violation(9, path, f"an enum of {len(enum)} values totals {total} characters")
        for index, branch in enumerate(schema.get("anyOf", ())):
            yield from self.node(branch, f"{path}.anyOf[{index}]")
        if "properties" in schema or schema.get("type") == "object":
            yield from self.obj(schema, path)
        if "items" in schema:
            yield from self.node(schema["items"], f"{path}.items")
        elif schema.get("type") == "array":
            yield Violation(5, path, "an array needs 'items'")

    def ref(self, schema: Mapping[str, Any], path: str) -> Iterator[Violation]:
        ref = schema["$ref"]
        siblings = sorted(k for k in schema if k != "$ref")
        if siblings:
            yield Violation(8, path, f"$ref must stand alone, found {', '.join(siblings)}")
        if ref == "#":
            return
        if not (isinstance(ref, str) and ref.startswith("#/$defs/") and ref[len("#/$defs/") :] in self.defs):
            yield Violation(8, path, f"$ref {ref!r} does not resolve")

    def kind(self, schema: Mapping[str, Any], path: str) -> Iterator[Violation]:
        kind = schema.get("type")
        kinds = kind if isinstance(kind, list) else [kind] if kind is not None else []
        for value in kinds:
            if value not in _TYPES:
                yield Violation(5, path, f"type {value!r} is not supported")
        if not kinds and "anyOf" not in schema and "enum" not in schema and "const" not in schema:
            yield Violation(5, path, "no type: every schema needs a type, an enum, a const or an anyOf")

    def obj(self, schema: Mapping[str, Any], path: str) -> Iterator[Violation]:
        properties = schema.get("properties")
        if not isinstance(properties, Mapping):
            yield Violation(1, path, "an object must list its properties")
            properties = {}
        if schema.get("additionalProperties") is not False:
            yield Violation(1, path, "additionalProperties must be false")
        required = schema.get("required")
        if (
            not isinstance(required, list)
            or sorted(required) != sorted(properties)
            or len(required) != len(set(required))
        ):
            yield Violation(2, path, f"required must list every property exactly once, got {required!r}")
        self.properties += len(properties)
        for name, sub in properties.items():
            self.strings += len(name)
            yield from self.node(sub, f"{path}.{name}")

    def sizes(self) -> Iterator[Violation]:
        limits = self.limits
        if self.properties > limits.max_properties:
            yield Violation(9, "$", f"{self.properties} object properties (at most {limits.max_properties})")
        if self.strings > limits.max_string_length:
            yield Violation(9, "$", f"names and enum values total {self.strings} characters")
        if self.enum_values > limits.max_enum_values:
            yield Violation(9, "$", f"{self.enum_values} enum values (at most {limits.max_enum_values})")
        depth = self.depth(self.root, frozenset())
        if depth > limits.max_depth:
            yield Violation(9, "$", f"objects nest {depth} levels deep (at most {limits.max_depth})")

    def depth(self, schema: Any, seen: frozenset[str]) -> int:
        """Object nesting levels below ``schema``; a recursive reference counts once."""
        if not isinstance(schema, Mapping):
            return 0
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1] if ref != "#" else "#"
            if name in seen:
                return 0
            target = self.root if ref == "#" else self.defs.get(name)
            return self.depth(target, seen | {name})
        children = [*schema.get("anyOf", ())]
        if isinstance(schema.get("items"), Mapping):
            children.append(schema["items"])
        own = 0
        if isinstance(schema.get("properties"), Mapping):
            own = 1
            children.extend(schema["properties"].values())
        return own + max((self.depth(c, seen) for c in children), default=0)
