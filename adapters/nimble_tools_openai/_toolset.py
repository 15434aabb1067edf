"""``OpenAIToolset``: the tool list for Chat Completions or Responses, and its dispatcher.

The toolset is a plain ``list`` of tool dicts (pass it as ``tools=``) that also knows how to run the
tool calls of a response: every call goes through ``toolkit.call``/``toolkit.acall``, and every failure
(unknown tool, bad JSON, invalid arguments, a Nimble error) becomes a tool result the model can act
on, in the exact shape of the API, with the call's id. The OpenAI SDK is never imported: responses
are read through ``model_dump()`` or as the dicts they serialise to.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from nimble_tools import InvalidArgumentsError, NimbleToolsError, Operation, UnknownOperationError, UsageError
from nimble_tools.adapter_support import (
    COMMON_OPTIONS,
    check_options,
    close_names,
    content_of,
    json_copy,
    lean_schema,
    published_schema,
    select_tools,
)
from nimble_tools.approval import Approval, check_approval
from nimble_tools.toolsets import ToolsetLike, ToolView, resolve

from ._strict import DecodeError, FreeForm, decode, public_schema, strictify
from ._validate import AZURE_LIMITS, OPENAI_LIMITS, StrictLimits, check_strict_schema

if TYPE_CHECKING:
    from nimble_tools import NimbleToolkit

__all__ = ["Api", "OpenAIToolset", "openai_tools"]

logger = logging.getLogger("nimble_tools.openai")

Api = Literal["chat", "responses"]
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
MAX_DESCRIPTION = 1024
MAX_TOOLS = 128
PROFILES: dict[str, StrictLimits] = {"openai": OPENAI_LIMITS, "azure": AZURE_LIMITS}
OPTIONS = (*COMMON_OPTIONS, "api", "strict", "free_form", "profile")


@dataclass(frozen=True, slots=True)
class _ToolSpec:
    operation: Operation
    strict: bool
    schema: dict[str, Any]
    """The parameters schema sent to the model (public, no markers)."""
    decoder: dict[str, Any]
    """The strictified schema with its private markers, for :func:`decode`."""


@dataclass(frozen=True, slots=True)
class _Call:
    call_id: str
    name: str
    arguments: Any


def openai_tools(
    toolkit: NimbleToolkit,
    *,
    api: Api = "chat",
    strict: bool = True,
    tools: ToolsetLike | ToolView = None,
    names: Iterable[str] | None = None,
    account: str | None = None,
    free_form: FreeForm = "json_string",
    profile: Literal["openai", "azure"] = "openai",
    approve: Approval = None,
    confirm_destructive: bool = True,
) -> OpenAIToolset:
    """Build the OpenAI tools of ``toolkit`` (what ``toolkit.emit("openai", ...)`` returns).

    Args:
        toolkit: the toolkit whose operations become tools.
        api: ``"chat"`` (Chat Completions) or ``"responses"`` (Responses API) tool shape.
        strict: emit strict-mode schemas; a tool whose schema cannot be made strict is emitted
            non-strict and listed in ``toolset.non_strict`` with the reason.
        tools: a toolset view or a list of names (default: every operation; at most 128);
            ``toolsets.tool_search()`` gives the two search-and-call meta-tools instead.
        names: emit only these operations (the older spelling of ``tools=[...]``).
        account: the connected account calls are made for, unless ``dispatch`` is given one.
        free_form: how values of any shape are offered in strict mode: ``"json_string"`` (a
            JSON-encoded string) or ``"non_strict"`` (that tool is emitted non-strict).
        profile: size limits to check strict schemas against: ``"openai"`` or the stricter ``"azure"``.
        approve: who confirms destructive calls by default (see :mod:`nimble_tools.approval`): None
            (the model, with a token, after showing the user the preview), a function
            ``(ApprovalRequest) -> bool`` (async for ``adispatch``), True or False. With an approver,
            destructive tools do not offer ``confirm_token``: the application asks the person.
        confirm_destructive: False runs destructive calls without confirmation.

    Raises:
        UsageError: for an unknown option value, unknown operation name, or more than 128 tools.
    """
    if api not in ("chat", "responses"):
        raise UsageError(f"emit('openai'): api must be 'chat' or 'responses', got {api!r}.")
    if free_form not in ("json_string", "non_strict"):
        raise UsageError(f"emit('openai'): free_form must be 'json_string' or 'non_strict', got {free_form!r}.")
    if profile not in PROFILES:
        raise UsageError(f"emit('openai'): profile must be one of {sorted(PROFILES)}, got {profile!r}.")
    view = select_tools(
        toolkit, tools, names, confirm_destructive=confirm_destructive, approve=approve, target="openai"
    )
    operations = list(view.values())
    if len(operations) > MAX_TOOLS:
        raise UsageError(
            f"emit('openai'): {len(operations)} tools exceed OpenAI's limit of {MAX_TOOLS} per request; "
            "pass tools=... (a toolset, a list of names, or toolsets.tool_search()) to choose fewer."
        )
    specs: dict[str, _ToolSpec] = {}
    tool_list: list[dict[str, Any]] = []
    non_strict: dict[str, str] = {}
    for operation in operations:
        params = view.model_params(operation.name)
        spec, reason = _spec_for(operation, params, strict, free_form, PROFILES[profile])
        if reason is not None:
            non_strict[operation.name] = reason
            logger.warning("OpenAI tool %s is emitted non-strict: %s", operation.name, reason)
        specs[operation.name] = spec
        tool_list.append(_tool_dict(spec, api))
    return OpenAIToolset(
        tool_list,
        toolkit=toolkit,
        specs=specs,
        api=api,
        account=account,
        non_strict=non_strict,
        view=view,
        approve=approve,
    )


def emit_openai(toolkit: NimbleToolkit, options: Mapping[str, Any]) -> OpenAIToolset:
    """``emit("openai", **options)``: check the option names, then build the toolset."""
    check_options("openai", options, OPTIONS)
    return openai_tools(toolkit, **options)


def _spec_for(
    operation: Operation, params: type[BaseModel], strict: bool, free_form: FreeForm, limits: StrictLimits
) -> tuple[_ToolSpec, str | None]:
    if not NAME_PATTERN.match(operation.name):
        raise UsageError(
            f"Operation {operation.name!r} cannot be an OpenAI tool: names must match {NAME_PATTERN.pattern}."
        )
    if not 1 <= len(operation.description) <= MAX_DESCRIPTION:
        raise UsageError(f"Operation {operation.name!r}: OpenAI tool descriptions must be 1 to 1024 characters.")
    is_strict, schema, decoder, reason = _schemas_for(params, strict, free_form, limits)
    # The tool list is the caller's to change: each toolset gets its own copy of the schema.
    return _ToolSpec(operation, is_strict, json_copy(schema), decoder), reason


@functools.cache
def _schemas_for(
    params: type[BaseModel], strict: bool, free_form: FreeForm, limits: StrictLimits
) -> tuple[bool, dict[str, Any], dict[str, Any], str | None]:
    """(strict, schema sent to the model, decoder schema, why not strict) for a parameters model.

    Made once per model and options: generating and rewriting JSON schemas is most of what an
    emit costs, and a model's schema never changes.
    """
    source = params.model_json_schema()
    # Arguments are always decoded with the strict rewrite: for a non-strict tool it only drops nulls
    # of optional fields and parses JSON strings where an object was expected, which is what models
    # that ignore the schema tend to send.
    decoder = strictify(source).schema
    if not strict:
        return False, loose_schema(source), decoder, None
    rewritten = strictify(source, free_form=free_form)
    public = lean_schema(public_schema(rewritten.schema))
    problems = rewritten.blockers or [str(v) for v in check_strict_schema(public, limits)]
    if problems:
        return False, loose_schema(source), decoder, "; ".join(problems)
    return True, public, rewritten.schema, None


def loose_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A non-strict parameters schema: pydantic's, without titles and the root description."""
    cleaned = published_schema(dict(schema))
    cleaned.setdefault("type", "object")
    cleaned.setdefault("properties", {})
    return cleaned


def _tool_dict(spec: _ToolSpec, api: Api) -> dict[str, Any]:
    operation = spec.operation
    function = {
        "name": operation.name,
        "description": operation.description,
        "parameters": spec.schema,
        "strict": spec.strict,
    }
    return {"type": "function", "function": function} if api == "chat" else {"type": "function", **function}


class OpenAIToolset(list[dict[str, Any]]):
    """The tools for one OpenAI API, as a list to pass as ``tools=``, with their dispatcher.

    Attributes:
        api: ``"chat"`` or ``"responses"``: the shape of the tools and of the results.
        account: the default connected account for calls (chosen by the application).
        non_strict: tool name to the reason it was emitted non-strict (empty when all are strict).
        approve: the default approver for held calls (see :func:`openai_tools`).
    """

    def __init__(
        self,
        tools: Iterable[dict[str, Any]],
        *,
        toolkit: NimbleToolkit,
        specs: Mapping[str, _ToolSpec],
        api: Api,
        account: str | None,
        non_strict: Mapping[str, str],
        view: ToolView | None = None,
        approve: Approval = None,
    ) -> None:
        super().__init__(tools)
        self.toolkit = toolkit
        # The view the tools came from: calls go through it to the registered operations.
        self.view = view if view is not None else resolve(toolkit, list(specs))
        self.api: Api = api
        self.account = account
        self.non_strict = dict(non_strict)
        self.approve: Approval = approve
        self._specs = dict(specs)

    def __repr__(self) -> str:
        strict = len(self) - len(self.non_strict)
        return f"<OpenAIToolset api={self.api!r}: {len(self)} tools, {strict} strict>"

    @property
    def names(self) -> list[str]:
        """The tool names, in order."""
        return list(self._specs)

    # -- dispatching -------------------------------------------------------------------------

    def dispatch(
        self, response: Any, *, account: str | None = None, include_calls: bool = False, approve: Approval = None
    ) -> list[dict[str, Any]]:
        """Run every tool call of ``response`` and return the results in the API's shape.

        Args:
            response: a ``ChatCompletion`` (or its assistant message) for ``api="chat"``; a ``Response``
                (or its ``output`` list) for ``api="responses"``; SDK objects or their dicts.
            account: the connected account to call for (default: the toolset's).
            include_calls: start the list with what to send back before the results (the assistant
                message for chat, the output items for responses), so that
                ``messages += toolset.dispatch(response, include_calls=True)`` continues the conversation.
            approve: who approves the calls a confirmation policy holds (default: the toolset's): a
                function ``(ApprovalRequest) -> bool`` asked once per held call, True to run them,
                False to decline them. A declined call's result tells the model not to retry.

        Returns:
            One ``{"role": "tool", ...}`` message (chat) or ``{"type": "function_call_output", ...}``
            item (responses) per tool call, in order, each with the call's id.

        Raises:
            UsageError: when ``response`` is not a response of this toolset's API.
        """
        approver = self._approver(approve)
        echo, calls = self._read(response, echo=include_calls)
        who = account if account is not None else self.account
        results = [self._result(call, self._run(call, who, approver)) for call in calls]
        return [*echo, *results] if include_calls else results

    async def adispatch(
        self,
        response: Any,
        *,
        account: str | None = None,
        include_calls: bool = False,
        max_concurrency: int | None = None,
        approve: Approval = None,
    ) -> list[dict[str, Any]]:
        """Async twin of :meth:`dispatch`: the calls of one response run concurrently.

        Args:
            response: as for :meth:`dispatch`.
            account: as for :meth:`dispatch`.
            include_calls: as for :meth:`dispatch`.
            max_concurrency: at most this many calls at a time (default: all at once).
            approve: as for :meth:`dispatch`; the function may be async.
        """
        approver = self._approver(approve)
        echo, calls = self._read(response, echo=include_calls)
        who = account if account is not None else self.account
        import asyncio  # imported on first use: it costs 30 ms at import time

        limit = asyncio.Semaphore(max_concurrency) if max_concurrency else None

        async def run(call: _Call) -> dict[str, Any]:
            if limit is None:
                return self._result(call, await self._arun(call, who, approver))
            async with limit:
                return self._result(call, await self._arun(call, who, approver))

        results = list(await asyncio.gather(*(run(call) for call in calls)))
        return [*echo, *results] if include_calls else results

    def _approver(self, approve: Approval) -> Approval:
        check_approval("openai", approve)
        return self.approve if approve is None else approve

    def _run(self, call: _Call, account: str | None, approver: Approval) -> str:
        try:
            return content_of(
                self.view.run(
                    call.name,
                    call.arguments,
                    account=account,
                    approve=approver,
                    decode=self._decoder(call),
                    call_id=call.call_id or None,
                )
            )
        except NimbleToolsError as error:
            return _error_text(error)

    async def _arun(self, call: _Call, account: str | None, approver: Approval) -> str:
        try:
            result = await self.view.arun(
                call.name,
                call.arguments,
                account=account,
                approve=approver,
                decode=self._decoder(call),
                call_id=call.call_id or None,
            )
        except NimbleToolsError as error:
            return _error_text(error)
        return content_of(result)

    def _decoder(self, call: _Call) -> Callable[[dict[str, Any]], dict[str, Any]]:
        return lambda arguments: self.decode_arguments(call.name, arguments)

    def decode_arguments(self, name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Arguments as the model sent them for tool ``name``, in the operation's own shape.

        Nulls of optional fields are dropped (so defaults apply), ``{key, value}`` lists become maps,
        and JSON-encoded strings are parsed.

        Raises:
            UnknownOperationError: when ``name`` is not one of this toolset's tools.
            InvalidArgumentsError: when a JSON-encoded string is not valid JSON.
        """
        spec = self._specs.get(name)
        if spec is None:
            raise UnknownOperationError(name, suggestions=close_names(name, self._specs))
        try:
            decoded: dict[str, Any] = decode(spec.decoder, dict(arguments), lenient=not spec.strict)
        except DecodeError as exc:
            raise InvalidArgumentsError(name, [(exc.path, exc.problem)]) from None
        return decoded

    def _result(self, call: _Call, text: str) -> dict[str, Any]:
        if self.api == "chat":
            return {"role": "tool", "tool_call_id": call.call_id, "content": text}
        return {"type": "function_call_output", "call_id": call.call_id, "output": text}

    # -- reading responses -------------------------------------------------------------------

    def _read(self, response: Any, *, echo: bool) -> tuple[list[dict[str, Any]], list[_Call]]:
        """The calls of ``response``, and (``echo``) what to send back before their results."""
        data = _plain(response)
        if self.api == "chat":
            return _read_chat(data, echo)
        return _read_responses(data, echo)


def _error_text(error: NimbleToolsError) -> str:
    # Tool results have no error flag in the OpenAI APIs: say it in words.
    return f"Error: {error.for_model()}"


def _plain(value: Any) -> Any:
    """SDK objects (pydantic models) as plain data; lists and dicts as they are."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _read_chat(data: Any, echo: bool) -> tuple[list[dict[str, Any]], list[_Call]]:
    if isinstance(data, Mapping) and isinstance(data.get("choices"), list):
        if not data["choices"]:
            return [], []
        first = data["choices"][0]
        data = (first.get("message") if isinstance(first, Mapping) else None) or {}
    if not isinstance(data, Mapping) or ("tool_calls" not in data and data.get("role") != "assistant"):
        raise UsageError(
            "dispatch() of a Chat Completions toolset takes a ChatCompletion or its assistant message; "
            "for a Responses API response emit the tools with api='responses'."
        )
    raw_calls = data.get("tool_calls") or []
    if not isinstance(raw_calls, list):
        raise UsageError(f"dispatch(): the message's tool_calls must be a list, got {type(raw_calls).__name__}.")
    calls: list[_Call] = []
    echoed: list[dict[str, Any]] = []
    for raw in raw_calls:
        if not isinstance(raw, Mapping):
            raise UsageError(f"dispatch(): each tool call must be an object, got {type(raw).__name__}.")
        function: Mapping[str, Any] = raw["function"] if isinstance(raw.get("function"), Mapping) else {}
        name = function.get("name")
        name = name if isinstance(name, str) else ""
        if raw.get("type", "function") != "function":  # custom tools are not ours: answer with an error
            name = f"<{raw.get('type')} tool call>"
        calls.append(_Call(str(raw.get("id", "")), name, function.get("arguments")))
        if echo:
            echoed.append(
                {
                    "id": raw.get("id"),
                    "type": "function",
                    "function": {"name": function.get("name"), "arguments": function.get("arguments") or "{}"},
                }
            )
    message = [{"role": "assistant", "content": data.get("content"), "tool_calls": echoed}] if echoed else []
    return message, calls


def _read_responses(data: Any, echo: bool) -> tuple[list[dict[str, Any]], list[_Call]]:
    if isinstance(data, Mapping) and "output" in data:
        data = data["output"]
    if not isinstance(data, list):
        raise UsageError(
            "dispatch() of a Responses toolset takes a Response or its output list; "
            "for a ChatCompletion emit the tools with api='chat'."
        )
    calls = [
        _Call(
            str(item.get("call_id") or item.get("id") or ""),
            item["name"] if isinstance(item.get("name"), str) else "",
            item.get("arguments"),
        )
        for item in data
        if isinstance(item, Mapping) and item.get("type") == "function_call"
    ]
    items = (
        [{k: v for k, v in item.items() if v is not None} for item in data if isinstance(item, Mapping)] if echo else []
    )
    return items, calls
