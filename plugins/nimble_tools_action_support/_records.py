"""Reading Nimble contact records: field values, names, employers, a short summary."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

from nimble_tools.readers import tag_names  # re-exported: live Nimble's {tag, id} objects, or strings

__all__ = ["contact_summary", "employers", "field_values", "full_name", "jobs", "plain_text", "tag_names"]

Record = Mapping[str, Any]


def field_values(record: Record, name: str) -> list[str]:
    """The non-empty values of one field (``"email"``, ``"phone"``...) in Nimble's read form."""
    fields = record.get("fields")
    if not isinstance(fields, Mapping):
        return []
    entries = fields.get(name) or []
    return [str(e["value"]) for e in entries if isinstance(e, Mapping) and e.get("value") not in (None, "")]


def full_name(record: Record) -> str:
    """First and last name of a person, or the company name of a company."""
    if record.get("record_type") == "company":
        return " ".join(field_values(record, "company name")[:1])
    return " ".join(field_values(record, "first name")[:1] + field_values(record, "last name")[:1])


def jobs(record: Record) -> list[Mapping[str, Any]]:
    """The person's ``contact employment`` values, decoded (``{company_name, title, ...}``)."""
    found = []
    for raw in field_values(record, "contact employment"):
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if isinstance(value, Mapping):
            found.append(value)
    return found


def employers(record: Record) -> list[str]:
    """Company names from the person's ``contact employment`` values."""
    return [str(job["company_name"]) for job in jobs(record) if job.get("company_name")]


def contact_summary(record: Record) -> dict[str, Any]:
    """A short view of a contact for decision records: id, name, emails, phones, company."""
    companies = employers(record)
    return {
        "id": record.get("id"),
        "name": full_name(record),
        "emails": field_values(record, "email"),
        "phones": field_values(record, "phone"),
        "company": companies[0] if companies else None,
    }


def plain_text(note_html: str) -> str:
    """An HTML note as plain text: tags become spaces, entities are decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", note_html)).split())
