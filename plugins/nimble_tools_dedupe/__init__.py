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

from nimble_tools_action_support import Steps, handlers
from pydantic import Field

from nimble_tools import Operation, hookimpl

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
        default=False, description="On a match, fill its empty phone, email and employer from these."
    )


def find_or_create(params: FindOrCreateParams) -> Steps[dict[str, Any]]:
    """Look the person up; match, report ambiguity, or create (filling a match's empty fields if asked)."""
    pool = yield from search_candidates([params])
    decision = yield from settle(params, pool, fill_empty=params.fill_empty)
    return decision.to_dict()


FIND_OR_CREATE = Operation(
    name="nimble_find_or_create_contact",
    description=(
        "Save a lead without duplicates: find the person by email (any case), phone (any format) or "
        "first+last name at the same company, and create a contact only when none matches. Needs a name and "
        "an email, phone or company. Returns decision matched (contact_id, matched_on), created, or ambiguous "
        "(candidates; nothing created). Safe to retry."
    ),
    params=FindOrCreateParams,
    resource="contacts",
    method="POST",
    idempotent=True,
    **handlers(find_or_create),
    tags=("composite", "dedupe"),
)

IMPORT_LEADS = Operation(
    name="nimble_import_leads",
    description=(
        "Import many leads without duplicates, matched as nimble_find_or_create_contact does (email, phone, "
        "then name + company; one search per batch) and created only when nothing matches; repeats in the "
        "list are created once. Returns counts (created, matched, ambiguous, failed) and each lead's decision "
        "by index. Safe to re-run."
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


@hookimpl
def register_commands(cli: Any) -> None:
    """Add ``nimble-tools import-leads``."""
    from ._command import import_leads as command

    cli.add_command(command)
