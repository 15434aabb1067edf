"""Email draft: a personalised draft to a contact given by id or email, saved in Nimble, never sent.

A plugin (entry point ``nimble_tools_drafts``) registering ``nimble_draft_email_to_contact``.
The contact's address is resolved (a preferred kind, else the primary, else the first), and
``{{first_name}}``-style placeholders in the subject and body are filled from the contact, with
``{{first_name|there}}`` giving a default. Before saving, the drafts already addressed to that
person are read: the same subject and body there means it was drafted before, so a retry saves
no second copy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from nimble_tools import Operation, hookimpl
from nimble_tools.adapter_support import LazyImplementation

if TYPE_CHECKING:
    from ._action import PLACEHOLDERS, DraftParams, fill_placeholders

__all__ = ["PLACEHOLDERS", "DraftParams", "fill_placeholders", "register_operations"]

# The entry point holds the declarations only: models and steps load with the first call.
__getattr__ = LazyImplementation(__name__, "_action").attributes(set(__all__) - {"register_operations"})


DRAFT_EMAIL = Operation(
    name="nimble_draft_email_to_contact",
    description=(
        "Save a personalised email draft in Nimble for one contact, given by contact_id or email; it is NOT "
        "sent. Subject and body may use {{first_name}}, {{last_name}}, {{full_name}}, {{company}}, {{title}}, "
        "{{email}}, with a default after |. Returns decision drafted (draft_id, to), already_drafted, "
        "ambiguous, no_contact, no_address or missing_data. Safe to retry."
    ),
    params="nimble_tools_drafts._action:DraftParams",
    resource="messages",
    method="POST",
    idempotent=True,
    handler="nimble_tools_drafts._action:handle",
    async_handler="nimble_tools_drafts._action:async_handle",
    tags=("composite", "messages"),
)


@hookimpl
def register_operations(register: Callable[[Operation], None]) -> None:
    """Register the email-draft action."""
    register(DRAFT_EMAIL)
