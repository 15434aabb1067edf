"""The catalog: one small module per Nimble resource, each with a tuple ``OPERATIONS``.

The catalog is a built-in plugin: :func:`register_operations` hands every operation to the
registry through the same hook third-party plugins use. Modules are imported when the registry is
first built, not when ``nimble_tools`` is imported.

Its :func:`after_call` reads answers the way live Nimble writes them: a read by id that answers an
empty list (live Nimble's way of saying "no such record") raises ``NotFoundError``, as a 404 does.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from .._operation import Operation
from ..hookspecs import hookimpl

if TYPE_CHECKING:
    from .._toolkit import CallContext

__all__ = ["CATALOG_MODULES", "after_call", "register_operations"]

CATALOG_MODULES: tuple[str, ...] = (
    "me",
    "contacts",
    "contact_tags",
    "contact_notes",
    "contact_fields",
    "contact_field_layout",
    "contact_pipelines",
    "proceedings",
    "activities",
    "tasks",
    "drafts",
    "deals",
    "deal_tags",
    "deal_notes",
    "deal_files",
    "deal_pipelines",
    "deal_fields",
    "leads",
)


@hookimpl
def register_operations(register: Callable[[Operation], None]) -> None:
    """Register every operation of every catalog module."""
    from ._titles import TITLES

    for name in CATALOG_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        for operation in module.OPERATIONS:
            title = operation.title or TITLES.get(operation.name, "")
            register(replace(operation, title=title) if title != operation.title else operation)


@hookimpl(tryfirst=True)
def after_call(context: CallContext) -> None:
    """An empty answer to a read by id is ``NotFoundError`` (first, so other plugins never see it succeed)."""
    from ..readers import single_record
    from .contacts import MISSING_WHEN_EMPTY

    operation = context.operation
    rule = MISSING_WHEN_EMPTY.get(operation.name)
    if rule is None or context.result is None:
        return
    object_type, id_field = rule
    object_id = str(getattr(context.params, id_field))
    path = operation.build_request(context.params).path
    single_record(context.result.result, object_type, object_id, method=operation.method, path=path)
