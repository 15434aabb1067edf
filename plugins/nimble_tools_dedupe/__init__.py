"""Dedupe-then-create: find a person by email, phone or name + company; create only when absent.

A plugin (entry point ``nimble_tools_dedupe``) registering two composite operations:

* ``nimble_find_or_create_contact``: one lead, a decision record back;
* ``nimble_import_leads``: many leads with batched lookups, bounded concurrency, progress
  callbacks (``toolkit.call(..., on_progress=callback)``) and a report of every lead.

Both are safe to retry: a repeated call finds the contact the first one created.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nimble_tools import Operation, hookimpl
from nimble_tools.adapter_support import LazyImplementation

if TYPE_CHECKING:
    from ._action import (
        Decision,
        FindOrCreateParams,
        ImportLeadsParams,
        ImportProgress,
        Lead,
        import_leads,
        import_leads_async,
    )

__all__ = [
    "Decision",
    "FindOrCreateParams",
    "ImportLeadsParams",
    "ImportProgress",
    "Lead",
    "import_leads",
    "import_leads_async",
    "register_commands",
    "register_operations",
]

# The entry point holds the declarations only: models and steps load with the first call.
__getattr__ = LazyImplementation(__name__, "_action").attributes(
    set(__all__) - {"register_commands", "register_operations"}
)


FIND_OR_CREATE = Operation(
    name="nimble_find_or_create_contact",
    description=(
        "Save a lead without duplicates: find the person by email (any case), phone (any format) or "
        "first+last name at the same company, and create a contact only when none matches. Needs a name and "
        "an email, phone or company. Returns decision matched (contact_id, matched_on), created, or ambiguous "
        "(candidates; nothing created). Safe to retry."
    ),
    params="nimble_tools_dedupe._action:FindOrCreateParams",
    resource="contacts",
    method="POST",
    idempotent=True,
    handler="nimble_tools_dedupe._action:handle_find_or_create",
    async_handler="nimble_tools_dedupe._action:async_handle_find_or_create",
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
    params="nimble_tools_dedupe._action:ImportLeadsParams",
    resource="contacts",
    method="POST",
    idempotent=True,
    handler="nimble_tools_dedupe._action:handle_import",
    async_handler="nimble_tools_dedupe._action:ahandle_import",
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
