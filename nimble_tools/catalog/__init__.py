"""The catalog: one small module per Nimble resource, each with a tuple ``OPERATIONS``.

The catalog is a built-in plugin: :func:`register_operations` hands every operation to the
registry through the same hook third-party plugins use. Modules are imported when the registry is
first built, not when ``nimble_tools`` is imported.

A module says its ``RESOURCE`` once; each operation says its title, description, method, path
and an example, and only the flags its method does not imply (see ``Operation``). Its parameters
model lives in ``catalog/params/<module>.py`` and is named by reference, so that the registry is
built without defining any model: a model is imported the first time it is needed.

Adding an endpoint: its operation here (with its example and model), its handler in
``nimble_tools/sandbox/routes``, and its entry in the spec copy the tests read
(``tests/data/nimble-openapi.yml``). The tests derive everything else from the registry.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .._operation import Operation, with_changes
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
    """Register every operation of every catalog module, with the module's resource."""
    for name in CATALOG_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        for operation in module.OPERATIONS:
            register(with_changes(operation, resource=module.RESOURCE))
