"""The tag-sync action: its parameters, the merge, and the handlers ``nimble_sync_contact_tags`` names.

Imported with the first call: the entry point (``nimble_tools_tag_sync``) only declares the operations,
naming the model and the handlers here, so that every registry can load it for nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from nimble_tools_action_support import (
    BulkReport,
    CallCounter,
    Steps,
    fold,
    progress_option,
    run_batches,
    run_batches_async,
    tag_names,
)
from pydantic import Field, field_validator, model_validator

from nimble_tools import CallContext, NimbleAPIError, NimbleId, NotFoundError, Params
from nimble_tools.readers import single_record

READ_MANY = "nimble_contacts_standard"
READ_ONE = "get_single_nimble_contact_by_id"
WRITE = "nimble_contacts_assign_tags"
READ_BATCH = 30
"""Contacts read per request (Nimble's limit for ``GET /api/v1/contact?id=...``)."""
DECISIONS = ("changed", "unchanged", "not_found", "failed")


class TagSyncParams(Params):
    """Contacts and the tags to add to and remove from each of them."""

    contact_ids: list[NimbleId] = Field(min_length=1, max_length=10_000, description="The contacts.")
    add: list[str] = Field(default_factory=list, max_length=50, description="Tags to add.")
    remove: list[str] = Field(default_factory=list, max_length=50, description="Tags to remove.")
    concurrency: int = Field(default=4, ge=1, le=16, description="Groups of 30 contacts at once.")

    @field_validator("add", "remove")
    @classmethod
    def _clean(cls, tags: list[str]) -> list[str]:
        cleaned = [t.strip() for t in tags]
        if any(not t for t in cleaned):
            raise ValueError("a tag is empty: remove it from the list")
        return list({fold(t): t for t in reversed(cleaned)}.values())[::-1]  # first spelling of each tag wins

    @model_validator(mode="after")
    def _check(self) -> TagSyncParams:
        if not (self.add or self.remove):
            raise ValueError("nothing to do: give tags to add or to remove")
        both = sorted({fold(t) for t in self.add} & {fold(t) for t in self.remove})
        if both:
            raise ValueError(f"tags {both} are both added and removed: keep each in one list")
        self.contact_ids = list(dict.fromkeys(self.contact_ids))
        return self


def merge_tags(current: Sequence[str], add: Sequence[str], remove: Sequence[str]) -> list[str]:
    """The new tag set: current tags in their order, minus ``remove``, plus the missing of ``add``."""
    dropped = {fold(t) for t in remove}
    kept = [t for t in current if fold(t) not in dropped]
    present = {fold(t) for t in kept}
    return kept + [t for t in add if fold(t) not in present]


def _outcome(contact_id: str, decision: str, explanation: str, **fields: Any) -> dict[str, Any]:
    return {"contact_id": contact_id, "decision": decision, "explanation": explanation, **fields}


def _read(ids: Sequence[str]) -> Steps[dict[str, Mapping[str, Any] | None]]:
    """The records of ``ids`` (None for one that does not exist), 30 per request."""
    try:
        page = yield READ_MANY, {"ids": list(ids)}
        records = {str(r["id"]): r for r in page.result.get("resources", [])}
        return {contact_id: records.get(contact_id) for contact_id in ids}
    except NotFoundError:
        pass  # a server that answers 404 for one unknown id fails the whole group: read them one by one
    found: dict[str, Mapping[str, Any] | None] = {}
    for contact_id in ids:
        try:
            single = yield READ_ONE, {"id": contact_id}
            found[contact_id] = single_record(single.result, "contact", contact_id)
        except NotFoundError:
            found[contact_id] = None
    return found


def _group_steps(params: TagSyncParams, positions: Sequence[int], report: BulkReport) -> Steps[None]:
    ids = [params.contact_ids[p] for p in positions]
    try:
        records = yield from _read(ids)
    except NimbleAPIError as error:
        for position, contact_id in zip(positions, ids, strict=True):
            report.record(
                position,
                _outcome(contact_id, "failed", "Reading the contact failed; nothing changed.", error=error.for_model()),
            )
        return
    for position, contact_id in zip(positions, ids, strict=True):
        record = records[contact_id]
        if record is None:
            report.record(position, _outcome(contact_id, "not_found", "No contact has this id; nothing changed."))
            continue
        current = tag_names(record)
        merged = merge_tags(current, params.add, params.remove)
        added = [t for t in merged if t not in current]
        removed = [t for t in current if t not in merged]
        if not added and not removed:
            report.record(position, _outcome(contact_id, "unchanged", "Already as asked.", tags=current))
            continue
        try:
            yield WRITE, {"id": contact_id, "tags": merged}
        except NimbleAPIError as error:
            report.record(
                position,
                _outcome(
                    contact_id,
                    "failed",
                    "Writing the tags failed; the contact may keep its old tags. Running the sync again is safe.",
                    error=error.for_model(),
                    tags=current,
                ),
            )
            continue
        report.record(
            position,
            _outcome(contact_id, "changed", "Tags updated.", added=added, removed=removed, tags=merged),
        )


def _prepare(context: CallContext, params: TagSyncParams) -> tuple[BulkReport, list[Callable[[], Steps[None]]]]:
    report = BulkReport(len(params.contact_ids), DECISIONS, progress_option(context))
    positions = list(range(len(params.contact_ids)))
    groups = [positions[i : i + READ_BATCH] for i in range(0, len(positions), READ_BATCH)]
    return report, [functools.partial(_group_steps, params, group, report) for group in groups]


def sync_tags(context: CallContext, params: TagSyncParams) -> dict[str, Any]:
    """Sync handler of ``nimble_sync_contact_tags``."""
    report, batches = _prepare(context, params)
    counter = CallCounter()
    run_batches(context, batches, params.concurrency, counter)
    return report.to_dict(counter.value, "contacts")


async def async_sync_tags(context: CallContext, params: TagSyncParams) -> dict[str, Any]:
    """Async handler of ``nimble_sync_contact_tags``."""
    report, batches = _prepare(context, params)
    counter = CallCounter()
    await run_batches_async(context, batches, params.concurrency, counter)
    return report.to_dict(counter.value, "contacts")
