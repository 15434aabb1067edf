"""Parameter models named by reference (``"package.module:ClassName"``), imported on first use.

Defining a pydantic model costs about 0.3 ms, and the catalog has some 130 of them: the registry
would spend most of its start-up defining models that a process may never use. An operation can
therefore name its model instead of holding it; :class:`ModelSlot`, the descriptor behind
``Operation.params``, imports the model the first time ``operation.params`` is read (to validate a
call, or to publish a schema), so that listing, filtering and searching operations never does.
"""

from __future__ import annotations

import importlib
import re
from typing import TYPE_CHECKING, Any, overload

from pydantic import BaseModel

from ._errors import UsageError

if TYPE_CHECKING:
    from ._operation import Operation

__all__ = ["ModelSlot", "is_model_reference"]

_REFERENCE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def is_model_reference(value: object) -> bool:
    """True for a ``"package.module:ClassName"`` string."""
    return isinstance(value, str) and bool(_REFERENCE.match(value))


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
        if isinstance(model, str) and not is_model_reference(model):
            raise UsageError(
                f"Operation {operation.name!r}: params {model!r} must be a pydantic model or a reference "
                "'package.module:ClassName'."
            )
        operation.__dict__[self._key] = model

    def source(self, operation: Operation) -> type[BaseModel] | str:
        """What the field holds: the class, or the reference not imported yet."""
        source: type[BaseModel] | str = operation.__dict__[self._key]
        return source


def _import_model(operation: str, reference: str) -> type[BaseModel]:
    module_name, _, attribute = reference.partition(":")
    try:
        model = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise UsageError(
            f"Operation {operation!r}: its params model {reference!r} could not be imported: {exc}"
        ) from exc
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise UsageError(f"Operation {operation!r}: {reference!r} is not a pydantic model.")
    return model
