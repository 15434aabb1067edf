"""Contact records in the sandbox: creation, validation, field updates and projections.

Records are kept in Nimble's read form: ``fields`` maps a field name to a list of
``{value, modifier, label, field_id}`` objects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._fields import FieldDef, find_field
from ._http import ApiError
from ._state import SandboxState

__all__ = [
    "apply_fields",
    "contact_name",
    "custom_fields",
    "new_contact",
    "public_contact",
    "validate_fields",
]

Record = dict[str, Any]


def custom_fields(state: SandboxState) -> dict[str, FieldDef]:
    """Custom contact fields defined in this sandbox, by lower-cased name."""
    return state.custom_contact_fields


def validate_fields(state: SandboxState, record_type: str, fields: Any) -> dict[str, list[dict[str, Any]]]:
    """Check a write-form fields map; raise a 409 with per-field errors like Nimble's."""
    if not isinstance(fields, Mapping):
        raise ApiError.validation("fields must be an object", {"fields": {"message": "must be an object"}})
    errors: dict[str, list[dict[str, Any]]] = {}
    cleaned: dict[str, list[dict[str, Any]]] = {}
    custom = custom_fields(state)
    for raw_name, values in fields.items():
        name = str(raw_name).strip().lower()
        definition = find_field(name, custom)
        if definition is None:
            errors[name] = [{"message": f"Unknown field '{name}'", "field_id": None}]
            continue
        if record_type not in definition.record_types:
            errors[name] = [
                {
                    "message": f"Field '{name}' is not available for {record_type}",
                    "field_id": definition.field_id,
                }
            ]
            continue
        if values is None:
            cleaned[name] = []
            continue
        if not isinstance(values, list):
            values = [values]
        entries: list[dict[str, Any]] = []
        for item in values:
            problem = _check_value(definition, item)
            if problem:
                errors.setdefault(name, []).append({"message": problem, "field_id": definition.field_id})
                continue
            entries.append(item if isinstance(item, dict) else {"value": item, "modifier": ""})
        if not definition.multiples and len([e for e in entries if e.get("value") is not None]) > 1:
            errors.setdefault(name, []).append({"message": "Field has only one value", "field_id": definition.field_id})
        cleaned[name] = entries
    if errors:
        raise ApiError.validation("Validation error", errors)
    return cleaned


def _check_value(definition: FieldDef, item: Any) -> str | None:
    if not isinstance(item, dict):
        return "Each value must be an object {value, modifier}"
    value = item.get("value")
    modifier = item.get("modifier", "") or ""
    if definition.modifiers and modifier and modifier not in definition.modifiers:
        return f"Unknown modifier '{modifier}'; use one of {', '.join(definition.modifiers)}"
    if value is None:
        return None
    if not isinstance(value, str):
        return "Value must be a string"
    if definition.kind in ("address", "employment"):
        try:
            decoded = json.loads(value)
        except ValueError:
            return f"{definition.name} value must be a JSON-encoded object"
        if not isinstance(decoded, dict):
            return f"{definition.name} value must be a JSON-encoded object"
        if definition.kind == "employment":
            if not (decoded.get("company_name") or decoded.get("title")):
                return "contact employment needs company_name or title"
            if decoded.get("end_date") and decoded.get("is_present"):
                return "end_date and is_present are mutually exclusive"
    if definition.name == "email" and "@" not in value:
        return "Invalid email address"
    return None


def _read_form(state: SandboxState, name: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    definition = find_field(name, custom_fields(state))
    assert definition is not None
    modifier = entry.get("modifier") or (definition.modifiers[0] if definition.modifiers else "")
    out = {
        "value": entry.get("value"),
        "modifier": modifier,
        "label": modifier or name,
        "field_id": definition.field_id,
    }
    if entry.get("is_primary"):
        out["is_primary"] = True
    return out


def apply_fields(
    state: SandboxState, record: Record, fields: Mapping[str, list[dict[str, Any]]], *, replace: bool
) -> None:
    """Write validated fields: with ``replace`` a field's values are all replaced; else per modifier."""
    current: dict[str, list[dict[str, Any]]] = record["fields"]
    for name, entries in fields.items():
        definition = find_field(name, custom_fields(state))
        assert definition is not None
        new_values = [_read_form(state, name, e) for e in entries if e.get("value") is not None]
        cleared = {(e.get("modifier") or "") for e in entries if e.get("value") is None}
        if replace or not definition.multiples:
            kept: list[dict[str, Any]] = []
        else:
            touched = {v["modifier"] for v in new_values} | cleared
            kept = [v for v in current.get(name, []) if v["modifier"] not in touched]
        if not definition.multiples and not new_values and not cleared and not replace:
            kept = current.get(name, [])
        merged = kept + new_values
        if merged:
            current[name] = merged
        else:
            current.pop(name, None)


def contact_name(record: Mapping[str, Any]) -> str:
    """The display name of a contact."""
    fields = record.get("fields", {})

    def first(name: str) -> str:
        values = fields.get(name) or []
        return str(values[0]["value"]) if values else ""

    if record.get("record_type") == "company":
        return first("company name")
    return " ".join(p for p in (first("first name"), first("last name")) if p)


def new_contact(
    state: SandboxState, record_type: str, fields: Mapping[str, list[dict[str, Any]]], **extra: Any
) -> Record:
    """Create and store a contact (fields already validated)."""
    me = state.me
    now = state.timestamp()
    record: Record = {
        "id": state.new_id(),
        "record_type": record_type,
        "object_type": "contact",
        "fields": {},
        "owner_id": extra.get("owner_id", me["user_id"]),
        "privacy": extra.get("privacy"),
        "children": [],
        "employers_info": [],
        "avatar_url": extra.get("avatar_url"),
        "tags": list(extra.get("tags", [])),
        "created": now,
        "updated": now,
        "creator": {"user_id": me["user_id"], "name": me["name"]},
        "updater": {"user_id": me["user_id"], "name": me["name"]},
        "last_contacted": None,
        "company_last_contacted": None,
        "lc": None,
        "last_contacted_user": None,
        "is_important": False,
        "reminder": None,
        "notice": None,
        "stages_info": [],
        "contexts": {},
    }
    apply_fields(state, record, fields, replace=True)
    require_name(record)
    state.table("contacts")[record["id"]] = record
    return record


def require_name(record: Mapping[str, Any]) -> None:
    """A person needs a first or last name, a company a company name (409 otherwise)."""
    fields = record["fields"]
    if record["record_type"] == "company":
        if not fields.get("company name"):
            raise ApiError.validation(
                "Company name is required",
                {"company name": [{"message": "Company must have a name", "field_id": None}]},
            )
    elif not (fields.get("first name") or fields.get("last name")):
        raise ApiError.validation(
            "First name or last name is required",
            {"first name": [{"message": "Person must have a first or last name", "field_id": None}]},
        )


def public_contact(record: Mapping[str, Any], *, only_fields: set[str] | None = None, tags: bool = True) -> Record:
    """A copy of a contact as Nimble returns it, optionally limited to some fields."""
    out: Record = json.loads(json.dumps(record))
    if only_fields is not None:
        out["fields"] = {k: v for k, v in out["fields"].items() if k in only_fields}
    if not tags:
        out.pop("tags", None)
    return out
