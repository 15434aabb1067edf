"""OAuth scopes, and the tools each grants: a person can give an app less than it asks for.

* ``nimble:read``: tools that change nothing (list, search, read).
* ``nimble:write``: tools that create or change records, deletes aside.
* ``nimble:delete``: destructive tools (each one is still confirmed with the person first).
"""

from __future__ import annotations

from collections.abc import Iterable

from nimble_tools import Operation, toolsets

__all__ = ["SCOPES", "SCOPE_LABELS", "granted", "toolset_for"]

READ = "nimble:read"
WRITE = "nimble:write"
DELETE = "nimble:delete"
SCOPES = (READ, WRITE, DELETE)
SCOPE_LABELS = {
    READ: "Read your contacts, companies, deals, notes and pipelines",
    WRITE: "Create and change records (contacts, notes, deals, tags, fields)",
    DELETE: "Delete records (you are asked to confirm each delete)",
}


def granted(scopes: Iterable[str]) -> list[str]:
    """The known scopes among ``scopes``, in canonical order."""
    wanted = set(scopes)
    return [s for s in SCOPES if s in wanted]


def allows(scopes: Iterable[str], operation: Operation) -> bool:
    """Whether ``scopes`` reach ``operation``."""
    held = set(scopes)
    if operation.read_only:
        return READ in held
    if operation.destructive:
        return DELETE in held
    return WRITE in held


def toolset_for(scopes: Iterable[str], *, tool_search: bool = False) -> toolsets.Toolset:
    """The tools a token with ``scopes`` may list and call (or the two meta-tools over them)."""
    held = tuple(granted(scopes))
    view = toolsets.everything().filtered(lambda op: allows(held, op), f"scopes{held}")
    return toolsets.tool_search(scope=view) if tool_search else view
