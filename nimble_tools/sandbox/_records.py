"""Reading a stored contact record: its display name and decoded values.

The leaves of the sandbox's contact modules: the state keeps records, ``_search`` and ``_index``
read them through these, and ``_contacts`` writes them. Nothing here imports another sandbox module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["contact_name", "employment_values", "json_object"]


def json_object(value: str) -> dict[str, Any] | None:
    """``value`` decoded when it is a JSON object (addresses and employment are stored as JSON text)."""
    try:
        decoded = json.loads(value)
    except (ValueError, RecursionError):
        return None
    return decoded if isinstance(decoded, dict) else None


def contact_name(record: Mapping[str, Any]) -> str:
    """The display name of a contact."""
    fields = record.get("fields", {})

    def first(name: str) -> str:
        values = fields.get(name) or []
        return str(values[0]["value"]) if values else ""

    if record.get("record_type") == "company":
        return first("company name")
    return " ".join(p for p in (first("first name"), first("last name")) if p)


def employment_values(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The decoded ``contact employment`` values of a person."""
    out = []
    for entry in record.get("fields", {}).get("contact employment", []):
        decoded = json_object(str(entry.get("value") or ""))
        if decoded is not None:
            out.append(decoded)
    return out
