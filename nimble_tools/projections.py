"""Model-sized records: compact projections of Nimble's large contact, deal and note records.

A Nimble contact in read form carries every field with labels, field ids, privacy, stages and
more: thirty of them fill a context window. Lists shown to a model therefore use a compact form
that keeps what a person would glance at (id, name, company, title, emails, phones, tags, owner,
last contact), and the model gets every field of one record by reading it by id::

    >>> compact_contact(record)
    {'id': '...', 'type': 'person', 'name': 'Ada Lovelace', 'company': 'Analytical Engines',
     'title': 'CTO', 'emails': ['ada.lovelace@engines.example'], 'tags': ['vip', 'customer'], ...}

:func:`compact` recognises a record by its shape, so it works on any operation's items; anything it
does not recognise passes through unchanged. Empty values are left out: they cost tokens and say
nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from .readers import tag_names

__all__ = [
    "COMPACT_HINT",
    "COMPACT_RESOURCES",
    "COMPACT_TAG",
    "compact",
    "compact_contact",
    "compact_deal",
    "compact_note",
    "compact_record",
]

COMPACT_HINT = "List items are compact; read one by id for every field."
"""Appended to the description of list tools whose items are compacted, so the model knows."""

COMPACT_RESOURCES = frozenset({"contacts", "contact_notes", "notes", "deals", "deal_notes"})
"""Resources whose records :func:`compact` knows how to shorten."""

COMPACT_TAG = "compact_items"
"""Operation tag of list tools whose items :func:`compact` shortens: only their descriptions get the hint.

A resource is not enough: ``nimble_contacts_contact_ids`` lists ids and ``nimble_contacts_proceedings``
timeline entries, which pass through unchanged, so telling the model they are compact would mislead it.
"""

_NOTE_PREVIEW = 280
_TAGS = re.compile(r"<[^>]+>")


def _values(fields: Any, name: str) -> list[str]:
    if not isinstance(fields, Mapping):
        return []
    entries = fields.get(name) or []
    return [str(e["value"]) for e in entries if isinstance(e, Mapping) and e.get("value") not in (None, "")]


def _first(fields: Any, name: str) -> str | None:
    values = _values(fields, name)
    return values[0] if values else None


def _employment(fields: Any) -> dict[str, Any]:
    # 'contact employment' values are JSON-encoded strings: {"company_name", "title", "is_present", ...}
    for raw in _values(fields, "contact employment"):
        try:
            job = json.loads(raw)
        except ValueError:
            continue
        if isinstance(job, Mapping):
            return dict(job)
    return {}


def _without_empty(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def compact_contact(record: Mapping[str, Any]) -> dict[str, Any]:
    """The compact form of a contact (person or company)."""
    fields = record.get("fields")
    job = _employment(fields)
    person = " ".join(filter(None, (_first(fields, "first name"), _first(fields, "last name"))))
    employers = record.get("employers_info") or []
    company = job.get("company_name") or next(
        (e.get("company_name") for e in employers if isinstance(e, Mapping)), None
    )
    last = record.get("last_contacted")
    return _without_empty(
        {
            "id": record.get("id"),
            "type": record.get("record_type"),
            "name": person or _first(fields, "company name"),
            "company": company if person else None,
            "title": job.get("title") or _first(fields, "title"),
            "emails": _values(fields, "email"),
            "phones": _values(fields, "phone"),
            "domain": _first(fields, "domain"),
            "tags": tag_names(record),
            "owner_id": record.get("owner_id"),
            "last_contacted": last.get("tstamp") if isinstance(last, Mapping) else last,
            "is_important": record.get("is_important") or None,
        }
    )


def _deal_value(record: Mapping[str, Any], name: str) -> str | None:
    named = record.get("fields_values_with_names") or []
    # Nimble answers a map of field name to values; the spec also prints {field_name, values}
    # entries. Read both, and never fail on a shape it does not know.
    if isinstance(named, Mapping):
        entries: list[Any] = [{"field_name": key, "values": values} for key, values in named.items()]
        if "field_name" in named:
            entries = [named]
    else:
        entries = named if isinstance(named, list) else []
    for entry in entries:
        if isinstance(entry, Mapping) and entry.get("field_name") == name:
            values = entry.get("values") or []
            first = values[0] if isinstance(values, list) and values else None
            return str(first.get("value")) if isinstance(first, Mapping) and first.get("value") is not None else None
    return None


def _person(value: Any) -> Any:
    # Nimble's ShortUserInfo / ShortContact objects: keep a readable name, else the id.
    if isinstance(value, Mapping):
        return value.get("name") or value.get("full_name") or value.get("user_id") or value.get("id")
    return value


def compact_deal(record: Mapping[str, Any]) -> dict[str, Any]:
    """The compact form of a deal."""
    stage = record.get("stage")
    pipeline = record.get("pipeline")
    transitions = record.get("stage_transitions") or []
    # The spec's DealPipelineTransitions is one object per deal; older answers held a list of them.
    if isinstance(transitions, Mapping):
        transitions = [transitions]
    latest = (
        transitions[-1]
        if isinstance(transitions, list) and transitions and isinstance(transitions[-1], Mapping)
        else {}
    )
    steps = latest.get("transitions") or []
    last_step = steps[-1] if steps and isinstance(steps[-1], Mapping) else {}
    contacts = [_person(c.get("contact")) for c in record.get("related_contacts") or [] if isinstance(c, Mapping)]
    return _without_empty(
        {
            "id": record.get("deal_id") or record.get("id"),
            "name": _deal_value(record, "deal_name") or _deal_value(record, "name") or record.get("name"),
            "amount": _deal_value(record, "amount") or record.get("amount"),
            "currency": record.get("currency"),
            "pipeline": _person(pipeline) or latest.get("pipeline_name"),
            "stage": _person(stage) or _person(last_step.get("to_stage")),
            "owner": _person(record.get("owner")),
            "contacts": [c for c in contacts if c],
            "tags": tag_names(record),
            "probability": record.get("final_probability"),
            "updated": record.get("updated"),
        }
    )


def compact_note(record: Mapping[str, Any]) -> dict[str, Any]:
    """The compact form of a contact or deal note: a plain-text preview instead of the HTML body."""
    text = record.get("note_preview") or record.get("note") or record.get("body") or ""
    text = " ".join(_TAGS.sub(" ", str(text)).split())
    if len(text) > _NOTE_PREVIEW:
        text = text[: _NOTE_PREVIEW - 1] + "…"
    contacts = record.get("contact_ids") or [_person(c) for c in record.get("contacts") or []]
    return _without_empty(
        {
            "id": record.get("id") or record.get("note_id"),
            "title": record.get("title"),
            "text": text,
            "contacts": contacts,
            "author": record.get("author_name") or _person(record.get("creator")) or _person(record.get("owner")),
            "created": record.get("created"),
        }
    )


def _is_contact(record: Mapping[str, Any]) -> bool:
    return isinstance(record.get("fields"), Mapping) and record.get("record_type") in ("person", "company")


def _is_deal(record: Mapping[str, Any]) -> bool:
    return "deal_id" in record and ("fields_values" in record or "fields_values_with_names" in record)


def _is_note(record: Mapping[str, Any]) -> bool:
    has_text = "note" in record or "note_preview" in record or ("body" in record and "note_id" in record)
    return has_text and ("id" in record or "note_id" in record)


_PROJECTORS: tuple[tuple[Callable[[Mapping[str, Any]], bool], Callable[[Mapping[str, Any]], dict[str, Any]]], ...] = (
    (_is_contact, compact_contact),
    (_is_deal, compact_deal),
    (_is_note, compact_note),
)


def compact_record(record: Any) -> Any:
    """The compact form of one record when its shape is known; the record unchanged otherwise."""
    if isinstance(record, Mapping):
        for recognises, project in _PROJECTORS:
            if recognises(record):
                return project(record)
        if isinstance(record.get("deals"), list):  # deals grouped by stage or owner
            return {**record, "deals": [compact_record(deal) for deal in record["deals"]]}
    return record


def compact(value: Any) -> Any:
    """Compact every known record in a result: a list of records or a single one."""
    if isinstance(value, list):
        return [compact_record(item) for item in value]
    return compact_record(value)
