"""The dedupe actions: find-or-create's parameters and steps, and the handlers both operations name.

Imported with the first call: the entry point (``nimble_tools_dedupe``) only declares the operations,
naming the model and the handlers here, so that every registry can load it for nothing.
"""

from __future__ import annotations

from typing import Any

from nimble_tools_action_support import Steps, handlers
from pydantic import Field

from ._bulk import ImportLeadsParams, ImportProgress, ahandle_import, handle_import, import_leads, import_leads_async
from ._lead import Lead
from ._match import Decision
from ._steps import search_candidates, settle

# What the package offers (its __getattr__ serves these from here), and the handlers its operations name.
__all__ = [
    "Decision",
    "FindOrCreateParams",
    "ImportLeadsParams",
    "ImportProgress",
    "Lead",
    "ahandle_import",
    "async_handle_find_or_create",
    "handle_find_or_create",
    "handle_import",
    "import_leads",
    "import_leads_async",
]


class FindOrCreateParams(Lead):
    """A person to find in Nimble by email, phone or name + company, or to create when absent."""

    fill_empty: bool = Field(
        default=False, description="On a match, fill its empty phone, email and employer from these."
    )


def find_or_create(params: FindOrCreateParams) -> Steps[dict[str, Any]]:
    """Look the person up; match, report ambiguity, or create (filling a match's empty fields if asked)."""
    pool = yield from search_candidates([params])
    decision = yield from settle(params, pool, fill_empty=params.fill_empty)
    return decision.to_dict()


# The handlers the operation names: the steps, run sync or async.
handle_find_or_create, async_handle_find_or_create = handlers(find_or_create).values()
