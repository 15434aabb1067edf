"""The built-in catalog as the tests see it: its operations, the two sides of the API, their examples.

Everything here is read from the registry, so that a new endpoint needs no list in the tests: its
operation (with its example) is enough for the conformance tests to pick it up.
"""

from __future__ import annotations

import functools
from typing import Any

from nimble_tools import NimbleToolkit, Operation, RequestSpec

CATALOG_PLUGIN = "nimble_tools.catalog"


@functools.cache
def catalog() -> dict[str, Operation]:
    """Every operation of the built-in catalog, by name, in registry order."""
    toolkit = NimbleToolkit(api_key="catalog-support")
    return {name: op for name, op in toolkit.operations.items() if op.plugin == CATALOG_PLUGIN}


def contacts_side() -> list[str]:
    """Catalog operations of Nimble's v1 API (contacts, notes, fields, activities, tasks, drafts)."""
    return [name for name, op in catalog().items() if op.path.startswith("/api/v1/")]


def deals_side() -> list[str]:
    """Catalog operations of Nimble's v2 API (deals, their pipelines, fields, files, notes, tags; leads)."""
    return [name for name, op in catalog().items() if op.path.startswith("/api/v2/")]


def example(name: str) -> dict[str, Any]:
    """A copy of the operation's example arguments."""
    arguments = catalog()[name].example
    assert arguments is not None, f"{name} has no example"
    return dict(arguments)


def build(operation: Operation, arguments: dict[str, Any]) -> RequestSpec:
    """The request ``arguments`` become, offline: validated, encoded, paged as a first page."""
    params = operation.validate_arguments(arguments)
    request = operation.build_request(params)
    if operation.paging is not None:
        request = operation.paging.apply(operation.name, request, getattr(params, "limit", None), None)
    return request
