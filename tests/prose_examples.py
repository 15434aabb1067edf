"""The examples in the spec's prose, parsed out of its markdown, and a shape comparison for answers.

Nimble's spec (tests/data copy) has two kinds of text: schemas, and long markdown descriptions under
its tags and operations ("Contacts details", "Handling Errors", "Search Contacts"...). The prose
holds examples Nimble wrote by hand, and where they disagree with a schema they usually show what a
live account sends. :func:`prose_examples` finds every one of them:

* fenced code blocks (````` ``` javascript `````, also inside block quotes), parsed leniently
  (:meth:`ProseExample.value`: a trailing comma is dropped, a ``"key": value`` fragment is read as
  an object);
* indented blocks that are HTTP requests (``PUT /api/v1/contact/... HTTP/1.1`` with headers and a
  body) or bare URLs (the redirects of the OAuth guide), parsed by :meth:`ProseExample.request`.

:func:`shape_problems` compares an answer with an example by shape: keys, types, nesting, and the
format of timestamps and ids, never the values themselves.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from spec_support import spec

__all__ = [
    "HttpExample",
    "ProseExample",
    "ShapeRules",
    "prose_examples",
    "prose_table",
    "shape_problems",
    "value_format",
]

Kind = Literal["json", "text", "http", "url"]
_FENCE = re.compile(r"^(?P<prefix>[ >]*)```[ ]*(?P<lang>\w*)[ ]*$")
_HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
_REQUEST_LINE = re.compile(r"^(?P<method>GET|POST|PUT|DELETE|PATCH)\s+(?P<target>\S+)(?:\s+HTTP/\d\.\d)?$")
_URL = re.compile(r"^https?://\S+$")
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


@dataclass(frozen=True)
class HttpExample:
    """An HTTP request as the prose writes it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str
    """The body as written (JSON, or a form after ``Body :``), stripped."""


@dataclass(frozen=True)
class ProseExample:
    """One example of the prose, named by where it is: ``"<source> / <heading> #<n>"``."""

    source: str
    """``tag <name>`` or ``<METHOD> <path>`` (an operation's description)."""
    heading: str
    """The nearest markdown heading above the example (the section it illustrates)."""
    ordinal: int
    """1 for the first example under that heading, 2 for the next..."""
    kind: Kind
    text: str

    @property
    def key(self) -> str:
        return f"{self.source} / {self.heading} #{self.ordinal}"

    def value(self) -> Any:
        """The example as JSON: lenient about trailing commas and ``"key": value`` fragments."""
        text = _TRAILING_COMMA.sub(r"\1", self.text.strip())
        try:
            return json.loads(text)
        except ValueError:
            return json.loads("{" + text + "}")  # a fragment such as "presentation": {...}

    def request(self) -> HttpExample:
        """The request of an ``http`` or ``url`` example."""
        lines = self.text.strip().splitlines()
        first = _REQUEST_LINE.match(lines[0].strip())
        method, target = (first["method"], first["target"]) if first else ("GET", lines[0].strip())
        headers: dict[str, str] = {}
        rest = lines[1:]
        while rest and rest[0].strip() and ":" in rest[0] and not rest[0].strip().startswith(("{", "Body")):
            name, _, value = rest.pop(0).partition(":")
            headers[name.strip().lower()] = value.strip()
        body = "\n".join(rest).strip()
        body = re.sub(r"^Body\s*:\s*", "", body)
        parts = urlsplit(target)
        return HttpExample(method, parts.path, dict(parse_qsl(parts.query)), headers, body)


def _sources() -> Iterator[tuple[str, str]]:
    document = spec()
    for tag in document.get("tags", []):
        yield f"tag {tag['name']}", tag.get("description") or ""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, Mapping) and operation.get("description"):
                yield f"{method.upper()} {path}", str(operation["description"])


def _unquote(line: str, prefix: str) -> str:
    if line.startswith(prefix):
        return line[len(prefix) :]
    return line.lstrip(" >")


def _blocks(markdown: str) -> Iterator[tuple[str, Kind, str]]:
    """(heading, kind, text) of each example in one markdown text."""
    lines = markdown.splitlines()
    heading = "(top)"
    index = 0
    while index < len(lines):
        line = lines[index]
        title = _HEADING.match(line)
        if title:
            heading = title["title"].strip()
        fence = _FENCE.match(line)
        if fence:
            prefix, body = fence["prefix"], []
            index += 1
            while index < len(lines) and not _unquote(lines[index], prefix).strip().startswith("```"):
                body.append(_unquote(lines[index], prefix))
                index += 1
            kind: Kind = "json" if fence["lang"] in ("javascript", "json", "") else "text"
            text = "\n".join(body)
            if kind == "text" and _REQUEST_LINE.match(text.strip().splitlines()[0]):
                kind = "http"
            yield heading, kind, text
        else:
            content = line.lstrip(" >")
            indented = line.startswith("    ") or re.match(r"^>\s{4,}\S", line) is not None
            if indented and (_REQUEST_LINE.match(content.strip()) or _URL.match(content.strip())):
                block = [content.strip()]
                while index + 1 < len(lines):
                    following = lines[index + 1]
                    if following.strip() and not following.startswith("    "):
                        break
                    block.append(following[4:] if following.startswith("    ") else "")
                    index += 1
                text = "\n".join(block).strip()
                yield heading, "http" if _REQUEST_LINE.match(content.strip()) else "url", text
        index += 1


@functools.cache
def prose_examples() -> tuple[ProseExample, ...]:
    """Every example of the spec's prose, in the order they appear."""
    found: list[ProseExample] = []
    for source, markdown in _sources():
        seen: dict[str, int] = {}
        for heading, kind, text in _blocks(markdown):
            seen[heading] = seen.get(heading, 0) + 1
            found.append(ProseExample(source, heading, seen[heading], kind, text))
    return tuple(found)


# --- shapes -------------------------------------------------------------------------------------

_FORMATS = (
    ("timestamp +hhmm", re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}$")),
    ("timestamp .mmmZ", re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")),
    ("timestamp", re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")),
    ("object id", re.compile(r"^[0-9a-f]{24}$")),
)


def value_format(value: Any) -> str | None:
    """The recognisable format of a string (a timestamp form, an object id), else None."""
    if not isinstance(value, str):
        return None
    return next((name for name, pattern in _FORMATS if pattern.match(value)), None)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@dataclass(frozen=True)
class ShapeRules:
    """How to read an example: which objects are maps (keys are data) and which keys may be null."""

    maps: frozenset[str] = frozenset()
    """Paths (``a/*/fields``) of objects keyed by data, such as field names: each entry of the
    answer is compared with the example's entry of the same key, or its first one."""
    nullable: frozenset[str] = frozenset()
    """Paths the prose says may be empty (``avatar_url`` "null ... no avatar"): null is accepted."""
    all_keys_of: frozenset[str] = field(default_factory=frozenset)
    """Maps whose every example key must be in the answer (the answer was made from the example)."""
    optional: frozenset[str] = frozenset()
    """Keys compared when the answer has them but not required (the prose says they depend on the kind)."""
    empty_lists: bool = False
    """Accept an empty list where the example has items (answers about other data than the example's)."""


def shape_problems(example: Any, answer: Any, rules: ShapeRules = ShapeRules(), path: str = "") -> list[str]:
    """Where ``answer`` does not have ``example``'s shape: missing keys, other types, other formats.

    Keys the answer has beyond the example's are fine (examples are abridged). A null in the example
    accepts anything. A list matches when each example item matches some answer item.
    """
    where = path or "<root>"
    if example is None:
        return []
    if answer is None and path in rules.nullable:
        return []
    if _type_name(example) != _type_name(answer):
        return [f"{where}: the example has {_type_name(example)}, the answer {_type_name(answer)}"]
    if isinstance(example, Mapping):
        if path in rules.maps:
            return _map_problems(example, answer, rules, path)
        problems = []
        for key, expected in example.items():
            inner = f"{path}/{key}" if path else str(key)
            if key not in answer:
                if inner not in rules.optional:
                    problems.append(f"{inner}: missing")
            else:
                problems += shape_problems(expected, answer[key], rules, inner)
        return problems
    if isinstance(example, list):
        problems = []
        inner = f"{path}/*" if path else "*"
        for item in example:
            if not answer:
                return [] if rules.empty_lists else [f"{where}: the answer's list is empty"]
            tries = [shape_problems(item, candidate, rules, inner) for candidate in answer]
            if all(tries):
                problems += min(tries, key=len)
        return list(dict.fromkeys(problems))
    expected_format = value_format(example)
    if expected_format is not None and value_format(answer) != expected_format:
        return [f"{where}: the example writes {expected_format} ({example!r}), the answer {answer!r}"]
    return []


def _map_problems(example: Mapping[str, Any], answer: Mapping[str, Any], rules: ShapeRules, path: str) -> list[str]:
    problems = []
    if path in rules.all_keys_of:
        problems += [f"{path}/{key}: missing" for key in example if key not in answer]
    template = next(iter(example.values()), None)
    for key, value in answer.items():
        expected = example.get(key, template)
        problems += shape_problems(expected, value, rules, f"{path}/*")
    return list(dict.fromkeys(problems))


def prose_table(source: str, heading: str) -> list[dict[str, str]]:
    """The rows of the markdown table under ``heading`` in one prose text, as {column: cell}."""
    markdown = next(text for name, text in _sources() if name == source)
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if (m := _HEADING.match(line)) and m["title"].strip() == heading)
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if _HEADING.match(line):
            break
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not all(set(cell) <= set("-: ") for cell in cells):
                rows.append(cells)
        elif rows:
            break
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]
