"""Contact records in the sandbox: validation, merge/replace updates and the views Nimble returns.

Records keep ``fields`` in Nimble's read form: field name -> list of ``{value, modifier, label,
field_id[, is_primary]}``. :func:`render_contact` gives ``Contacts.ContactView``,
:func:`short_contact` ``Contacts.ShortContact`` (notes, tasks, drafts).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..readers import parse_timestamp, tag_names
from ._fields import FieldDef, field_id_for, find_field
from ._http import ApiError
from ._index import contacts_with
from ._records import contact_name, employment_values, json_object
from ._state import SandboxState

__all__ = [
    "apply_fields",
    "contact_name",
    "employment_values",
    "new_contact",
    "render_contact",
    "require_name",
    "short_contact",
    "tag_id",
    "tag_objects",
    "validate_fields",
]

Record = dict[str, Any]
AVATAR_BASE = "http://sandbox.nimble.invalid/api/contacts/avatars/"
_BIRTHDAY = re.compile(r"^(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])(/\d{4})?$")
_MONTH_YEAR = re.compile(r"^(0[1-9]|1[0-2])/(\d{4})$")
_DOMAIN = re.compile(r"^(?!-)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63}){1,2}$", re.IGNORECASE)


def validate_fields(
    state: SandboxState, record_type: str, fields: Any, *, contact_id: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Check a write-form fields map; raise a 409 with per-field errors like Nimble's.

    Returns the map keyed by each field's canonical name, values as ``{value, modifier[, is_primary]}``.
    """
    if not isinstance(fields, Mapping):
        raise ApiError.validation("fields must be an object", {"fields": {"message": "must be an object"}})
    errors: dict[str, list[dict[str, Any]]] = {}
    cleaned: dict[str, list[dict[str, Any]]] = {}
    for raw_name, values in fields.items():
        name = str(raw_name).strip()
        definition = find_field(state, name)
        if definition is None:
            errors[name] = [{"message": f"Unknown field '{name}'", "field_id": None}]
            continue
        if record_type not in definition.record_types:
            message = f"Field '{definition.name}' is not available for {record_type} records"
            errors[definition.name] = [{"message": message, "field_id": definition.field_id}]
            continue
        items = [] if values is None else values if isinstance(values, list) else [values]
        entries: list[dict[str, Any]] = []
        for item in items:
            entry = item if isinstance(item, Mapping) else {"value": item, "modifier": ""}
            problem = _check_value(state, definition, entry, contact_id)
            if problem:
                errors.setdefault(definition.name, []).append({"message": problem, "field_id": definition.field_id})
            else:
                entries.append(dict(entry))
        if not definition.multiples and len([e for e in entries if e.get("value") is not None]) > 1:
            errors.setdefault(definition.name, []).append(
                {"message": f"Field '{definition.name}' holds one value", "field_id": definition.field_id}
            )
        cleaned[definition.name] = entries
    if errors:
        raise ApiError.validation("Validation errors", errors)
    return cleaned


def _check_value(state: SandboxState, definition: FieldDef, item: Mapping[str, Any], contact_id: str | None) -> str:
    value = item.get("value")
    modifier = item.get("modifier") or ""
    if definition.modifiers and modifier and modifier not in definition.modifiers:
        return f"Unknown modifier '{modifier}'; use one of {', '.join(definition.modifiers)}"
    if not definition.modifiers and modifier:
        return f"Field '{definition.name}' has no modifiers"
    if value is None:
        return ""
    if not isinstance(value, str):
        return "Value must be a string"
    if definition.name in ("first name", "last name", "company name") and not value.strip():
        return f"{definition.name} should not be empty"
    return _KIND_CHECKS.get(definition.kind, _no_check)(state, definition, value) or _special(
        state, definition, value, contact_id
    )


def _no_check(state: SandboxState, definition: FieldDef, value: str) -> str:
    return ""


def _check_address(state: SandboxState, definition: FieldDef, value: str) -> str:
    decoded = json_object(value)
    if decoded is None:
        return "address value must be a JSON-encoded object {street, city, state, zip, country}"
    unknown = set(decoded) - {"street", "city", "state", "zip", "country"}
    return f"Unknown address parts: {', '.join(sorted(unknown))}" if unknown else ""


def _check_employment(state: SandboxState, definition: FieldDef, value: str) -> str:
    decoded = json_object(value)
    if decoded is None:
        return "contact employment value must be a JSON-encoded object"
    if not (decoded.get("company_name") or decoded.get("title")):
        return "contact employment needs company_name or title"
    if decoded.get("end_date") and decoded.get("is_present"):
        return "end_date and is_present are mutually exclusive"
    dates = [decoded.get(k) for k in ("start_date", "end_date")]
    if any(d is not None and not (isinstance(d, str) and _MONTH_YEAR.match(d)) for d in dates):
        return "start_date and end_date must be MM/YYYY"
    if dates[0] and dates[1] and _ym(str(dates[0])) >= _ym(str(dates[1])):
        return "start_date must be earlier than end_date"
    return ""


def _ym(value: str) -> tuple[int, int]:
    month, year = value.split("/")
    return int(year), int(month)


def _check_choice(state: SandboxState, definition: FieldDef, value: str) -> str:
    if value not in definition.choice_ids():
        return f"'{value}' is not an option id of '{definition.name}'; use one of {sorted(definition.choice_ids())}"
    return ""


def _check_number(state: SandboxState, definition: FieldDef, value: str) -> str:
    try:
        float(value)
    except ValueError:
        return f"'{value}' is not a number"
    return ""


def _check_datetime(state: SandboxState, definition: FieldDef, value: str) -> str:
    return "" if parse_timestamp(value) is not None else f"'{value}' is not an ISO 8601 date-time"


def _check_boolean(state: SandboxState, definition: FieldDef, value: str) -> str:
    return "" if value in ("true", "false") else "Value must be 'true' or 'false'"


def _check_user(state: SandboxState, definition: FieldDef, value: str) -> str:
    return "" if value in state.users else f"'{value}' is not a user id of this account"


def _check_date(state: SandboxState, definition: FieldDef, value: str) -> str:
    return "" if _BIRTHDAY.match(value) else "Format must be MM/DD/YYYY or MM/DD"


def _check_string(state: SandboxState, definition: FieldDef, value: str) -> str:
    if definition.validation_rule == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        return "Invalid email address"
    if definition.validation_rule == "url" and not re.match(r"^[a-z][a-z0-9+.-]*://\S+$", value, re.IGNORECASE):
        return "Invalid URL"
    return ""


_KIND_CHECKS = {
    "address": _check_address,
    "employment": _check_employment,
    "choice": _check_choice,
    "number": _check_number,
    "datetime": _check_datetime,
    "boolean": _check_boolean,
    "user": _check_user,
    "date": _check_date,
    "string": _check_string,
}


def _special(state: SandboxState, definition: FieldDef, value: str, contact_id: str | None) -> str:
    if definition.name == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        return "Invalid email address"
    if definition.name == "domain":
        if not _DOMAIN.match(value):
            return "Domain must be a bare domain such as nimble.com (no protocol or path)"

        for other in contacts_with(state, "domain", value):
            values = other["fields"].get("domain") or []
            if other["id"] != contact_id and any(v["value"].lower() == value.lower() for v in values):
                return f"Domain {value} already belongs to another company"
    return ""


def _read_form(definition: FieldDef, entry: Mapping[str, Any]) -> dict[str, Any]:
    modifier = entry.get("modifier") or (definition.modifiers[0] if definition.modifiers else "")
    out = {
        "value": entry.get("value"),
        "modifier": modifier,
        "label": definition.name,  # the field's name, as in the spec's contact example ("phone", "URL")
        "field_id": definition.field_id,
    }
    if entry.get("is_primary"):
        out["is_primary"] = True
    return out


def apply_fields(
    state: SandboxState, record: Record, fields: Mapping[str, list[dict[str, Any]]], *, replace: bool
) -> None:
    """Write validated fields.

    With ``replace`` every value of a given field is replaced. Without it (Nimble's default) only the
    given field+modifier pairs change: new values replace the values of their modifier, a null value
    clears its modifier, and the field's other modifiers stay.
    """
    current: dict[str, list[dict[str, Any]]] = record["fields"]
    for name, entries in fields.items():
        definition = find_field(state, name)
        assert definition is not None  # validated before
        new_values = [_read_form(definition, e) for e in entries if e.get("value") is not None]
        if replace or not definition.multiples:
            kept: list[dict[str, Any]] = []
        else:
            touched = {_read_form(definition, e)["modifier"] for e in entries}
            kept = [v for v in current.get(name, []) if v["modifier"] not in touched]
        if any(v.get("is_primary") for v in new_values):
            for value in kept:
                value.pop("is_primary", None)
        merged = kept + new_values
        if merged:
            current[name] = merged
        else:
            current.pop(name, None)


def new_contact(
    state: SandboxState, record_type: str, fields: Mapping[str, list[dict[str, Any]]], **extra: Any
) -> Record:
    """Create and store a contact (fields already validated)."""
    me = state.me
    now = state.contact_timestamp()
    contact_id = extra.get("contact_id") or state.new_id()
    record: Record = {
        "id": contact_id,
        "record_type": record_type,
        "object_type": "contact",
        "fields": {},
        "owner_id": extra.get("owner_id", me["user_id"]),
        "privacy": extra.get("privacy") or {"read": None, "edit": None},
        "avatar_url": extra.get("avatar_url") or AVATAR_BASE + contact_id,
        "tags": list(extra.get("tags", [])),
        "created": now,
        "updated": now,
        "creator": me["name"],
        "updater": me["name"],
        "last_contacted": None,
        "company_last_contacted": {"in": None, "out": None},
        "is_important": False,
        "reminder": None,
        "notice": None,
        "stages_info": [],
        "file_ids": list(extra.get("file_ids", [])),
    }
    apply_fields(state, record, fields, replace=True)
    require_name(record)
    state.table("contacts")[record["id"]] = record
    return record


def require_name(record: Mapping[str, Any]) -> None:
    """A person needs a first or last name, a company a company name (409 otherwise)."""
    fields = record["fields"]
    # Like the spec's example ("Handling Errors"), the error names the field's id.
    if record["record_type"] == "company":
        if not fields.get("company name"):
            message = "Company name is required for company"
            raise ApiError.validation(
                "Validation errors", {"company name": [{"message": message, "field_id": field_id_for("company name")}]}
            )
    elif not (fields.get("first name") or fields.get("last name")):
        message = "First name or last name field is required for person and should not be empty"
        raise ApiError.validation(
            "Validation errors", {"first name": [{"message": message, "field_id": field_id_for("first name")}]}
        )


def _company_named(state: SandboxState, name: str) -> Record | None:

    wanted = name.lower()
    found = [r for r in contacts_with(state, "company name", name) if r["record_type"] == "company"]
    return next((r for r in found if contact_name(r).lower() == wanted), None)


def render_contact(
    state: SandboxState,
    record: Mapping[str, Any],
    *,
    only_fields: set[str] | None = None,
    tags: bool = True,
) -> Record:
    """``Contacts.ContactView``: a copy of the record with employers/children resolved."""
    out: Record = json.loads(json.dumps({k: v for k, v in record.items() if k != "file_ids"}))
    if only_fields is not None:
        out["fields"] = {k: v for k, v in out["fields"].items() if k.lower() in only_fields}
    out["tags"] = tag_objects(tag_names(record)) if tags else []
    out["employers_info"] = []
    out["children"] = []
    out["contexts"] = []
    if record["record_type"] == "person":
        for job in employment_values(record):
            company = _company_named(state, str(job.get("company_name", "")))
            if company is not None:
                out["employers_info"].append({"company_name": contact_name(company), "contact_id": company["id"]})
    else:
        name = contact_name(record).lower()

        out["children"] = [
            person["id"]
            for person in contacts_with(state, "company_name", contact_name(record))
            if person["record_type"] == "person"
            and any(str(j.get("company_name", "")).lower() == name for j in employment_values(person))
        ]
    return out


def tag_id(name: str) -> str:
    """A tag's id: 24 hex characters, the same for every spelling of the name (tags ignore case)."""
    return hashlib.sha1(f"tag:{name.casefold()}".encode()).hexdigest()[:24]


def tag_objects(names: Iterable[str]) -> list[Record]:
    """Tags as live Nimble shows them on a contact: ``[{"tag": "csv import", "id": "5049..."}]``.

    The spec's ``ContactView.tags`` schema says strings; its "Contacts details" example and field
    list say objects with ``tag`` and ``id``, and clients tested against live Nimble read ``tag["tag"]``.
    Records keep plain names; only the view has objects.
    """
    return [{"tag": name, "id": tag_id(name)} for name in names]


def short_contact(record: Mapping[str, Any]) -> Record:
    """``Contacts.ShortContact``, the view embedded in notes, tasks and drafts."""
    fields = record.get("fields", {})
    phones = fields.get("phone") or []
    jobs = employment_values(record)
    return {
        "id": record["id"],
        "name": contact_name(record),
        "contact_type": record["record_type"],
        "avatar_url": record.get("avatar_url") or AVATAR_BASE + record["id"],
        "email": [str(e["value"]) for e in fields.get("email", [])],
        "phones": {"label": phones[0]["modifier"], "value": phones[0]["value"]} if phones else None,
        "employment": ({"company_name": jobs[0].get("company_name"), "title": jobs[0].get("title")} if jobs else None),
        "is_viewable": True,
    }


def contacts_by_ids(state: SandboxState, ids: Iterable[str]) -> list[Record]:
    """Stored contacts for ``ids``; a missing one is a 404 ``contact``."""
    table = state.table("contacts")
    out = []
    for contact_id in ids:
        if contact_id not in table:
            raise ApiError.not_found("contact", contact_id)
        out.append(table[contact_id])
    return out
