"""Plain Python functions, one per operation, that agent frameworks can take as they are.

Each function has a real ``inspect.Signature`` (keyword-only parameters, defaults for optional
fields), real type objects in ``__annotations__`` (constraints kept as ``Annotated`` metadata), and a
Google-style docstring whose ``Args:`` section describes every parameter. That is what the OpenAI
Agents SDK ``function_tool``, pydantic-ai ``Tool`` and similar wrappers read.

Two parameter shapes would break strict schema generators (the Agents SDK refuses any object with
free-form keys), so their *JSON schema* is changed while their Python type stays the same:

* ``dict[str, X]`` also accepts a list of ``{"key": ..., "value": ...}`` entries, and advertises that;
* a value of any shape (``Any``, ``dict[str, Any]``) also accepts a JSON-encoded string, and
  advertises that.

Python callers pass dicts as usual. Every call goes through the view's one call path
(``ToolView.run``): the value limits first, then these parameter types turn the portable forms
back into the operation's own, then the operation's model, confirmation and the toolkit.
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
import types
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, create_model
from pydantic.fields import FieldInfo

from nimble_tools import Location, NimbleToolkit, NimbleToolsError, Operation, UsageError
from nimble_tools._limits import load_json
from nimble_tools.adapter_support import COMMON_OPTIONS, invalid_arguments, select_tools, structured_of
from nimble_tools.approval import Approval
from nimble_tools.toolsets import ToolsetLike, ToolView

__all__ = ["OPTIONS", "Entry", "JsonResult", "OnError", "callables", "make_callable"]

TARGET = "callables"
OPTIONS = (*COMMON_OPTIONS, "asynchronous", "on_error")

OnError = Literal["raise", "return"]


class JsonResult(dict[str, Any]):
    """What a function returns: a dict for Python code, and JSON text wherever a host makes it a string.

    The OpenAI Agents SDK sends a tool's result to the model as ``str(result)``; for a plain dict that
    is Python's repr (single quotes, ``None``, ``True``), which models misread. This dict's ``str()``
    is its JSON. pydantic-ai and other hosts that serialise results themselves send the same JSON.
    """

    def __str__(self) -> str:
        return json.dumps(self, ensure_ascii=False, separators=(",", ":"), default=str)


class Entry(BaseModel):
    """One ``{key, value}`` entry of a map given as a list."""

    model_config = ConfigDict(extra="forbid")

    key: str
    value: Any


def make_callable(
    toolkit: NimbleToolkit,
    operation: Operation,
    *,
    account: str | None = None,
    asynchronous: bool = False,
    on_error: OnError = "raise",
    view: ToolView | None = None,
    approve: Approval = None,
) -> Callable[..., Any]:
    """A plain function (or coroutine function) that runs ``operation``.

    Args:
        toolkit: the toolkit every call goes through.
        operation: the operation to run.
        account: the connected account calls are made for.
        view: the toolset view that exposes ``operation`` (calls route through it); by default
            ``operation`` is a registered operation, called by its own name.
        asynchronous: make an ``async def`` function.
        on_error: ``"raise"`` a :class:`~nimble_tools.NimbleToolsError`, or ``"return"`` it as
            ``{"error": "<message for the model>"}``.
        approve: who confirms a destructive call (see :mod:`nimble_tools.approval`); without one
            the caller repeats a held call with ``confirm_token``.
    """
    name = operation.name
    if view is None:
        view = select_tools(toolkit, [name], approve=approve, target=TARGET)
    parameters, annotations, arguments_model = _signature(view.model_params(name, approve))
    route = view

    def decode(values: dict[str, Any]) -> dict[str, Any]:
        # The portable forms ({key, value} entries, JSON strings) back to the operation's own.
        try:
            validated = arguments_model.model_validate(values)
        except ValidationError as exc:
            raise invalid_arguments(name, exc) from None
        return {key: getattr(validated, key) for key in values}

    def failed(error: NimbleToolsError) -> dict[str, Any]:
        if on_error == "raise":
            raise error
        return JsonResult(error=error.for_model())

    function: Callable[..., Any]
    if asynchronous:

        async def function(**kwargs: Any) -> dict[str, Any]:
            try:
                return JsonResult(
                    structured_of(await route.arun(name, kwargs, account=account, approve=approve, decode=decode))
                )
            except NimbleToolsError as error:
                return failed(error)

    else:

        def function(**kwargs: Any) -> dict[str, Any]:
            try:
                return JsonResult(
                    structured_of(route.run(name, kwargs, account=account, approve=approve, decode=decode))
                )
            except NimbleToolsError as error:
                return failed(error)

    function.__name__ = function.__qualname__ = name
    function.__module__ = __name__
    function.__doc__ = _docstring(operation, view.model_params(name, approve).model_fields, on_error)
    function.__signature__ = inspect.Signature(parameters, return_annotation=dict[str, Any])  # type: ignore[union-attr]
    function.__annotations__ = {**annotations, "return": dict[str, Any]}
    return function


def callables(
    toolkit: NimbleToolkit,
    *,
    tools: ToolsetLike | ToolView = None,
    names: Iterable[str] | None = None,
    account: str | None = None,
    asynchronous: bool = False,
    on_error: OnError = "raise",
    approve: Approval = None,
    confirm_destructive: bool = True,
) -> list[Callable[..., Any]]:
    """The functions of ``toolkit`` (what ``toolkit.emit("callables", ...)`` returns).

    Args:
        toolkit: the toolkit whose operations become functions.
        tools: a toolset view or a list of names (default: every operation, in registry order);
            ``toolsets.tool_search()`` gives the two search-and-call meta-tools instead.
        names: only these operations (the older spelling of ``tools=[...]``).
        account: the connected account calls are made for.
        asynchronous: make ``async def`` functions.
        on_error: ``"raise"`` errors, or ``"return"`` them as ``{"error": ...}`` for a model to read.
        approve: who confirms destructive calls: None (destructive functions take ``confirm_token``,
            from the preview a held call answers with), a function ``(ApprovalRequest) -> bool``
            (async ones for ``asynchronous=True``), True or False.
        confirm_destructive: False runs destructive calls without confirmation.
    """
    if on_error not in ("raise", "return"):
        raise UsageError(f"emit('callables'): on_error must be 'raise' or 'return', got {on_error!r}.")
    view = select_tools(toolkit, tools, names, confirm_destructive=confirm_destructive, approve=approve, target=TARGET)
    make = functools.partial(
        make_callable,
        toolkit,
        account=account,
        asynchronous=asynchronous,
        on_error=on_error,
        view=view,
        approve=approve,
    )
    return [make(operation) for operation in view.values()]


# -- signature ---------------------------------------------------------------------------------


@functools.cache
def _signature(params: type[BaseModel]) -> tuple[list[inspect.Parameter], dict[str, Any], type[BaseModel]]:
    """The parameters and annotations of a function for ``params``, and the model that reads them back.

    Made once per parameters model: building the portable types and the model is most of what an
    emit costs, and neither ever changes.
    """
    parameters, annotations = _parameters(params.model_fields)
    definitions: dict[str, Any] = {
        p.name: (annotations[p.name], ... if p.default is p.empty else p.default) for p in parameters
    }
    arguments_model = create_model(  # reads back exactly what the signature advertises
        f"{params.__name__}_arguments",
        __config__=ConfigDict(extra="forbid", arbitrary_types_allowed=True),
        **definitions,
    )
    return parameters, annotations, arguments_model


def _parameters(fields: dict[str, FieldInfo]) -> tuple[list[inspect.Parameter], dict[str, Any]]:
    parameters: list[inspect.Parameter] = []
    annotations: dict[str, Any] = {}
    # Required parameters first, so that the order reads naturally in help() and docs.
    for name, info in sorted(fields.items(), key=lambda item: not item[1].is_required()):
        annotation = _annotation(info)
        default = inspect.Parameter.empty if info.is_required() else info.get_default(call_default_factory=True)
        parameters.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        )
        annotations[name] = annotation
    return parameters, annotations


def _annotation(info: FieldInfo) -> Any:
    base = _portable(info.annotation)
    metadata = [m for m in info.metadata if not isinstance(m, Location)]
    return Annotated[base, *metadata] if metadata else base  # type: ignore[valid-type]


def _portable(annotation: Any) -> Any:
    """``annotation`` with free-form maps and values given a strict-friendly JSON form.

    Returns ``annotation`` itself when nothing inside it needs a change.
    """
    origin = get_origin(annotation)
    if annotation is Any:
        return Annotated[Any, BeforeValidator(_from_json, json_schema_input_type=str)]
    if origin is Annotated:
        inner, *metadata = get_args(annotation)
        changed = _portable(inner)
        return annotation if changed is inner else Annotated[changed, *metadata]  # type: ignore[valid-type]
    if origin in (Union, types.UnionType):
        members = get_args(annotation)
        portable = tuple(_portable(a) for a in members)
        if all(p is m for p, m in zip(portable, members, strict=True)):
            return annotation
        return Union[portable]  # noqa: UP007 - members may be forward references, which | cannot join
    if origin is list:
        (item,) = get_args(annotation) or (Any,)
        changed = _portable(item)
        return annotation if changed is item and get_args(annotation) else list[changed]  # type: ignore[valid-type]
    if annotation is dict or origin is dict:
        key, value = get_args(annotation) or (str, Any)
        if value is Any:
            return Annotated[dict[key, Any], BeforeValidator(_from_json, json_schema_input_type=str)]  # type: ignore[valid-type]
        value = _portable(value)
        entry: Any = create_model(f"{_type_name(value)}Entry", __base__=Entry, value=(value, ...))
        return Annotated[
            dict[key, value],  # type: ignore[valid-type]
            BeforeValidator(_from_entries, json_schema_input_type=list[entry]),  # type: ignore[valid-type]
        ]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _portable_model(annotation)
    return annotation


_PORTABLE_MODELS: dict[type[BaseModel], type[BaseModel]] = {}
_BUILDING: dict[type[BaseModel], str] = {}


def _portable_model(model: type[BaseModel]) -> Any:
    """``model``, or a subclass of it whose map and free-form fields have the portable form.

    A subclass keeps the model's validators, and its instances are still instances of ``model``,
    so the operation's own validation accepts them as they are. A recursive model refers to its own
    portable subclass (through a forward reference resolved once the subclass exists).
    """
    if model in _PORTABLE_MODELS:
        return _PORTABLE_MODELS[model]
    if model in _BUILDING:
        return _BUILDING[model]  # the forward reference to the subclass being built
    if not _needs_rewrite(model, set()):
        return model
    placeholder = f"_portable_{model.__name__}_{id(model)}"
    _BUILDING[model] = placeholder
    try:
        overrides: dict[str, Any] = {
            name: (_portable(info.annotation), copy.copy(info))
            for name, info in model.model_fields.items()
            if _needs_rewrite(info.annotation, set())
        }
    finally:
        del _BUILDING[model]
    portable: type[BaseModel] = create_model(
        model.__name__, __base__=model, __module__=model.__module__, __doc__=model.__doc__, **overrides
    )
    portable.model_rebuild(_types_namespace={placeholder: portable})
    _PORTABLE_MODELS[model] = portable
    return portable


def _needs_rewrite(annotation: Any, seen: set[type[BaseModel]]) -> bool:
    """True when a map or a free-form value hides somewhere inside ``annotation``."""
    if annotation is Any or annotation is dict or get_origin(annotation) is dict:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        seen.add(annotation)
        return any(_needs_rewrite(info.annotation, seen) for info in annotation.model_fields.values())
    return any(_needs_rewrite(arg, seen) for arg in get_args(annotation) if not isinstance(arg, str))


def _type_name(annotation: Any) -> str:
    name = getattr(annotation, "__name__", None)
    if name and get_origin(annotation) is None:
        return str(name)
    return "".join(_type_name(a)[:1].upper() + _type_name(a)[1:] for a in get_args(annotation)) or "Value"


def _from_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return load_json(value)
        except ValueError as refused:
            raise ValueError(f"expected a JSON-encoded value: it {refused}") from None
    return value


def _from_entries(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(e, dict | BaseModel) for e in value):
        pairs = [e.model_dump() if isinstance(e, BaseModel) else e for e in value]
        if all(set(p) == {"key", "value"} for p in pairs):
            return {p["key"]: p["value"] for p in pairs}
    return value


# -- docstring ---------------------------------------------------------------------------------


def _docstring(operation: Operation, model_fields: dict[str, FieldInfo], on_error: OnError) -> str:
    lines = [operation.description]
    fields = sorted(model_fields.items(), key=lambda item: not item[1].is_required())
    if fields:  # an empty Args: section would leak into the description that parsers extract
        lines += ["", "Args:", *(f"    {name}: {_describe(name, info)}" for name, info in fields)]
    lines += [
        "",
        "Returns:",
        '    The envelope {"result": ..., "next_cursor": ...}; pass next_cursor back for the next page.',
    ]
    if on_error == "return":
        lines[-1] += ' On failure {"error": "<what went wrong and how to fix it>"}.'
    else:
        lines += ["", "Raises:", "    NimbleToolsError: the arguments are invalid or Nimble refused the call."]
    return "\n".join(lines)


def _describe(name: str, info: FieldInfo) -> str:
    text = " ".join((info.description or f"The {name.replace('_', ' ')}.").split())
    origin = get_origin(_strip_optional(info.annotation))
    if origin is dict or info.annotation is dict:
        text += " A list of {key, value} entries is accepted too." if not _free_values(info.annotation) else ""
    if not info.is_required() and info.default is not None:
        text += f" Default: {info.default!r}."
    return text


def _strip_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        return members[0] if len(members) == 1 else annotation
    return annotation


def _free_values(annotation: Any) -> bool:
    args = get_args(_strip_optional(annotation))
    return not args or args[-1] is Any
