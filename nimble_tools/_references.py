"""Parameter models and handlers named by reference (``"package.module:name"``), imported on first use.

Defining a pydantic model costs about 0.3 ms, and the catalog has some 130 of them: the registry
would spend most of its start-up defining models that a process may never use. An operation can
therefore name its model instead of holding it; :class:`ModelSlot`, the descriptor behind
``Operation.params``, imports the model the first time ``operation.params`` is read (to validate a
call, or to publish a schema), so that listing, filtering and searching operations never does.

Composite actions name their handlers the same way (:func:`deferred_handler`), so that a plugin's
entry point holds only its declarations and its implementation loads with the first call.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from pydantic import BaseModel

from ._errors import UsageError

if TYPE_CHECKING:
    from ._operation import Operation

__all__ = ["HandlerSlot", "ModelSlot", "deferred_handler", "is_reference", "resolve_reference"]

H = TypeVar("H", bound=Callable[..., Any])

_REFERENCE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def is_reference(value: object) -> bool:
    """True for a ``"package.module:name"`` string."""
    return isinstance(value, str) and bool(_REFERENCE.match(value))


def resolve_reference(operation: str, what: str, reference: str) -> Any:
    """Import what ``"package.module:name"`` names; a :class:`UsageError` naming the operation if it cannot."""
    module_name, _, attribute = reference.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise UsageError(f"Operation {operation!r}: its {what} {reference!r} could not be imported: {exc}") from exc


def deferred_handler(operation: str, reference: str, *, is_async: bool) -> Callable[..., Any]:
    """A handler that imports the function ``reference`` names on its first call, then calls it.

    A malformed reference is refused now; one that does not import fails the first call, naming the
    operation (the call path turns that into an error result like any other).
    """
    if not is_reference(reference):
        raise UsageError(
            f"Operation {operation!r}: handler {reference!r} must be a function or a reference "
            "'package.module:function'."
        )
    target = functools.cache(lambda: _callable(operation, reference))
    if is_async:

        async def async_handler(*args: Any) -> Any:
            result: Awaitable[Any] = target()(*args)
            return await result

        return async_handler

    def handler(*args: Any) -> Any:
        return target()(*args)

    return handler


class HandlerSlot(Generic[H]):
    """``Operation.handler`` / ``async_handler``: a function, ``"package.module:function"``, or None.

    A reference becomes a :func:`deferred_handler` when the operation is made: reading the field
    always gives something to call (or None).
    """

    def __init__(self, *, is_async: bool) -> None:
        self._is_async = is_async

    def __set_name__(self, owner: type, name: str) -> None:
        self._key = f"_{name}"

    @overload
    def __get__(self, operation: None, owner: type | None = None) -> None: ...
    @overload
    def __get__(self, operation: Operation, owner: type | None = None) -> H | None: ...
    def __get__(self, operation: Operation | None, owner: type | None = None) -> H | None:
        if operation is None:
            return None  # dataclasses: the field's default
        handler: H | None = operation.__dict__.get(self._key)
        return handler

    def __set__(self, operation: Operation, handler: H | str | None) -> None:
        if isinstance(handler, str):
            handler = deferred_handler(operation.name, handler, is_async=self._is_async)  # type: ignore[assignment]
        operation.__dict__[self._key] = handler


def _callable(operation: str, reference: str) -> Callable[..., Any]:
    found = resolve_reference(operation, "handler", reference)
    if not callable(found):
        raise UsageError(f"Operation {operation!r}: {reference!r} is not a function.")
    function: Callable[..., Any] = found
    return function


class ModelSlot:
    """``Operation.params``: a model class, given as the class or as ``"package.module:ClassName"``.

    A reference is imported on the first read and replaced by the class it names, so later reads
    cost an attribute lookup. ``dataclasses.replace`` reads the field and so imports the model;
    :func:`nimble_tools._operation.with_changes` copies an operation without importing it.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self._key = f"_{name}"

    @overload
    def __get__(self, operation: None, owner: type | None = None) -> ModelSlot: ...
    @overload
    def __get__(self, operation: Operation, owner: type | None = None) -> type[BaseModel]: ...
    def __get__(self, operation: Operation | None, owner: type | None = None) -> Any:
        if operation is None:
            raise AttributeError("params has no default")  # dataclasses: the field is required
        model = operation.__dict__[self._key]
        if isinstance(model, str):
            model = _import_model(operation.name, model)
            operation.check_model(model)
            operation.__dict__[self._key] = model
        return model

    def __set__(self, operation: Operation, model: type[BaseModel] | str) -> None:
        # Only the dataclass __init__ gets here (the class is frozen): the check of a reference's
        # shape happens now, its import on the first read.
        if isinstance(model, str) and not is_reference(model):
            raise UsageError(
                f"Operation {operation.name!r}: params {model!r} must be a pydantic model or a reference "
                "'package.module:ClassName'."
            )
        operation.__dict__[self._key] = model
        if isinstance(model, str):
            operation.__dict__[f"{self._key}_reference"] = model

    def reference(self, operation: Operation) -> str | None:
        """The reference the model was named by, imported or not; None for a model given as a class."""
        reference: str | None = operation.__dict__.get(f"{self._key}_reference")
        return reference

    def source(self, operation: Operation) -> type[BaseModel] | str:
        """What the field holds: the class, or the reference not imported yet."""
        source: type[BaseModel] | str = operation.__dict__[self._key]
        return source


def _import_model(operation: str, reference: str) -> type[BaseModel]:
    model = resolve_reference(operation, "params model", reference)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise UsageError(f"Operation {operation!r}: {reference!r} is not a pydantic model.")
    model_class: type[BaseModel] = model
    return model_class
