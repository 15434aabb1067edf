"""Checks of what an application passes to a call beside the arguments: keyword options, and the account.

Both used to be silently ignored when wrong (``toolkit.call(name, limit=5)`` listed with Nimble's
default page size; ``account="acme"`` on a toolkit holding one API key called that key's account),
so a mistake looked like success. They are refused instead, with the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._errors import UsageError

__all__ = ["CORE_CALL_OPTIONS", "check_account", "check_call_options"]

CORE_CALL_OPTIONS: Mapping[str, str] = {
    "confirm_token": "the token a held destructive call answered with, to run it once confirmed",
    "on_progress": "a callback for bulk operations, called with their progress",
}
"""Keyword options of ``toolkit.call`` the core knows; plugins announce theirs (``register_call_options``)."""


def check_call_options(
    name: str, options: Mapping[str, Any], known: Mapping[str, str], parameters: Mapping[str, Any] = {}
) -> None:
    """Refuse keyword options nobody reads, naming the valid ones and where arguments go.

    Args:
        name: the operation called.
        options: the keyword options given (``account`` already taken out).
        known: the options the core and the registered plugins read.
        parameters: the operation's parameters, to show a misplaced argument in its mapping.

    Raises:
        UsageError: when an option is unknown.
    """
    unknown = [key for key in options if key not in known]
    if not unknown:
        return
    misplaced = {key: options[key] for key in unknown if key in parameters}
    where = (
        f"The operation's arguments go in the mapping: call({name!r}, {_short(misplaced)})."
        if misplaced
        else "The operation's arguments go in the mapping: call(name, {...})."
    )
    valid = ", ".join(["account", *sorted(known)])
    raise UsageError(
        f"call({name!r}) got unknown keyword option(s) {', '.join(unknown)}. {where} Keyword options it takes: {valid}."
    )


def _short(values: Mapping[str, Any]) -> str:
    text = repr(dict(values))
    return text if len(text) <= 80 else text[:77] + "...}"


def check_account(auth: object, account: str | None) -> None:
    """Refuse ``account`` when the toolkit's credentials serve one account only (an API key, the sandbox).

    Raises:
        UsageError: naming the account and the ways to serve several.
    """
    if account is not None and getattr(auth, "single_account", False):
        raise UsageError(
            f"account={account!r} cannot be chosen: this toolkit holds one API key, which always calls the same "
            "Nimble account (the sandbox too). Leave account out, or serve several accounts with "
            "NimbleToolkit(auth=ApiKeyAccounts({...})) or an OAuthProvider (nimble_tools.auth)."
        )
