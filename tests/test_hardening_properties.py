"""Property tests: every operation, through every adapter, with arguments hypothesis makes up.

* Valid arguments, drawn from the schema each target advertises (the OpenAI strict schema for
  ``openai``, the operation's own for the others) and accepted by the operation's model, give
  requests the official spec accepts: the operation's own route, declared query arguments of the
  right type, the required ones present, a body valid against the request-body schema.
* Invalid arguments (a required field left out, an unknown field, a value of the wrong type, a
  string with a control character, an unpaired surrogate or over a million characters, an id that tries
  to walk the path) come back to the model as a clear error naming the tool and the field and
  saying nothing was sent; and nothing is sent.

``make test`` runs a fixed sample per (operation, target); ``make test-full`` explores ten times
more (NIMBLE_PROPERTY_EXAMPLES sets the number).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from hardening_support import ADAPTERS, Adapters, Outcome, Wire, adapters_for, request_problems, wired_toolkit
from hypothesis import given, reject
from hypothesis import strategies as st
from nimble_tools_openai import DecodeError, decode, strictify
from pydantic.json_schema import GenerateJsonSchema
from schema_strategies import (
    PATH_WALKS,
    accepted_types,
    hostile_strings,
    valid_values,
    wrong_type_values,
)

from nimble_tools import NimbleToolkit, NimbleToolsError, Operation
from nimble_tools._paths import NIMBLE_ID_PATTERN, path_fields

NOTHING_SENT = "nothing was sent to Nimble"


@cache
def catalog() -> dict[str, Operation]:
    return dict(NimbleToolkit.sandbox(seed=False).operations)


NAMES = list(catalog())


# Operations whose rules reach beyond their schema so far that arguments drawn from the schema
# alone are almost never accepted: these values are laid over the drawn ones (the rest stays drawn).
HINTS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "create_a_nimble_deal_file": st.sampled_from(
        [
            {"source": "uploaded_azure", "data_id": "blob-1", "file_url": None, "file_name": None},
            {"source": "dropbox", "data_id": None, "file_url": "https://files.example/a.pdf", "file_name": "a.pdf"},
        ]
    ),
    "nimble_import_leads": st.lists(
        st.fixed_dictionaries(
            {"first_name": st.sampled_from(["Ann", "Émile", "李"]), "email": st.just("lead@acme.example")}
        ),
        min_size=1,
        max_size=3,
    ).map(lambda leads: {"leads": leads}),
    "nimble_sync_contact_tags": st.fixed_dictionaries({"add": st.just(["vip"])}),
    "nimble_log_call": st.fixed_dictionaries({"email": st.just("caller@acme.example")}),
    "update_a_nimble_deal_pipeline_field_by_id": st.fixed_dictionaries({"name": st.just("Renamed")}),
    # OpenAI strict mode drops format: uri, so the strict schema alone cannot make a URL
    "nimble_close_won_with_file": st.fixed_dictionaries({"file_url": st.just("https://files.example/signed.pdf")}),
}


@dataclass
class Rig:
    toolkit: NimbleToolkit
    wire: Wire
    adapters: Adapters

    def call(self, target: str, name: str, arguments: Any) -> tuple[Outcome, list[Any]]:
        self.wire.clear()
        outcome = self.adapters.call(target, name, arguments)
        return outcome, list(self.wire.sent)


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    # Confirmation off: these properties are about what reaches the wire (the safety suites test
    # that destructive calls wait for confirmation by default).
    toolkit, wire = wired_toolkit()
    with adapters_for(toolkit, confirm_destructive=False) as adapters:
        yield Rig(toolkit, wire, adapters)


class _WithPatterns(GenerateJsonSchema):
    """Pydantic's JSON schema with every string pattern kept.

    The published schemas leave the Nimble-id pattern out (the check stays, the tokens go): drawing
    from them alone would almost never make an id the operation accepts.
    """

    def str_schema(self, schema: Any) -> dict[str, Any]:
        out: dict[str, Any] = super().str_schema(schema)
        if "pattern" in out:
            out["x-kept-pattern"] = out["pattern"]
        return out


def _restore_patterns(node: Any) -> Any:
    if isinstance(node, list):
        return [_restore_patterns(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _restore_patterns(value) for key, value in node.items() if key != "x-kept-pattern"}
    if "x-kept-pattern" in node:
        out["pattern"] = node["x-kept-pattern"]
    return out


@cache
def advertised(target: str, name: str) -> dict[str, Any]:
    """The arguments schema ``target`` shows a model for ``name``, with the unpublished id patterns.

    For openai: the strict rewrite, with its private markers kept for decoding.
    """
    schema = _restore_patterns(catalog()[name].params.model_json_schema(schema_generator=_WithPatterns))
    if target == "openai":
        return strictify(schema).schema
    return schema


def drawn_arguments(target: str, name: str) -> st.SearchStrategy[dict[str, Any]]:
    schema = advertised(target, name)
    # A cursor is the toolkit's own opaque string, passed back unchanged, never one a model makes up.
    strategy = valid_values(schema).map(lambda arguments: _without_cursor(arguments, target))
    hint = HINTS.get(name)
    if hint is None:
        return strategy
    if target == "openai":  # strict mode sends every key; a hint's missing keys stay as drawn
        return st.tuples(strategy, hint).map(lambda pair: {**pair[0], **_strict_hint(pair[1], schema)})
    return st.tuples(strategy, hint).map(lambda pair: _drop_nulls({**pair[0], **pair[1]}))


def _without_cursor(arguments: dict[str, Any], target: str) -> dict[str, Any]:
    if "next_cursor" not in arguments:
        return arguments
    if target == "openai":  # strict mode sends every key: null means "first page"
        return {**arguments, "next_cursor": None}
    return {key: value for key, value in arguments.items() if key != "next_cursor"}


def _strict_hint(hint: dict[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    if "leads" in hint:  # strict leads carry every key of a lead, the missing ones null
        items = schema["properties"]["leads"]["items"]
        if "$ref" in items:
            items = schema["$defs"][items["$ref"].rsplit("/", 1)[-1]]
        keys = items["properties"]
        return {"leads": [{key: lead.get(key) for key in keys} for lead in hint["leads"]]}
    return hint


def _drop_nulls(arguments: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in arguments.items() if value is not None or key not in ("data_id", "file_url")}


def accepted_by_the_operation(target: str, operation: Operation, arguments: dict[str, Any]) -> bool:
    """Whether the operation's own model takes these arguments (after the strict decoding for openai)."""
    try:
        if target == "openai":
            arguments = decode(advertised(target, operation.name), arguments)
        operation.validate_arguments(arguments)
    except (NimbleToolsError, DecodeError):
        return False
    return True


# -- valid arguments ------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ADAPTERS)
@pytest.mark.parametrize("name", NAMES)
def test_valid_arguments_send_requests_the_spec_accepts(rig: Rig, name: str, target: str) -> None:
    operation = catalog()[name]

    @given(drawn_arguments(target, name))
    def check(arguments: dict[str, Any]) -> None:
        if not accepted_by_the_operation(target, operation, arguments):
            reject()  # the model's own rules (a person needs a name, ...) refuse it: not a valid call
        outcome, sent = rig.call(target, name, arguments)
        if not operation.is_composite:  # a composite may answer from what it knows (tool search does)
            assert sent, f"{name} via {target}: a valid call sent nothing; the model read: {outcome.text}"
            assert len(sent) == 1, f"{name} via {target}: one call, {len(sent)} requests"
        for request in sent:
            problems = request_problems(request, None if operation.is_composite else operation)
            assert not problems, f"{name} via {target}: {request.method} {request.raw_path}: {problems}"
        assert all(status < 500 for status in rig.wire.answered), f"the sandbox failed: {rig.wire.answered}"
        assert outcome.text, "the model reads something"

    check()


# -- invalid arguments ----------------------------------------------------------------------------------


@dataclass
class Broken:
    """Arguments made invalid in one named way."""

    how: str
    field: str
    arguments: Any

    def __repr__(self) -> str:  # a million-character string is no help in a failure report
        return f"Broken({self.how!r}, {self.field!r}, {repr(self.arguments)[:400]})"


def _string_leaves(value: Any, top: str) -> Iterator[tuple[str, list[Any]]]:
    """(top-level field, path) of every string inside ``value``."""
    if isinstance(value, str):
        yield top, []
    elif isinstance(value, dict):
        for key, item in value.items():
            for field, path in _string_leaves(item, top):
                yield field, [key, *path]
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for field, path in _string_leaves(item, top):
                yield field, [index, *path]


def _replace(arguments: dict[str, Any], field: str, path: list[Any], new: Any) -> dict[str, Any]:
    changed = copy.deepcopy(arguments)
    if not path:
        changed[field] = new
        return changed
    node = changed[field]
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = new
    return changed


@st.composite
def broken_arguments(draw: st.DrawFn, target: str, name: str) -> Broken:
    operation = catalog()[name]
    schema = advertised(target, name)
    properties: dict[str, Any] = schema.get("properties", {})
    base = draw(drawn_arguments(target, name).filter(lambda args: accepted_by_the_operation(target, operation, args)))
    required = [f for f, info in operation.params.model_fields.items() if info.is_required()]
    ways = ["unknown field"]
    if required:
        ways.append("missing required")
    typed = {f: kinds for f, sub in properties.items() if "any" not in (kinds := accepted_types(sub, schema))}
    if typed:
        ways.append("wrong type")
    leaves = [(field, path) for top in base for field, path in _string_leaves(base[top], top)]
    string_fields = [f for f, kinds in typed.items() if "string" in kinds]
    if leaves or string_fields:
        ways.append("hostile string")
    walkable = [f for f in path_fields(operation.path) if f in properties]
    if walkable:
        ways.append("path walk")
    how = draw(st.sampled_from(ways))
    if how == "unknown field":
        field = draw(st.sampled_from(["bogus", "contact_name", "Id", "api_key", "id "]).filter(lambda f: f not in base))
        return Broken(how, field, {**base, field: draw(st.integers(0, 9) | st.text(max_size=3))})
    if how == "missing required":
        field = draw(st.sampled_from(required))
        return Broken(how, field, {k: v for k, v in base.items() if k != field})
    if how == "wrong type":
        field = draw(st.sampled_from(sorted(typed)))
        wrong = wrong_type_values(typed[field])
        assert wrong is not None
        return Broken(how, field, {**base, field: draw(wrong)})
    if how == "hostile string":
        text = draw(hostile_strings())
        if leaves and (not string_fields or draw(st.booleans())):
            field, path = draw(st.sampled_from(leaves))
            return Broken(how, field, _replace(base, field, path, text))
        field = draw(st.sampled_from(string_fields))
        return Broken(how, field, {**base, field: text})
    field = draw(st.sampled_from(walkable))
    return Broken(how, field, {**base, field: draw(st.sampled_from(PATH_WALKS))})


def _is_id_field(operation: Operation, field: str) -> bool:
    info = operation.params.model_fields[field]
    return any(getattr(m, "pattern", None) == NIMBLE_ID_PATTERN for m in info.metadata)


@pytest.mark.parametrize("target", ADAPTERS)
@pytest.mark.parametrize("name", NAMES)
def test_invalid_arguments_are_refused_before_sending(rig: Rig, name: str, target: str) -> None:
    operation = catalog()[name]

    @given(broken_arguments(target, name))
    def check(broken: Broken) -> None:
        outcome, sent = rig.call(target, name, broken.arguments)
        if broken.how == "path walk" and not _is_id_field(operation, broken.field) and (outcome.ok or sent):
            # A free name (a tag) may hold "/" or "?": it is percent-encoded into one segment, never walked.
            for request in sent:
                assert not request_problems(request, operation), f"{name}: {broken.arguments[broken.field]!r}"
            return
        assert not sent, f"{name} via {target} ({broken.how}): sent {[(s.method, s.raw_path) for s in sent]}"
        assert not outcome.ok, f"{name} via {target} ({broken.how}): accepted {broken.arguments!r:.300}"
        text = outcome.text
        assert name in text, f"the error names the tool: {text}"
        assert broken.field.strip() in text, f"the error names the field {broken.field!r}: {text}"
        assert NOTHING_SENT in text, f"the error says nothing was sent: {text}"

    check()


# -- arguments that are not even an object --------------------------------------------------------------


@pytest.mark.parametrize("arguments", ["[1, 2]", '"text"', "{not json", "42", json.dumps(["\ud800"])])
def test_openai_arguments_that_are_not_a_json_object(rig: Rig, arguments: str) -> None:
    outcome, sent = rig.call("openai", "get_single_nimble_contact_by_id", arguments)
    assert not outcome.ok and not sent
    assert "get_single_nimble_contact_by_id" in outcome.text and "arguments" in outcome.text
