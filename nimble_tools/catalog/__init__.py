"""The catalog: one small module per Nimble resource, each with a tuple ``OPERATIONS``.

The catalog is a built-in plugin: :func:`register_operations` hands every operation to the
registry through the same hook third-party plugins use. Modules are imported when the registry is
first built, not when ``nimble_tools`` is imported.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import replace

from .._operation import Operation
from ..hookspecs import hookimpl

__all__ = ["CATALOG_MODULES", "register_operations"]

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
