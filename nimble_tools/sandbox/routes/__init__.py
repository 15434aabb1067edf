"""The sandbox's endpoints, one module per resource; each module has a ``router``."""

from __future__ import annotations

import importlib

from .._http import Router

__all__ = ["ROUTE_MODULES", "build_router"]

# Any order: the router tries the most specific pattern first (see Router).
ROUTE_MODULES: tuple[str, ...] = (
    "me",
    "contacts",
    "contact_notes",
    "contact_fields",
    "contact_pipelines",
    "proceedings",
    "activities",
    "tasks",
    "drafts",
    "deal_tags",
    "deal_fields",
    "deal_pipelines",
    "deal_files",
    "deal_notes",
    "deals",
    "leads",
    "oauth",
)


def build_router() -> Router:
    """One router holding every module's routes."""
    combined = Router()
    for name in ROUTE_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        combined.include(*module.router.routes)
    return combined
