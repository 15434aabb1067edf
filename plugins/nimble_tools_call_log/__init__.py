"""Call-log injection: one readable note per phone call on the caller's contact, exactly once.

A plugin (entry point ``nimble_tools_call_log``) registering ``nimble_log_call``. The note ends
with a ``Call ID: <call_id>`` line; before writing, the contact's recent notes are read for that
line, so logging the same call again (a retry, a replayed webhook) adds nothing. A create whose
answer is lost is checked the same way before it is tried again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from nimble_tools import Operation, hookimpl
from nimble_tools.adapter_support import LazyImplementation

if TYPE_CHECKING:
    from ._action import CallLogParams

__all__ = ["CallLogParams", "register_operations"]

# The entry point holds the declarations only: models and steps load with the first call.
__getattr__ = LazyImplementation(__name__, "_action").attributes(set(__all__) - {"register_operations"})


LOG_CALL = Operation(
    name="nimble_log_call",
    description=(
        "Log a phone call as one note (direction, time, duration, outcome, sentiment, summary, transcript) "
        "on the caller's contact, found by contact_id, phone or email; create_contact_if_missing creates it "
        "from the caller's name. The same call_id again adds no note, so retries are safe. Returns decision "
        "logged, already_logged, ambiguous (pass contact_id), no_contact or failed, with contact_id and note_id."
    ),
    params="nimble_tools_call_log._action:CallLogParams",
    resource="contact_notes",
    method="POST",
    idempotent=True,
    handler="nimble_tools_call_log._action:handle",
    async_handler="nimble_tools_call_log._action:async_handle",
    tags=("composite", "notes", "calls"),
)


@hookimpl
def register_operations(register: Callable[[Operation], None]) -> None:
    """Register the call-log action."""
    register(LOG_CALL)
