"""Closed-won with a file: attach the signed document and close the deal (or the lead) in one action.

A plugin (entry point ``nimble_tools_deal_close``) registering ``nimble_close_won_with_file``.
For a deal, the file link is attached and the deal moved to its pipeline's won stage; for a lead
in a contact pipeline, the link is noted on the contact and the lead exited successfully. Each
step is skipped when already done, so the action is safe to retry; when the closing step fails,
the file step is undone, and the result names anything that could not be undone (``remains``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from nimble_tools import Operation, hookimpl
from nimble_tools.adapter_support import LazyImplementation

if TYPE_CHECKING:
    from ._params import CloseWonParams

__all__ = ["CloseWonParams", "register_operations"]

# The entry point holds the declaration only: the model and the steps load with the first call.
__getattr__ = LazyImplementation(__name__, "_params").attributes(set(__all__) - {"register_operations"})

CLOSE_WON = Operation(
    name="nimble_close_won_with_file",
    title="Close a deal as won, with its file",
    description=(
        "Close a deal as won with its signed file in one step: attach the file link (Dropbox, OneDrive or "
        "Google Drive) and move the deal to its pipeline's won stage; or, for a lead in a contact pipeline "
        "(lead_id, pipeline_id), mark it won there with the link noted. Done steps are skipped, so retries are "
        "safe; if closing fails the file step is undone and 'remains' names anything left. Returns won, "
        "already_won or failed."
    ),
    params="nimble_tools_deal_close._params:CloseWonParams",
    resource="deals",
    method="POST",
    idempotent=True,
    handler="nimble_tools_deal_close._action:handle",
    async_handler="nimble_tools_deal_close._action:async_handle",
    tags=("composite", "deals", "leads"),
)


@hookimpl
def register_operations(register: Callable[[Operation], None]) -> None:
    """Register the closed-won action."""
    register(CLOSE_WON)
