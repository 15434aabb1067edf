"""Support for the hardening tests: the wire recorder, the spec check of a request, the four adapters.

``Wire`` sits between the toolkit and the sandbox and keeps every request that leaves the client.
``request_problems`` says why one request is not one the official spec accepts (route, query,
body). ``Adapters`` calls an operation the way each target's framework does, and reports what the
model would read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import anyio.from_thread
import httpx
from deals_support import spec_path, validator
from mcp import Client
from spec_support import spec, template_for

from nimble_tools import NimbleToolkit, Operation
from nimble_tools.adapter_support import hidden_by
from nimble_tools.sandbox import SANDBOX_BASE_URL, Sandbox

ADAPTERS = ("langchain", "openai", "callables", "mcp")

# Documented exceptions to "every query argument is one the spec declares":
LEGACY_QUERY = {
    # The spec calls the update switch `type`; Nimble's older docs and every client call it `replace`.
    # Which one the server reads is unverified, so the catalog sends both (see test_conformance_contacts).
    ("PUT", "/api/v1/contact/{contact_id}"): {"replace"},
}
# The spec prints the deal-tag rename and delete routes as /api/2/...; the catalog calls /api/v2.
PATH_TYPOS = {"/api/v2/deals/tags/": "/api/2/deals/tags/"}
# Documented exceptions to "the body validates": (method, template, top-level key, accepted value, why).
BODY_ERRATA: list[tuple[str, str, str, Callable[[Any], bool], str]] = [
    (
        "POST",
        "/api/v1/contacts/fields",
        "presentation",
        lambda value: value == {},
        "required by the schema, whose prose says text, choice, boolean, address and user fields have no "
        "presentation: they send an empty one",
    ),
    (
        "PUT",
        "/api/v1/contacts/fields/tabs/{tab_id}",
        "contact_types",
        lambda value: isinstance(value, list) and set(value) <= {"person", "company"},
        "one enum string in the update schema, but a tab serves person and/or company and create takes a "
        "list (see spec_support.ERRATA for the tab itself)",
    ),
]


@dataclass
class Sent:
    """One request as it left the client."""

    method: str
    raw_path: str
    query: list[tuple[str, str]]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def sent_of(request: httpx.Request, body: bytes) -> Sent:
    """The request as the spec check reads it: method, raw path, query arguments, body."""
    raw = request.url.raw_path.decode("ascii")
    return Sent(request.method, raw.split("?", 1)[0], list(request.url.params.multi_items()), body)


@dataclass
class Wire(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Forwards to the sandbox, keeping every request; ``answered`` keeps the sandbox's statuses."""

    sandbox: Sandbox
    sent: list[Sent] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.inner = self.sandbox.transport()

    def _keep(self, request: httpx.Request, body: bytes) -> None:
        self.sent.append(sent_of(request, body))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._keep(request, request.read())
        response = self.inner.handle_request(request)
        self.answered.append(response.status_code)
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._keep(request, await request.aread())
        response = await self.inner.handle_async_request(request)
        self.answered.append(response.status_code)
        return response

    def clear(self) -> None:
        self.sent.clear()
        self.answered.clear()


def wired_toolkit(**kwargs: Any) -> tuple[NimbleToolkit, Wire]:
    """A toolkit on a fresh seeded sandbox, every request recorded."""
    box = Sandbox()
    wire = Wire(box)
    toolkit = NimbleToolkit(box.api_key, base_url=SANDBOX_BASE_URL, transport=wire, async_transport=wire, **kwargs)
    toolkit.emulator = box
    return toolkit, wire


# -- is a request one the spec accepts? ------------------------------------------------------------


def _route(template: str) -> re.Pattern[str]:
    # a placeholder is one whole segment: an encoded value can never add one
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def spec_template(sent: Sent, operation: Operation | None) -> str | None:
    """The spec's template for the request: the operation's own route when known, else any route."""
    if operation is not None and operation.path:
        template = spec_path(operation.path)
        candidate = sent.raw_path
        for ours, theirs in PATH_TYPOS.items():
            if template.startswith(theirs) and candidate.startswith(ours):
                candidate = theirs + candidate[len(ours) :]
        if _route(template).match(candidate) and sent.method.lower() in spec()["paths"][template]:
            return template
        return None
    for ours, theirs in PATH_TYPOS.items():
        if sent.raw_path.startswith(ours):
            return template_for(sent.method, theirs + sent.raw_path[len(ours) :])
    return template_for(sent.method, sent.raw_path)


def request_problems(sent: Sent, operation: Operation | None = None) -> list[str]:
    """Why the spec would not accept ``sent`` (empty when it does).

    Checked: the method and path template (the operation's own when given), the path values
    against their parameter schemas, every query argument declared with a value of its type, the
    required ones present, and the JSON body valid against the request-body schema (no body when the
    spec documents none).
    """
    template = spec_template(sent, operation)
    if template is None:
        expected = f" (expected {operation.method} {operation.path})" if operation else ""
        return [f"{sent.method} {sent.raw_path} matches no route of the spec{expected}"]
    item = spec()["paths"][template]
    documented = item[sent.method.lower()]
    parameters = {(p["name"], p["in"]): p for p in [*item.get("parameters", []), *documented.get("parameters", [])]}
    problems: list[str] = []

    # path values
    names = re.findall(r"\{([^}]+)\}", template)
    values = [unquote(v) for v in _segments(template, sent.raw_path)]
    for name, value in zip(names, values, strict=True):
        schema = parameters.get((name, "path"), {}).get("schema", {})
        problems += [f"path {name}: {p}" for p in _scalar_problems(value, schema)]

    # query arguments
    declared = {name.split(" ")[0]: p for (name, where), p in parameters.items() if where == "query"}
    allowed = set(declared) | LEGACY_QUERY.get((sent.method, template), set())
    given = [name for name, _ in sent.query]
    problems += [f"query {name!r} is not declared by the spec" for name in given if name not in allowed]
    problems += [f"query {name!r} appears more than once" for name in set(given) if given.count(name) > 1]
    for name, parameter in declared.items():
        if parameter.get("required") and name not in given:
            problems.append(f"required query {name!r} is missing")
    for name, value in sent.query:
        if name in declared:
            parameter = declared[name]
            # "comma-separated ..." in a parameter's description: a list of values of its schema
            items = value.split(",") if "comma-separated" in parameter.get("description", "") else [value]
            problems += [
                f"query {name}: {p}" for item in items for p in _scalar_problems(item, parameter.get("schema", {}))
            ]

    # body
    body = documented.get("requestBody")
    if body is None:
        if sent.body:
            problems.append(f"the spec documents no body, the request sends {sent.body[:80]!r}")
        return problems
    if not sent.body:
        if body.get("required"):
            problems.append("the spec requires a body, the request sends none")
        return problems
    try:
        payload = sent.json
    except ValueError:
        return [*problems, "the body is not JSON"]
    check = validator(body["content"]["application/json"]["schema"])
    for error in sorted(check.iter_errors(payload), key=lambda e: list(e.absolute_path))[:5]:
        if _tolerated(sent.method, template, payload, list(error.absolute_path)):
            continue
        where = "/".join(map(str, error.absolute_path)) or "(root)"
        problems.append(f"body at {where}: {error.message[:200]}")
    return problems


def _tolerated(method: str, template: str, payload: Any, where: list[Any]) -> bool:
    if not where or not isinstance(payload, dict):
        return False
    return any(
        (method, template, where[0]) == (m, t, key) and accepts(payload.get(key))
        for m, t, key, accepts, _why in BODY_ERRATA
    )


def _segments(template: str, path: str) -> list[str]:
    pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template)) + "$"
    for ours, theirs in PATH_TYPOS.items():
        if template.startswith(theirs) and path.startswith(ours):
            path = theirs + path[len(ours) :]
    match = re.match(pattern, path)
    assert match is not None
    return list(match.groups())


def _scalar_problems(value: str, schema: dict[str, Any]) -> list[str]:
    """A query or path value (text) against its parameter schema."""
    if "$ref" in schema:
        schema = spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    kind = schema.get("type")
    if kind == "array":
        return [p for item in value.split(",") for p in _scalar_problems(item, schema.get("items", {}))]
    if "enum" in schema and value not in [str(v) for v in schema["enum"]]:
        return [f"{value!r} is not one of {schema['enum']}"]
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            return [f"{value!r} is not an integer"]
        number = int(value)
        if ("minimum" in schema and number < schema["minimum"]) or ("maximum" in schema and number > schema["maximum"]):
            return [f"{value} is out of range"]
    if kind == "number":
        try:
            float(value)
        except ValueError:
            return [f"{value!r} is not a number"]
    if kind == "boolean" and value not in ("true", "false"):
        return [f"{value!r} is not true or false"]
    if schema.get("format") == "ObjectId" and not re.fullmatch(r"[0-9a-fA-F]{24}", value):
        return [f"{value!r} is not an ObjectId"]
    return []


# -- the four adapters, driven the way their frameworks drive them ---------------------------------------


@dataclass
class Outcome:
    """What a call through an adapter gave the model: success or not, and the text it reads."""

    ok: bool
    text: str


class Adapters:
    """One toolkit's tools for the targets asked for, each callable as ``call(target, name, arguments)``.

    Every target is emitted at once (a test may change the toolkit afterwards, as a read-only
    policy registered after emission); a test that drives one target emits only that one.
    """

    def __init__(
        self, toolkit: NimbleToolkit, stack: ExitStack, targets: Iterable[str] = ADAPTERS, **options: Any
    ) -> None:
        self.toolkit = toolkit
        self.targets = tuple(targets)
        # every registered operation, the tool-search pair included (a default emit leaves it out)
        tools = [name for name, operation in toolkit.operations.items() if not hidden_by(toolkit, operation)]
        if "langchain" in self.targets:
            self.langchain = {tool.name: tool for tool in toolkit.emit("langchain", tools=tools, **options)}
        if "openai" in self.targets:
            self.openai = toolkit.emit("openai", tools=tools, **options)
        if "callables" in self.targets:
            self.callables = {
                f.__name__: f for f in toolkit.emit("callables", tools=tools, on_error="return", **options)
            }
        if "mcp" in self.targets:
            portal = stack.enter_context(anyio.from_thread.start_blocking_portal())
            self._portal = portal
            server = toolkit.emit("mcp", tools=tools, **options)
            self._mcp = stack.enter_context(portal.wrap_async_context_manager(Client(server)))

    def call(self, target: str, name: str, arguments: Any) -> Outcome:
        assert target in self.targets, f"{target} was not emitted (targets={self.targets})"
        runner: Callable[[str, Any], Outcome] = getattr(self, f"_via_{target}")
        return runner(name, arguments)

    def _via_langchain(self, name: str, arguments: Any) -> Outcome:
        message = self.langchain[name].invoke({"type": "tool_call", "name": name, "args": arguments, "id": "call-1"})
        return Outcome(message.status == "success", str(message.content))

    def _via_openai(self, name: str, arguments: Any) -> Outcome:
        text = arguments if isinstance(arguments, str) else json.dumps(arguments)
        call = {"id": "call-1", "type": "function", "function": {"name": name, "arguments": text}}
        [result] = self.openai.dispatch({"role": "assistant", "content": None, "tool_calls": [call]})
        content = result["content"]
        return Outcome(not content.startswith("Error:"), content)

    def _via_callables(self, name: str, arguments: Any) -> Outcome:
        out = self.callables[name](**arguments)
        return Outcome("error" not in out, out.get("error") or json.dumps(out, ensure_ascii=False))

    def _via_mcp(self, name: str, arguments: Any) -> Outcome:
        result = self._portal.call(self._mcp.call_tool, name, arguments)
        text = "".join(getattr(block, "text", "") for block in result.content)
        return Outcome(not result.is_error, text)


@contextmanager
def adapters_for(toolkit: NimbleToolkit, targets: Iterable[str] = ADAPTERS, **options: Any) -> Iterator[Adapters]:
    """The tools of ``toolkit`` for ``targets`` (emitted with ``options``), an MCP client session kept open meanwhile."""
    with ExitStack() as stack:
        yield Adapters(toolkit, stack, targets, **options)
