"""Dedupe-then-create: find a person by email, phone or name + company; create only when absent.

A plugin (entry point ``nimble_tools_dedupe``) registering two composite operations:

* ``nimble_find_or_create_contact``: one lead, a decision record back;
* ``nimble_import_leads``: many leads with batched lookups, bounded concurrency, progress
  callbacks (``toolkit.call(..., on_progress=callback)``) and a report of every lead.

Both are safe to retry: a repeated call finds the contact the first one created.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimble_tools_actionkit import arun, run
from pydantic import Field

from nimble_tools import CallContext, Operation, hookimpl

from ._bulk import ImportLeadsParams, ImportProgress, ahandle_import, handle_import, import_leads, import_leads_async
from ._lead import Lead
from ._match import Decision
from ._steps import search_candidates, settle

__all__ = [
    "Decision",
    "FindOrCreateParams",
    "ImportLeadsParams",
    "ImportProgress",
    "Lead",
    "import_leads",
    "import_leads_async",
    "register_operations",
]


class FindOrCreateParams(Lead):
    """A person to find in Nimble by email, phone or name + company, or to create when absent."""

    fill_empty: bool = Field(
        default=False, description="When a contact matches, fill its empty fields (phone, email, employer) from these."
    )


def _find_or_create(params: FindOrCreateParams) -> Any:
    pool = yield from search_candidates([params])
    return (yield from settle(params, pool, fill_empty=params.fill_empty))


def find_or_create(context: CallContext, params: FindOrCreateParams) -> dict[str, Any]:
    """Sync handler of ``nimble_find_or_create_contact``."""
    decision: Decision = run(context, _find_or_create(params))
    return decision.to_dict()


async def afind_or_create(context: CallContext, params: FindOrCreateParams) -> dict[str, Any]:
    """Async handler of ``nimble_find_or_create_contact``."""
    decision: Decision = await arun(context, _find_or_create(params))
    return decision.to_dict()


FIND_OR_CREATE = Operation(
    name="nimble_find_or_create_contact",
    description=(
        "Find a person in Nimble before creating them, so no duplicate is made. Matches on email "
        "(case-insensitive), then phone (any format, compared in E.164), then first+last name with company. "
        "Returns a decision record: decision 'matched' (contact_id of the existing contact, matched_on), "
        "'created' (new contact_id) or 'ambiguous' (several contacts match: nothing is created; choose one "
        "from candidates). Needs a name and at least one of email, phone, company. fill_empty=true fills "
        "empty fields of the match. Safe to retry."
    ),
    params=FindOrCreateParams,
    resource="contacts",
    method="POST",
    idempotent=True,
    handler=find_or_create,
    async_handler=afind_or_create,
    tags=("composite", "dedupe"),
)

IMPORT_LEADS = Operation(
    name="nimble_import_leads",
    description=(
        "Import a list of leads (people) without creating duplicates: each is matched like "
        "nimble_find_or_create_contact (email, then phone, then name+company), with one search per batch "
        "of leads, and created only when nothing matches. Returns counts (created, matched, ambiguous, "
        "failed) and one decision record per lead, by index. Leads repeated in the list are created once. "
        "Failed leads created nothing for certain or say so; re-running the same import is safe and "
        "creates no duplicate."
    ),
    params=ImportLeadsParams,
    resource="contacts",
    method="POST",
    idempotent=True,
    handler=handle_import,
    async_handler=ahandle_import,
    tags=("composite", "dedupe", "bulk"),
)


@hookimpl
def register_operations(register: Callable[[Operation], None]) -> None:
    """Register the dedupe actions."""
    register(FIND_OR_CREATE)
    register(IMPORT_LEADS)
