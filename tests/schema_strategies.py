"""Hypothesis strategies derived from the JSON schemas the tools advertise (test support, not a test module).

``valid_values(schema)`` draws JSON values that the schema accepts: what a model that follows the
advertised schema may send. It reads the keywords pydantic and the OpenAI strict rewrite produce
(``type``, ``properties``/``required``, ``additionalProperties``, ``items``, ``anyOf``/``oneOf``,
``$ref``/``$defs`` including recursive ones, ``enum``, ``const``, ``pattern``, lengths, bounds,
``format``) and the strict rewrite's private markers (a ``{key, value}`` list that stands for a map, a
string holding JSON). ``hypothesis-jsonschema`` does this in general but is broken with current
hypothesis, hence this small converter.

The ``wrong_*``/``hostile_*`` helpers build the invalid counterparts: a value of a JSON type that no
branch of a schema accepts, strings no tool should forward, ids that try to walk the path.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from datetime import UTC
from typing import Any

from hypothesis import strategies as st

from nimble_tools._limits import MAX_STRING_LENGTH

__all__ = [
    "HUGE",
    "PATH_WALKS",
    "accepted_types",
    "hostile_strings",
    "json_values",
    "valid_values",
    "wrong_type_values",
]

MAX_ITEMS = 3
"""Longest array drawn when the schema allows more (keeps examples small and fast)."""
MAX_TEXT = 12
"""Longest free string drawn when the schema sets no maximum."""
HUGE = MAX_STRING_LENGTH + 1
"""A string length beyond what any tool forwards (see ``nimble_tools._limits``)."""

# Printable text from all of Unicode (accents, CJK, emoji, right-to-left, zero-width joiners), never
# lone surrogates or control characters: those are "hostile" and refused, see hostile_strings().
TEXT = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))

PATH_WALKS = (
    "..",
    ".",
    "../../api/v1/myself",
    "..%2F..%2Fmyself",
    "%2e%2e",
    "a/b",
    "/",
    "?x=1",
    "#frag",
    "5e5e5e5e5e5e5e5e5e5e5e5e/../x",
    "5e5e5e5e5e5e5e5e5e5e5e5e?",
    "5e5e5e5e5e5e5e5e5e5e5e5e%00",
    "\\..\\",
    "",
    " ",
)
"""Values that, in a path segment, would change the route if they were not refused or encoded."""


def json_values(max_leaves: int = 6) -> st.SearchStrategy[Any]:
    """Any JSON value, small."""
    scalars = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(TEXT, max_size=MAX_TEXT)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(TEXT, max_size=6), inner, max_size=3),
        max_leaves=max_leaves,
    )


def valid_values(schema: Mapping[str, Any], root: Mapping[str, Any] | None = None) -> st.SearchStrategy[Any]:
    """Values that ``schema`` (a node of ``root``, whose ``$defs`` resolve ``$ref``) accepts."""
    return _Converter(root if root is not None else schema).convert(schema)


class _Converter:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.definitions: Mapping[str, Any] = root.get("$defs", {})
        self.refs: dict[str, st.SearchStrategy[Any]] = {}

    def convert(self, schema: Mapping[str, Any] | bool) -> st.SearchStrategy[Any]:
        if schema is True or schema == {}:
            return json_values()
        if schema is False:
            return st.nothing()
        assert isinstance(schema, Mapping)
        if "$ref" in schema:
            return self.ref(schema["$ref"])
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(list(schema["enum"]))
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                return st.one_of([self.convert(branch) for branch in schema[keyword]])
        if "allOf" in schema:
            [only] = schema["allOf"]  # pydantic emits allOf only to put a description beside a $ref
            return self.convert(only)
        kind = schema.get("type")
        if isinstance(kind, list):
            return st.one_of([self.convert({**schema, "type": k}) for k in kind])
        if kind is None:
            return json_values()
        return getattr(self, f"of_{kind}")(schema)

    def ref(self, reference: str) -> st.SearchStrategy[Any]:
        name = reference.rsplit("/", 1)[-1]
        if name not in self.refs:
            # deferred: recursive models (a search group holds groups) build a finite strategy graph
            self.refs[name] = st.deferred(lambda: self.convert(self.definitions[name]))
        return self.refs[name]

    def of_null(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        return st.none()

    def of_boolean(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        return st.booleans()

    def of_integer(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        low, high = _bounds(schema, integer=True)
        return st.integers(
            min_value=low if low is not None else -(10**9), max_value=high if high is not None else 10**9
        )

    def of_number(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        low, high = _bounds(schema, integer=False)
        return st.floats(
            min_value=low if low is not None else -1e9,
            max_value=high if high is not None else 1e9,
            allow_nan=False,
            allow_infinity=False,
        ) | st.integers(
            min_value=int(low) + 1 if low is not None else -(10**6),
            max_value=int(high) - 1 if high is not None else 10**6,
        )

    def of_string(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        if schema.get("x-nimble-json"):  # the strict rewrite's JSON-encoded value of any shape
            return json_values().map(lambda value: json.dumps(value, ensure_ascii=False))
        low = int(schema.get("minLength", 0))
        high = int(schema.get("maxLength", 10**6))
        fmt = schema.get("format")
        strategy: st.SearchStrategy[str]
        if "pattern" in schema:
            strategy = st.from_regex(schema["pattern"], fullmatch=True, alphabet=TEXT)
        elif fmt == "date":
            strategy = st.dates().map(lambda d: d.isoformat())
        elif fmt == "date-time":
            strategy = st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat())
        elif fmt in ("uri", "url"):
            strategy = st.from_regex(r"https://[a-z]{1,8}\.example/[a-z0-9]{0,8}", fullmatch=True)
        elif fmt == "email":
            strategy = st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.example", fullmatch=True)
        else:
            return st.text(TEXT, min_size=low, max_size=min(high, low + MAX_TEXT))
        return strategy.filter(lambda s: low <= len(s) <= high)

    def of_array(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        low = int(schema.get("minItems", 0))
        high = int(schema.get("maxItems", low + MAX_ITEMS))
        items = self.convert(schema.get("items", {}))
        if schema.get("x-nimble-map"):  # {key, value} entries standing for a map: keys are unique
            return st.lists(items, min_size=low, max_size=min(high, low + MAX_ITEMS), unique_by=lambda e: e["key"])
        return st.lists(items, min_size=low, max_size=min(high, low + MAX_ITEMS))

    def of_object(self, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        properties: Mapping[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties", not properties)
        if not properties:
            if extra is False:
                return st.just({})
            values = json_values() if extra is True else self.convert(extra)
            return st.dictionaries(st.text(TEXT, min_size=1, max_size=8), values, max_size=MAX_ITEMS)
        required = set(schema.get("required", []))
        nullable = set(schema.get("x-nimble-optional", []))
        if nullable:  # strict mode: a model leaves most optional keys null, as it would leave them out
            properties = {
                name: {"anyOf": [{"type": "null"}, {"type": "null"}, {"type": "null"}, sub]}
                if name in nullable
                else sub
                for name, sub in properties.items()
            }
        return st.fixed_dictionaries(
            {name: self.convert(sub) for name, sub in properties.items() if name in required},
            optional={name: self.convert(sub) for name, sub in properties.items() if name not in required},
        )


def _bounds(schema: Mapping[str, Any], *, integer: bool) -> tuple[float | None, float | None]:
    step = 1 if integer else 1e-6
    low = schema.get("minimum")
    if "exclusiveMinimum" in schema:
        low = schema["exclusiveMinimum"] + step
    high = schema.get("maximum")
    if "exclusiveMaximum" in schema:
        high = schema["exclusiveMaximum"] - step
    return low, high


# -- invalid values ----------------------------------------------------------------------------------


def accepted_types(schema: Mapping[str, Any], root: Mapping[str, Any], seen: frozenset[str] = frozenset()) -> set[str]:
    """The JSON types some branch of ``schema`` accepts ("any" when it accepts every type)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return set() if name in seen else accepted_types(root["$defs"][name], root, seen | {name})
    if "const" in schema or "enum" in schema:
        values = [schema["const"]] if "const" in schema else schema["enum"]
        return {_json_type(v) for v in values}
    branches = [*schema.get("anyOf", []), *schema.get("oneOf", []), *schema.get("allOf", [])]
    if branches:
        return set().union(*(accepted_types(b, root, seen) for b in branches))
    kind = schema.get("type")
    if kind is None:
        return {"any"}
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if schema.get("format") in ("date", "date-time"):
        kinds |= {"integer", "number"}  # pydantic reads a number as a Unix timestamp (documented)
    return kinds


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


# Values of each JSON type that no lenient reading turns into another type: pydantic reads "12" as
# an integer and 1 as True, so a wrong string is never numeric or boolean-like, and a wrong number
# is neither 0 nor 1.
_WRONG: dict[str, st.SearchStrategy[Any]] = {
    "string": st.text(string.ascii_letters, min_size=3, max_size=8).filter(
        lambda s: s.lower() not in {"true", "false", "yes", "no", "on", "off", "null", "none"}
    ),
    "integer": st.integers(min_value=2, max_value=10**6) | st.integers(min_value=-(10**6), max_value=-2),
    "number": st.floats(min_value=2.5, max_value=1e6).filter(lambda f: not f.is_integer()),
    "boolean": st.booleans(),
    "array": st.lists(st.integers(2, 9), min_size=1, max_size=2),
    "object": st.dictionaries(st.sampled_from(["zz", "qq"]), st.integers(2, 9), min_size=1, max_size=2),
}


def wrong_type_values(accepted: set[str]) -> st.SearchStrategy[Any] | None:
    """Values of a JSON type outside ``accepted``; None when every type is accepted."""
    if "any" in accepted:
        return None
    blocked = set(accepted)
    if "number" in blocked:
        blocked.add("integer")  # a number field takes integers (an integer field takes 3.0, not 3.5)
    if blocked & {"integer", "number"}:
        blocked.add("boolean")  # pydantic's lax mode reads true as 1 (documented; not a refusal)
    wrong = [strategy for kind, strategy in _WRONG.items() if kind not in blocked]
    return st.one_of(wrong) if wrong else None


def hostile_strings() -> st.SearchStrategy[str]:
    """Strings no tool forwards: a lone surrogate, a control character, or one beyond the size limit."""
    control = st.sampled_from(["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\x9b"])
    surrogate = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
    text = st.text(TEXT, max_size=6)
    planted = st.tuples(text, control | surrogate, text).map("".join)
    huge = st.tuples(st.sampled_from(["x", "é", "🙂", "ـ"]), st.integers(0, 3)).map(lambda p: p[0] * (HUGE + p[1]))
    return planted | huge
