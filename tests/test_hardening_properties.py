"""Property tests: every operation, with arguments hypothesis makes up from the schemas the tools advertise.

Every adapter hands a model's call to one path, ``ToolView.run`` (limits, confirm token, the
adapter's decoding, the operation's model, policies, the request), and only renders what comes
back. So the spec properties run once per operation on that path, and per target only what
differs: the decoding of the argument form that target advertises.

* Valid arguments, drawn from the operation's own schema and accepted by its model, sent through
  the shared path to the sandbox, give requests the official spec accepts: the operation's own
  route, declared query arguments of the right type, the required ones present, a body valid
  against the request-body schema; and the model reads an answer. The plain function of an
  operation without portable forms takes the same arguments to the same request.
* Invalid arguments (a required field left out, an unknown field, a value of the wrong type, a
  string with a control character, an unpaired surrogate or over a million characters, an id that
  tries to walk the path) come back as an error naming the tool and the field and saying nothing
  was sent (the text every adapter shows the model); and nothing is sent.
* Arguments drawn from the OpenAI strict schema (every key present, optional ones null, maps as
  ``{key, value}`` lists, free-form values as JSON text), dispatched as a model's tool call, decode
  to requests the spec accepts; the callables' portable forms (the same maps and JSON text) decode
  to exactly the operation's own arguments. These requests are caught as they would leave the
  client: nothing is sent.
* Arguments broken where only the OpenAI text form can break them (a control character or a lone
  surrogate written as a JSON escape, a JSON-text value that is not JSON or hides a hostile string,
  a map entry of the wrong shape, arguments that are not an object) are refused before sending,
  naming the tool and the field.

``make test`` runs a fixed sample per operation; ``make test-full`` explores ten times more
(NIMBLE_PROPERTY_EXAMPLES sets the number).
"""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import httpx
import pytest
from hardening_support import Sent, Wire, request_problems, sent_of, wired_toolkit
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from nimble_tools_openai import OpenAIToolset, strictify
from nimble_tools_openai._strict import JSON_STRING, MAP, OPTIONAL
from pydantic import ConfigDict, create_model
from pydantic.json_schema import GenerateJsonSchema
from schema_strategies import (
    PATH_WALKS,
    accepted_types,
    hostile_strings,
    valid_values,
    wrong_type_values,
)

from nimble_tools import CallContext, NimbleToolkit, NimbleToolsError, Operation, hookimpl
from nimble_tools._paths import NIMBLE_ID_PATTERN, path_fields
from nimble_tools.adapter_support import content_of, hidden_by, select_tools
from nimble_tools.sandbox import SANDBOX_BASE_URL
from nimble_tools.toolsets import ToolView

NOTHING_SENT = "nothing was sent to Nimble"

Form = Literal["own", "openai", "callables"]
"""An argument form: the operation's own schema, the OpenAI strict rewrite, the callables' signatures."""


@cache
def catalog() -> dict[str, Operation]:
    return dict(NimbleToolkit.sandbox(seed=False).operations)


NAMES = list(catalog())


def offered(toolkit: NimbleToolkit) -> list[str]:
    """Every registered operation, the tool-search pair included (a default emit leaves it out)."""
    return [name for name, operation in toolkit.operations.items() if not hidden_by(toolkit, operation)]


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


# -- what each target advertises ------------------------------------------------------------------------


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


def signature_model(function: Callable[..., Any]) -> Any:
    """The arguments model a host builds from a plain function's signature (as the Agents SDK does)."""
    parameters = inspect.signature(function).parameters.values()
    fields: dict[str, Any] = {p.name: (p.annotation, ... if p.default is p.empty else p.default) for p in parameters}
    return create_model(f"{function.__name__}_signature", __config__=ConfigDict(extra="forbid"), **fields)


@cache
def advertised(form: Form, name: str) -> dict[str, Any]:
    """The arguments schema ``form`` shows a model for ``name``, with the unpublished id patterns.

    For openai: the strict rewrite, with its private markers kept for decoding.
    """
    model = signature_model(plain_functions()[name]) if form == "callables" else catalog()[name].params
    schema = _restore_patterns(model.model_json_schema(schema_generator=_WithPatterns))
    return strictify(schema).schema if form == "openai" else schema


@cache
def _markers(name: str) -> set[str]:
    """The strict rewrite's markers in its schema for ``name``: nullable optional keys, JSON text, maps as entries."""
    text = json.dumps(advertised("openai", name))
    return {marker for marker in (OPTIONAL, JSON_STRING, MAP) if f'"{marker}"' in text}


@cache
def plain_functions() -> dict[str, Callable[..., Any]]:
    """The callables of a toolkit whose requests are caught before they leave (see :class:`Caught`)."""
    toolkit = catching_toolkit()
    emitted = toolkit.emit("callables", tools=offered(toolkit), confirm_destructive=False)
    return {function.__name__: function for function in emitted}


@cache
def openai_toolset() -> OpenAIToolset:
    toolkit = catching_toolkit()
    return toolkit.emit("openai", tools=offered(toolkit), confirm_destructive=False)


@cache
def drawn_arguments(form: Form, name: str) -> st.SearchStrategy[dict[str, Any]]:
    """Arguments a model following ``form``'s schema may send (made once: strategies are reusable)."""
    schema = advertised(form, name)
    # A cursor is the toolkit's own opaque string, passed back unchanged, never one a model makes up.
    strategy = valid_values(schema).map(lambda arguments: _without_cursor(arguments, form))
    hint = HINTS.get(name)
    if hint is None:
        return strategy
    if form == "openai":  # strict mode sends every key; a hint's missing keys stay as drawn
        return st.tuples(strategy, hint).map(lambda pair: {**pair[0], **_strict_hint(pair[1], schema)})
    return st.tuples(strategy, hint).map(lambda pair: _drop_nulls({**pair[0], **pair[1]}))


def _without_cursor(arguments: dict[str, Any], form: Form) -> dict[str, Any]:
    if "next_cursor" not in arguments:
        return arguments
    if form == "openai":  # strict mode sends every key: null means "first page"
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


def accepted_by_the_operation(operation: Operation, arguments: dict[str, Any]) -> bool:
    """Whether the operation's own model takes these arguments (in its own form)."""
    try:
        operation.validate_arguments(arguments)
    except NimbleToolsError:
        return False
    return True


# -- the shared path, to the sandbox --------------------------------------------------------------------


@dataclass
class Outcome:
    """What a call gave the model: success or not, and the text every adapter renders it from."""

    ok: bool
    text: str


@dataclass
class Rig:
    toolkit: NimbleToolkit
    wire: Wire
    view: ToolView

    def run(self, name: str, arguments: Any) -> tuple[Outcome, list[Sent]]:
        """A model's call through ``ToolView.run``, as every adapter makes it; what went out."""
        self.wire.clear()
        try:
            outcome = Outcome(True, content_of(self.view.run(name, arguments)))
        except NimbleToolsError as error:
            outcome = Outcome(False, error.for_model())  # what each adapter shows the model
        return outcome, list(self.wire.sent)


@pytest.fixture(scope="module")
def rig() -> Rig:
    # Confirmation off: these properties are about what reaches the wire (the safety suites test
    # that destructive calls wait for confirmation by default).
    toolkit, wire = wired_toolkit()
    return Rig(toolkit, wire, select_tools(toolkit, offered(toolkit), confirm_destructive=False))


@pytest.mark.parametrize("name", NAMES)
def test_valid_arguments_send_requests_the_spec_accepts(rig: Rig, name: str) -> None:
    operation = catalog()[name]
    same_form = not has_a_form_of_its_own("callables", name) and not operation.is_composite

    @given(drawn_arguments("own", name))
    def check(arguments: dict[str, Any]) -> None:
        if not accepted_by_the_operation(operation, arguments):
            reject()  # the model's own rules (a person needs a name, ...) refuse it: not a valid call
        outcome, sent = rig.run(name, arguments)
        if not operation.is_composite:  # a composite may answer from what it knows (tool search does)
            assert sent, f"{name}: a valid call sent nothing; the model read: {outcome.text}"
            assert len(sent) == 1, f"{name}: one call, {len(sent)} requests"
        for request in sent:
            problems = request_problems(request, None if operation.is_composite else operation)
            assert not problems, f"{name}: {request.method} {request.raw_path}: {problems}"
        assert all(status < 500 for status in rig.wire.answered), f"the sandbox failed: {rig.wire.answered}"
        assert outcome.text, "the model reads something"
        if same_form:  # the plain function takes these arguments as they are, to the same request
            caught = attempt("callables", name, arguments).sent
            assert caught is not None, f"{name}: the callable refused what the operation accepts"
            assert (caught.method, caught.raw_path, caught.query) == (sent[0].method, sent[0].raw_path, sent[0].query)
            assert not request_problems(caught, operation)  # a body may hold ids made for it (a new choice)

    check()


# -- each target's own argument form, decoded ---------------------------------------------------------


class Caught(Exception):
    """Raised in place of sending: carries the request as it would have left the client."""

    def __init__(self, sent: Sent) -> None:
        super().__init__(f"{sent.method} {sent.raw_path}")
        self.sent = sent


class _Catch(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise Caught(sent_of(request, request.read()))


class _Accepted:
    """Keeps the calls the view handed on to the toolkit: the arguments were decoded and accepted."""

    def __init__(self) -> None:
        self.calls: list[CallContext] = []

    @hookimpl
    def before_call(self, context: CallContext) -> None:
        if context.parent is None:
            self.calls.append(context)


@cache
def catching_toolkit() -> NimbleToolkit:
    """A toolkit whose every request is caught as it would leave the client: nothing is sent."""
    return NimbleToolkit("caught", base_url=SANDBOX_BASE_URL, transport=_Catch(), plugins=[ACCEPTED])


ACCEPTED = _Accepted()


@dataclass
class Attempt:
    """A call through one adapter's entry point: accepted or not, the request it would send, the text."""

    accepted: bool
    sent: Sent | None
    text: str


def attempt(target: Form, name: str, arguments: Any) -> Attempt:
    """Call ``name`` through ``target``'s real entry point, the way its framework does."""
    ACCEPTED.calls.clear()
    try:
        if target == "openai":
            text = arguments if isinstance(arguments, str) else json.dumps(arguments)
            call = {"id": "call-1", "type": "function", "function": {"name": name, "arguments": text}}
            [result] = openai_toolset().dispatch({"role": "assistant", "content": None, "tool_calls": [call]})
            content: str = result["content"]
        else:
            try:
                content = str(plain_functions()[name](**arguments))
            except NimbleToolsError as error:
                content = error.for_model()
        return Attempt(bool(ACCEPTED.calls), None, content)
    except Caught as caught:
        return Attempt(bool(ACCEPTED.calls), caught.sent, "")


@cache
def has_a_form_of_its_own(target: Form, name: str) -> bool:
    """True when ``target`` advertises some argument of ``name`` in another form than the operation's own.

    For OpenAI strict mode, every schema with an optional key (sent as null) or a re-shaped value;
    for the callables, a map (given as ``{key, value}`` entries) or a free-form value (given as JSON
    text): the portable forms.
    """
    if target == "openai":
        return bool(_markers(name))
    return bool(_portable_fields(name))


@cache
def _portable_fields(name: str) -> dict[str, str]:
    """The callables' fields of ``name`` in a portable form: field -> the JSON type the portable form takes."""
    own, portable = advertised("own", name), advertised("callables", name)
    fields: dict[str, str] = {}
    for field, sub in portable.get("properties", {}).items():
        added = accepted_types(sub, portable) - accepted_types(own["properties"][field], own)
        if added:
            [fields[field]] = added - {"null"}
    return fields


def _portable(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Own-form arguments written in the callables' portable forms (what a strict host sends them as)."""
    out = dict(arguments)
    for field, kind in _portable_fields(name).items():
        if out.get(field) is None:
            continue
        if kind == "string":  # a free-form value as JSON text
            out[field] = json.dumps(out[field])
        else:  # a map as {key, value} entries
            assert kind == "array", kind
            out[field] = [{"key": key, "value": value} for key, value in out[field].items()]
    return out


@pytest.mark.parametrize("name", [name for name in NAMES if has_a_form_of_its_own("openai", name)])
def test_strict_openai_arguments_decode_to_requests_the_spec_accepts(name: str) -> None:
    operation = catalog()[name]

    @given(drawn_arguments("openai", name))
    def check(arguments: dict[str, Any]) -> None:
        tried = attempt("openai", name, arguments)
        if not tried.accepted:
            reject()  # decoded, the operation's own rules refuse it: not a valid call
        if not operation.is_composite:  # a composite may answer from what it knows (tool search does)
            assert tried.sent is not None, f"{name}: a valid call would send nothing: {tried.text}"
        if tried.sent is not None:
            problems = request_problems(tried.sent, None if operation.is_composite else operation)
            assert not problems, f"{name}: {tried.sent.method} {tried.sent.raw_path}: {problems}"

    check()


@pytest.mark.parametrize("name", [name for name in NAMES if has_a_form_of_its_own("callables", name)])
def test_the_callables_portable_forms_decode_to_the_operations_own_arguments(name: str) -> None:
    operation = catalog()[name]

    @given(drawn_arguments("own", name))
    def check(arguments: dict[str, Any]) -> None:
        if not accepted_by_the_operation(operation, arguments):
            reject()  # the model's own rules refuse it: not a valid call
        tried = attempt("callables", name, _portable(name, arguments))
        assert tried.accepted, f"{name}: the portable form was refused: {tried.text}"
        decoded = ACCEPTED.calls[0].params
        assert decoded == operation.validate_arguments(arguments), f"{name}: decoded to {decoded!r}"

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


@dataclass(frozen=True)
class _Plan:
    """What can be broken in an operation's arguments, worked out once per operation."""

    base: st.SearchStrategy[dict[str, Any]]
    required: list[str]
    typed: dict[str, set[str]]
    string_fields: list[str]
    walkable: list[str]


@cache
def _plan(name: str) -> _Plan:
    operation = catalog()[name]
    schema = advertised("own", name)
    properties: dict[str, Any] = schema.get("properties", {})
    typed = {f: kinds for f, sub in properties.items() if "any" not in (kinds := accepted_types(sub, schema))}
    return _Plan(
        base=drawn_arguments("own", name).filter(lambda args: accepted_by_the_operation(operation, args)),
        required=[f for f, info in operation.params.model_fields.items() if info.is_required()],
        typed=typed,
        string_fields=[f for f, kinds in typed.items() if "string" in kinds],
        walkable=[f for f in path_fields(operation.path) if f in properties],
    )


_HOSTILE = hostile_strings()
_UNKNOWN_FIELDS = st.sampled_from(["bogus", "contact_name", "Id", "api_key", "id "])


@cache
def _wrong_values(kinds: frozenset[str]) -> st.SearchStrategy[Any] | None:
    return wrong_type_values(set(kinds))


@st.composite
def broken_arguments(draw: st.DrawFn, name: str) -> Broken:
    plan = _plan(name)
    base = draw(plan.base)
    ways = ["unknown field"]
    if plan.required:
        ways.append("missing required")
    if plan.typed:
        ways.append("wrong type")
    leaves = [(field, path) for top in base for field, path in _string_leaves(base[top], top)]
    if leaves or plan.string_fields:
        ways.append("hostile string")
    if plan.walkable:
        ways.append("path walk")
    how = draw(st.sampled_from(ways))
    if how == "unknown field":
        field = draw(_UNKNOWN_FIELDS.filter(lambda f: f not in base))
        return Broken(how, field, {**base, field: draw(st.integers(0, 9) | st.text(max_size=3))})
    if how == "missing required":
        field = draw(st.sampled_from(plan.required))
        return Broken(how, field, {k: v for k, v in base.items() if k != field})
    if how == "wrong type":
        field = draw(st.sampled_from(sorted(plan.typed)))
        wrong = _wrong_values(frozenset(plan.typed[field]))
        assert wrong is not None
        return Broken(how, field, {**base, field: draw(wrong)})
    if how == "hostile string":
        text = draw(_HOSTILE)
        if leaves and (not plan.string_fields or draw(st.booleans())):
            field, path = draw(st.sampled_from(leaves))
            return Broken(how, field, _replace(base, field, path, text))
        field = draw(st.sampled_from(plan.string_fields))
        return Broken(how, field, {**base, field: text})
    field = draw(st.sampled_from(plan.walkable))
    return Broken(how, field, {**base, field: draw(st.sampled_from(PATH_WALKS))})


def _is_id_field(operation: Operation, field: str) -> bool:
    info = operation.params.model_fields[field]
    return any(getattr(m, "pattern", None) == NIMBLE_ID_PATTERN for m in info.metadata)


def assert_refused(name: str, broken: Broken, ok: bool, text: str, sent: object) -> None:
    """The call was refused before sending, with an error naming the tool and the field."""
    assert not sent, f"{name} ({broken.how}): sent {sent}"
    assert not ok, f"{name} ({broken.how}): accepted {broken.arguments!r:.300}"
    assert name in text, f"the error names the tool: {text}"
    assert broken.field.strip() in text, f"the error names the field {broken.field!r}: {text}"
    assert NOTHING_SENT in text, f"the error says nothing was sent: {text}"


@pytest.mark.parametrize("name", NAMES)
def test_invalid_arguments_are_refused_before_sending(rig: Rig, name: str) -> None:
    operation = catalog()[name]

    @given(broken_arguments(name))
    def check(broken: Broken) -> None:
        outcome, sent = rig.run(name, broken.arguments)
        if broken.how == "path walk" and not _is_id_field(operation, broken.field) and (outcome.ok or sent):
            # A free name (a tag) may hold "/" or "?": it is percent-encoded into one segment, never walked.
            for request in sent:
                assert not request_problems(request, operation), f"{name}: {broken.arguments[broken.field]!r}"
            return
        assert_refused(name, broken, outcome.ok, outcome.text, [(s.method, s.raw_path) for s in sent])

    check()


# -- invalid arguments in the OpenAI text form ------------------------------------------------------------


def _marked(schema: Mapping[str, Any], value: Any, defs: Mapping[str, Any], path: list[Any]) -> Iterator[Any]:
    """(path, marker) of every value the strict rewrite re-shaped: JSON text ("json"), a map as entries ("map")."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        schema = defs[ref.rsplit("/", 1)[-1]]
    if schema.get(JSON_STRING) and isinstance(value, str):
        yield path, JSON_STRING
        return
    if schema.get(MAP) and isinstance(value, list):
        yield path, MAP
    for branch in schema.get("anyOf", []):
        yield from _marked(branch, value, defs, path)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                yield from _marked(properties[key], item, defs, [*path, key])
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            yield from _marked(schema["items"], item, defs, [*path, index])


@cache
def _accepted_strict(name: str) -> st.SearchStrategy[dict[str, Any]]:
    return drawn_arguments("openai", name).filter(lambda args: attempt("openai", name, args).accepted)


def _with_string_leaves(name: str) -> bool:
    return any("string" in accepted_types(sub, advertised("openai", name)) for sub in _properties(name).values())


def _properties(name: str) -> dict[str, Any]:
    properties: dict[str, Any] = advertised("openai", name).get("properties", {})
    return properties


@st.composite
def escaped_hostile_strings(draw: st.DrawFn) -> tuple[str, Broken]:
    """Strict arguments of some operation with one string hostile, as the JSON text a model sends.

    ``json.dumps`` writes a control character or a lone surrogate as a ``\\u`` escape.
    """
    name = draw(st.sampled_from([name for name in NAMES if _with_string_leaves(name)]))
    base = draw(_accepted_strict(name))
    leaves = [(field, path) for top in base for field, path in _string_leaves(base[top], top)]
    if not leaves:
        reject()  # every string field was left null
    field, path = draw(st.sampled_from(leaves))
    return name, Broken("escaped hostile string", field, json.dumps(_replace(base, field, path, draw(_HOSTILE))))


@settings(max_examples=settings.default.max_examples * 10)  # one test for the whole catalog
@given(escaped_hostile_strings())
def test_hostile_strings_written_as_json_escapes_are_refused_before_sending(case: tuple[str, Broken]) -> None:
    name, broken = case
    tried = attempt("openai", name, broken.arguments)
    assert_refused(name, broken, tried.accepted, tried.text, tried.sent)


@st.composite
def broken_reshaped_values(draw: st.DrawFn, name: str) -> Broken:
    """Strict arguments whose JSON-text value is not JSON or hides a hostile string, or whose map entry is malformed."""
    schema = advertised("openai", name)
    base = draw(_accepted_strict(name))
    marked = sorted(
        {(path[0], tuple(path[1:]), marker) for path, marker in _marked(schema, base, schema.get("$defs", {}), [])}
    )
    if not marked:
        reject()  # the re-shaped values were left null
    field, path, marker = draw(st.sampled_from(marked))
    if marker == JSON_STRING:
        text = draw(st.sampled_from(['{"unclosed": ', "not json", "[1, 2"]) | _HOSTILE.map(json.dumps))
        return Broken("bad JSON text", field, json.dumps(_replace(base, field, list(path), text)))
    entry = draw(st.sampled_from([{"value": 1}, "key=value", 7]))
    return Broken("bad map entry", field, json.dumps(_replace(base, field, list(path), [entry])))


@pytest.mark.parametrize("name", [name for name in NAMES if _markers(name) & {JSON_STRING, MAP}])
def test_reshaped_values_that_break_are_refused_before_sending(name: str) -> None:
    @given(broken_reshaped_values(name))
    def check(broken: Broken) -> None:
        tried = attempt("openai", name, broken.arguments)
        assert_refused(name, broken, tried.accepted, tried.text, tried.sent)

    check()


# -- arguments that are not even an object --------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    ["[1, 2]", '"text"', "{not json", "42", json.dumps(["\ud800"])],
    ids=["a list", "a string", "not JSON", "a number", "a lone surrogate"],
)
def test_openai_arguments_that_are_not_a_json_object(arguments: str) -> None:
    tried = attempt("openai", "get_single_nimble_contact_by_id", arguments)
    assert not tried.accepted and tried.sent is None
    assert "get_single_nimble_contact_by_id" in tried.text and "arguments" in tried.text
