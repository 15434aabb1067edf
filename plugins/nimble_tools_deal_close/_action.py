"""The closed-won action's steps and handlers, imported with its first call (the entry point only declares it)."""

from __future__ import annotations

from typing import Any

from nimble_tools_action_support import Steps, handlers

from ._deal import close_deal
from ._lead import close_lead
from ._params import CloseWonParams

__all__ = ["async_handle", "close_won", "handle"]


def close_won(params: CloseWonParams) -> Steps[dict[str, Any]]:
    """Close the deal, or the lead in its contact pipeline, as won with the file."""
    return close_deal(params) if params.deal_id else close_lead(params)


# What the operation names ("nimble_tools_deal_close._action:handle"): the steps, run sync or async.
handle, async_handle = handlers(close_won).values()
