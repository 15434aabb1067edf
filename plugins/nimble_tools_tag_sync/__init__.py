"""Tag sync: add and remove tags on many contacts with the smallest change, never dropping others.

A plugin (entry point ``nimble_tools_tag_sync``) registering ``nimble_sync_contact_tags``.
Nimble's tag call replaces a contact's whole tag set, so each contact is read, its tags merged
(existing order kept, additions appended, removals dropped, compared case-insensitively) and
written back only when something changed. Reads go 30 contacts a request; writes are one per
changed contact. Writing a whole set is idempotent, so a retry or a re-run is safe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from nimble_tools import Operation, hookimpl
from nimble_tools.adapter_support import LazyImplementation

if TYPE_CHECKING:
    from ._action import TagSyncParams, merge_tags

__all__ = ["TagSyncParams", "merge_tags", "register_operations"]

# The entry point holds the declarations only: models and steps load with the first call.
__getattr__ = LazyImplementation(__name__, "_action").attributes(set(__all__) - {"register_operations"})


SYNC_TAGS = Operation(
    name="nimble_sync_contact_tags",
    description=(
        "Add and/or remove tags on one or many contacts, keeping their other tags (Nimble's own tag call "
        "replaces the whole set; this merges and writes only what changed). Tags compare case-insensitively. "
        "Returns counts (changed, unchanged, not_found, failed) and, per contact, the tags added and removed. "
        "Safe to repeat."
    ),
    params="nimble_tools_tag_sync._action:TagSyncParams",
    resource="contacts",
    method="PUT",
    idempotent=True,
    handler="nimble_tools_tag_sync._action:sync_tags",
    async_handler="nimble_tools_tag_sync._action:async_sync_tags",
    tags=("composite", "tags", "bulk"),
)


@hookimpl
def register_operations(register: Callable[[Operation], None]) -> None:
    """Register the tag-sync action."""
    register(SYNC_TAGS)
