"""Previews of the catalog's destructive calls: what would go, counted, before a person says yes.

Each reads Nimble through ``context.call`` (steps of the held call, never held themselves) and
returns a :class:`~nimble_tools.confirmation.Preview`. Mass and cascading deletes also name the
records they counted (``matched``), so a confirmation token stays bound to exactly those.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..confirmation import Preview, digest_of
from ..readers import single_record, tag_names

if TYPE_CHECKING:
    from .._toolkit import CallContext

__all__ = ["assign_tags_preview", "bulk_delete_preview", "pipeline_delete_preview", "replace_update_preview"]

MAX_COUNTED = 10_000
"""Most record ids a preview reads to bind a token to them; beyond, the count and the first ones bind it."""
_PAGE = 100


def bulk_delete_preview(context: CallContext) -> Preview:
    """``nimble_contacts_bulk``: how many contacts match, and which."""
    arguments = context.params.model_dump(exclude_none=True)
    filters: dict[str, Any] = {k: arguments[k] for k in ("keyword", "query", "record_type") if k in arguments}
    ids: list[str] = []
    total: int | None = None
    page_arguments: dict[str, Any] = {**filters, "limit": _PAGE}
    while len(ids) < MAX_COUNTED:
        page = context.call("nimble_contacts_contact_ids", page_arguments)
        total = _total(page.raw) if total is None else total
        ids += [str(i) for i in page.result]
        if not page.next_cursor:
            break
        page_arguments["next_cursor"] = page.next_cursor
    count = total if total is not None else len(ids)
    what = "every contact" if not filters else "the contacts matching " + json.dumps(filters, ensure_ascii=False)
    return Preview(
        f"this deletes {what}: {count} contact(s). This cannot be undone.",
        count=count,
        matched=f"{count}:{digest_of(ids)}",
    )


def pipeline_delete_preview(context: CallContext) -> Preview:
    """``delete_a_nimble_deals_pipeline_by_id``: the deals that go with the pipeline."""
    pipeline_id = getattr(context.params, "id", None) or getattr(context.params, "pipeline_id", None)
    pipeline = context.call("get_single_nimble_deals_pipeline_by_id", {"id": pipeline_id}).result
    ids: list[str] = []
    # The board lists active stages only and pages each stage on its own: walk every stage, archived
    # ones included (their deals go too), to the end of its pages. Stage meta carries no deal count
    # (total_new_count counts only deals that entered the stage in the last 3 days).
    for stage in _list(pipeline, "stages"):
        arguments: dict[str, Any] = {"pipeline_id": pipeline_id, "stage_id": stage["stage_id"], "limit": _PAGE}
        while True:
            page = context.call("list_all_nimble_pipeline_deals_by_stages", arguments)
            ids += [str(deal.get("id")) for group in page.result for deal in _list(group, "deals")]
            if not page.next_cursor:
                break
            arguments["next_cursor"] = page.next_cursor
    return Preview(
        f"deleting pipeline {pipeline_id} also deletes all its deals: {len(ids)} deal(s). This cannot be undone.",
        count=len(ids),
        matched=digest_of(ids),
    )


def replace_update_preview(context: CallContext) -> Preview:
    """``update_a_nimble_contact_by_id`` with ``replace=true``: the values it would remove."""
    contact_id = context.params.id  # type: ignore[attr-defined]
    given = context.params.model_dump(by_alias=True, exclude_none=True).get("fields") or {}
    record = single_record(
        context.call("get_single_nimble_contact_by_id", {"id": contact_id}).result, "contact", contact_id
    )
    current = _values(record)
    lost = [f"{name}: {value}" for name in given for value in current.get(name, []) if value not in _given(given[name])]
    removed = "; ".join(lost[:10]) + ("; ..." if len(lost) > 10 else "") if lost else "none of its current values"
    return Preview(
        f"this replaces every value of {', '.join(given) or 'no field'} on contact {contact_id}: values not in the "
        f"call are removed ({removed}). This cannot be undone.",
        count=len(lost),
    )


def assign_tags_preview(context: CallContext) -> Preview:
    """``nimble_contacts_assign_tags``: the tags the new set would drop."""
    contact_id = context.params.id  # type: ignore[attr-defined]
    wanted = list(context.params.tags)  # type: ignore[attr-defined]
    record = single_record(
        context.call("get_single_nimble_contact_by_id", {"id": contact_id}).result, "contact", contact_id
    )
    current = tag_names(record)
    dropped = [tag for tag in current if tag not in wanted]
    if not dropped:
        text = f"this sets the tags of contact {contact_id} to {wanted}; it removes none of its current tags."
    else:
        text = (
            f"this sets the tags of contact {contact_id} to {wanted}, removing {dropped}. To add tags, send the "
            "current ones too."
        )
    return Preview(text, count=len(dropped))


def _total(raw: Any) -> int | None:
    meta = raw.get("meta") if isinstance(raw, Mapping) else None
    total = meta.get("total") if isinstance(meta, Mapping) else None
    return total if isinstance(total, int) else None


def _list(raw: Any, key: str) -> list[Any]:
    value = raw.get(key) if isinstance(raw, Mapping) else None
    return value if isinstance(value, list) else []


def _values(record: Any) -> dict[str, list[str]]:
    fields = record.get("fields") if isinstance(record, Mapping) else None
    if not isinstance(fields, Mapping):
        return {}
    return {str(name): [str(v.get("value")) for v in _as_list(values)] for name, values in fields.items()}


def _given(values: Any) -> list[str]:
    return [str(v.get("value")) for v in _as_list(values)]


def _as_list(values: Any) -> list[Mapping[str, Any]]:
    return [v for v in values if isinstance(v, Mapping)] if isinstance(values, list) else []
