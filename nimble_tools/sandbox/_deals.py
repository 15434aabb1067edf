"""Deal records in the sandbox: validation, privacy, stage moves, cascades and the ``DealView`` projection.

A stored deal keeps its values by field id (``values: {field_id: [text, ...]}``), its stage history
as ids (``transitions``) and its files; :func:`public_deal` renders Nimble's ``Deals.DealView`` from
that, resolving names, stages and users at read time so that renames show up everywhere.

Keys of ``fields_values`` may be field ids or standard field names (``name``, ``amount``, ...), as in
the spec's own example; custom fields are addressed by id.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ..readers import parse_timestamp
from ._contacts import short_contact
from ._deal_files import drop_blob
from ._deal_pipelines import (
    OPEN,
    STANDARD_FIELDS,
    custom_fields,
    deal_field_id,
    find_stage,
    get_pipeline,
)
from ._http import ApiError
from ._state import SandboxState
from ._users import PRIVATE_DEALS_EDIT, PRIVATE_DEALS_VIEW, has_permission, short_user_of

__all__ = [
    "AMOUNT",
    "CLOSE_DATE",
    "DESCRIPTION",
    "NAME",
    "NOTES",
    "PROBABILITY",
    "TABLE",
    "TAGS",
    "apply_update",
    "blob_in_use",
    "can_edit",
    "can_read",
    "check_fields_values",
    "create_deal",
    "deal_amount",
    "deal_name",
    "delete_deal",
    "final_probability",
    "load_deal",
    "parse_datetime",
    "public_deal",
    "public_stage",
    "readable_deals",
    "remember_tags",
    "sort_deals",
    "stage_role",
]

TABLE = "deals"
NOTES = "deal_notes"
TAGS = "deal_tags"
Record = dict[str, Any]

_STANDARD_IDS = {name: deal_field_id(name) for name, _, _ in STANDARD_FIELDS}
_STANDARD_BY_ID = {field_id: name for name, field_id in _STANDARD_IDS.items()}
_STANDARD_KINDS = {name: kind for name, kind, _ in STANDARD_FIELDS}
NAME, PROBABILITY, AMOUNT = _STANDARD_IDS["name"], _STANDARD_IDS["probability"], _STANDARD_IDS["amount"]
DESCRIPTION, CLOSE_DATE = _STANDARD_IDS["description"], _STANDARD_IDS["actual_close_date"]


# --- access ----------------------------------------------------------------------------------------


def _principals(privacy: Any, key: str) -> set[str] | None:
    if not isinstance(privacy, Mapping) or privacy.get(key) is None:
        return None  # null: everyone
    return set(privacy[key].get("user_ids") or [])


def can_read(record: Mapping[str, Any], user: Mapping[str, Any]) -> bool:
    """Owners, listed users and holders of "private deals view" may read a private deal."""
    if record["owner_id"] == user["user_id"] or has_permission(dict(user), PRIVATE_DEALS_VIEW):
        return True
    readers, editors = _principals(record["privacy"], "read"), _principals(record["privacy"], "edit")
    if readers is None:
        return True
    return user["user_id"] in readers | (editors or set())


def can_edit(record: Mapping[str, Any], user: Mapping[str, Any]) -> bool:
    """Owners, listed editors and holders of "private deals edit" may change a private deal."""
    if record["owner_id"] == user["user_id"] or has_permission(dict(user), PRIVATE_DEALS_EDIT):
        return True
    editors = _principals(record["privacy"], "edit")
    return editors is None or user["user_id"] in editors


def load_deal(state: SandboxState, deal_id: str, user: Mapping[str, Any], *, edit: bool = False) -> Record:
    """A deal the user may read (or edit): 404 when missing, 403 ``{message}`` when private."""
    record = state.table(TABLE).get(deal_id)
    if record is None:
        raise ApiError.not_found("deal", deal_id)
    if not can_read(record, user) or (edit and not can_edit(record, user)):
        raise ApiError.forbidden("You don't have access to this deal")
    return record


def readable_deals(state: SandboxState, user: Mapping[str, Any]) -> list[Record]:
    """Every deal the user may read, oldest first."""
    return [d for d in state.table(TABLE).values() if can_read(d, user)]


# --- validation ------------------------------------------------------------------------------------


def _fail(field: str, message: str) -> ApiError:
    return ApiError.validation("Validation error", {field: {"message": message}})


def parse_datetime(text: str) -> datetime | None:
    """An ISO-8601 date or date-time (UTC when it has no offset), or None."""
    return parse_timestamp(text)


def _check_value(kind: str, field: Mapping[str, Any], key: str, value: str) -> str:
    if kind == "number":
        try:
            number = float(value)
        except ValueError:
            raise _fail(key, f"{value!r} is not a number") from None
        if not math.isfinite(number):
            raise _fail(key, f"{value!r} is not a number")
        return value
    if kind == "datetime" and parse_datetime(value) is None:
        raise _fail(key, f"Can't parse value {value!r} as DATE-TIME")
    if kind == "boolean" and value not in ("true", "false"):
        raise _fail(key, "boolean values are 'true' or 'false'")
    if kind == "choice":
        options = [c["id"] for c in field.get("possible_values", {}).get("values", [])]
        if value not in options:
            raise _fail(key, f"{value!r} is not a choice id of this field (choices: {', '.join(options)})")
    if kind == "string" and field.get("validation_rule") == "email" and "@" not in value:
        raise _fail(key, f"{value!r} is not an email address")
    if kind == "string" and field.get("validation_rule") == "url" and not value.startswith(("http://", "https://")):
        raise _fail(key, f"{value!r} is not a URL")
    return value


def check_fields_values(state: SandboxState, pipeline: Mapping[str, Any], raw: Any) -> dict[str, list[str]]:
    """Validate a ``fields_values`` map; return values by field id (409 naming the bad field)."""
    if not isinstance(raw, Mapping):
        raise _fail("fields_values", "must be an object {field id or name: [{value}]}")
    custom = custom_fields(pipeline)
    cleaned: dict[str, list[str]] = {}
    for raw_key, entries in raw.items():
        key = str(raw_key)
        field_id = _STANDARD_IDS.get(key, key)
        standard = _STANDARD_BY_ID.get(field_id)
        field: Mapping[str, Any] | None = custom.get(field_id)
        if standard is None and field is None:
            raise _fail(key, "Unknown deal field: use a field id from /api/v2/deals/fields")
        if standard == "actual_close_date":
            raise _fail(key, "actual_close_date is read-only")
        kind = _STANDARD_KINDS[standard] if standard else str(field["field_type"] if field else "string")
        if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
            raise _fail(key, "must be a list of {value} objects")
        if not all(isinstance(e.get("value"), str) for e in entries):
            raise _fail(key, "values are strings")
        values = [str(e["value"]) for e in entries]
        if len(values) > 1:
            raise _fail(key, "this field holds one value")
        if standard == "description" and values and not values[0].strip():
            values = []  # Nimble: "Sending just ' ' (whitespace) removing it"
        cleaned[field_id] = [_check_value(kind, field or {}, key, v) for v in values]
    amount = cleaned.get(AMOUNT)
    if amount and float(amount[0]) < 0:
        raise _fail("amount", "Amount can be only a positive number or 0")
    probability = cleaned.get(PROBABILITY)
    if probability and not 0 <= float(probability[0]) <= 100:
        raise _fail("probability", "Probability is a number from 0 to 100")
    return cleaned


def _check_related(state: SandboxState, body: Mapping[str, Any]) -> None:
    for item in body.get("related_contacts") or []:
        contact_id = item.get("contact_id") if isinstance(item, Mapping) else None
        if contact_id not in state.table("contacts"):
            raise _fail("related_contacts", f"Unknown contact {contact_id!r}")
    for item in body.get("related_external_contacts") or []:
        if not isinstance(item, Mapping) or not isinstance(item.get("contact_info"), str):
            raise _fail("related_external_contacts", "each item needs contact_info (an email, phone, ...)")


def _check_privacy(state: SandboxState, privacy: Any) -> Any:
    if privacy is None:
        return None
    if not isinstance(privacy, Mapping):
        raise _fail("privacy", "must be {read, edit} or null")
    for key in ("read", "edit"):
        principals = privacy.get(key)
        if principals is None:
            continue
        unknown = [u for u in principals.get("user_ids") or [] if u not in state.users]
        if unknown:
            raise _fail(f"privacy.{key}", f"Unknown user ids {unknown}")
    return {"read": privacy.get("read"), "edit": privacy.get("edit")}


def _check_owner(state: SandboxState, owner_id: Any) -> str:
    if not isinstance(owner_id, str) or owner_id not in state.users:
        raise _fail("owner_id", f"Unknown user {owner_id!r}: use a user_id (see /api/v1/myself)")
    return owner_id


def _check_stage(pipeline: Mapping[str, Any], stage_id: Any) -> Record:
    stage = find_stage(pipeline, stage_id)
    if stage is None:
        raise _fail("stage_id", f"Stage {stage_id!r} is not in pipeline '{pipeline['name']}'")
    if stage["archived_at"] is not None:
        raise ApiError.not_acceptable(f"Stage '{stage['name']}' is archived", "stage_archived")
    return stage


def _open_pipeline(state: SandboxState, pipeline_id: Any) -> Record:
    if not isinstance(pipeline_id, str):
        raise _fail("pipeline_id", "required")
    pipeline = get_pipeline(state, pipeline_id)
    if pipeline["archived_at"] is not None:
        raise ApiError.not_acceptable(f"Pipeline '{pipeline['name']}' is archived", "pipeline_archived")
    return pipeline


def _currency(raw: Any, default: str) -> str:
    if raw is None:
        return default
    if not isinstance(raw, str) or len(raw) != 3 or not raw.isalpha():
        raise _fail("currency", "an ISO-4217 code such as USD")
    return raw.upper()


def remember_tags(state: SandboxState, tags: Iterable[str]) -> None:
    """Add tags to the account's deal tag catalogue (``{name, created}``)."""
    catalogue = state.table(TAGS)
    known = {k.casefold() for k in catalogue}
    for tag in tags:
        if tag.casefold() not in known:
            catalogue[tag] = {"name": tag, "created": state.timestamp()}
            known.add(tag.casefold())


def _tags(raw: Any) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(t, str) and t.strip() for t in raw):
        raise _fail("tags", "a list of non-empty tag names")
    seen: dict[str, str] = {}
    for tag in raw:
        seen.setdefault(tag.strip().casefold(), tag.strip())
    return list(seen.values())


# --- create, update, delete ------------------------------------------------------------------------


def create_deal(state: SandboxState, body: Mapping[str, Any], user: Mapping[str, Any]) -> Record:
    """Validate a ``CreateDealRequest`` and store the deal."""
    for key in ("fields_values", "pipeline_id", "stage_id", "owner_id"):
        if key not in body:
            raise _fail(key, "required")
    pipeline = _open_pipeline(state, body["pipeline_id"])
    stage = _check_stage(pipeline, body["stage_id"])
    values = check_fields_values(state, pipeline, body["fields_values"])
    if not values.get(NAME) or not values[NAME][0].strip():
        raise _fail("name", "Deal name is required: put it in fields_values")
    if not values.get(PROBABILITY) and stage["default_probability"] is None:
        raise _fail("probability", "The stage has no default probability: set probability in fields_values")
    _check_related(state, body)
    counters = state.table("counters").setdefault("deals", {"deal_number": 0})
    counters["deal_number"] += 1
    now = state.timestamp()
    record: Record = {
        "deal_id": state.new_id(),
        "deal_number": counters["deal_number"],
        "pipeline_id": pipeline["pipeline_id"],
        "stage_id": stage["stage_id"],
        "owner_id": _check_owner(state, body["owner_id"]),
        "creator_id": user["user_id"],
        "created": now,
        "updated": now,
        "updated_by": user["user_id"],
        "currency": _currency(body.get("currency"), pipeline["default_currency"] or "USD"),
        "privacy": _check_privacy(state, body.get("privacy")),
        "related_contacts": _related(body.get("related_contacts")),
        "related_external_contacts": _external(body.get("related_external_contacts")),
        "values": {k: v for k, v in values.items() if v},
        "tags": _tags(body.get("tags")),
        "transitions": [],
        "stage_entered": now,
        "before_final_stage_id": None,
        "files": [],
    }
    _record_move(state, record, None, stage, user, when=now)
    remember_tags(state, record["tags"])
    state.table(TABLE)[record["deal_id"]] = record
    return record


def apply_update(state: SandboxState, record: Record, body: Mapping[str, Any], user: Mapping[str, Any]) -> None:
    """Apply an ``EditDealRequest``: values merge per field, lists and other keys replace."""
    pipeline = get_pipeline(state, record["pipeline_id"])
    target_pipeline = pipeline
    if "pipeline_id" in body and body["pipeline_id"] != record["pipeline_id"]:
        target_pipeline = _open_pipeline(state, body["pipeline_id"])
        if "stage_id" not in body:
            raise _fail("stage_id", "Moving a deal to another pipeline needs a stage_id of that pipeline")
    elif pipeline["archived_at"] is not None:
        raise ApiError.not_acceptable(f"Pipeline '{pipeline['name']}' is archived", "pipeline_archived")
    stage = _check_stage(target_pipeline, body["stage_id"]) if "stage_id" in body else None
    values = dict(record["values"])
    if "fields_values" in body:
        for field_id, new in check_fields_values(state, target_pipeline, body["fields_values"]).items():
            if new:
                values[field_id] = new
            else:
                values.pop(field_id, None)
        if not values.get(NAME):
            raise _fail("name", "A deal must keep its name; send a new one instead of clearing it")
    if target_pipeline is not pipeline:  # values of the old pipeline's custom fields do not travel
        kept = set(_STANDARD_BY_ID) | set(custom_fields(target_pipeline))
        values = {k: v for k, v in values.items() if k in kept}
    if "owner_id" in body:
        record["owner_id"] = _check_owner(state, body["owner_id"])
    if "currency" in body:
        record["currency"] = _currency(body["currency"], record["currency"])
    if "privacy" in body:
        record["privacy"] = _check_privacy(state, body["privacy"])
    if "related_contacts" in body or "related_external_contacts" in body:
        _check_related(state, body)
    if "related_contacts" in body:
        record["related_contacts"] = _related(body["related_contacts"])
    if "related_external_contacts" in body:
        record["related_external_contacts"] = _external(body["related_external_contacts"])
    if "tags" in body:
        record["tags"] = _tags(body["tags"])
        remember_tags(state, record["tags"])
    record["values"] = values
    now = state.timestamp()
    if stage is not None and stage["stage_id"] != record["stage_id"]:
        previous = find_stage(pipeline, record["stage_id"])
        record["pipeline_id"] = target_pipeline["pipeline_id"]
        _record_move(state, record, previous, stage, user, when=now)
    record["updated"], record["updated_by"] = now, user["user_id"]


def _record_move(
    state: SandboxState,
    record: Record,
    previous: Mapping[str, Any] | None,
    stage: Mapping[str, Any],
    user: Mapping[str, Any],
    *,
    when: str,
) -> None:
    record["transitions"].append(
        {
            "from": previous["stage_id"] if previous else None,
            "to": stage["stage_id"],
            "who": user["user_id"],
            "when": when,
        }
    )
    record["stage_id"], record["stage_entered"] = stage["stage_id"], when
    if stage["role"]["is_final"]:
        record["before_final_stage_id"] = previous["stage_id"] if previous else None
        record["values"][CLOSE_DATE] = [when]
    else:
        record["before_final_stage_id"] = None
        record["values"].pop(CLOSE_DATE, None)


def delete_deal(state: SandboxState, deal_id: str) -> None:
    """Remove a deal with its notes, files and file bytes."""
    record = state.table(TABLE).pop(deal_id)
    for file in record["files"]:
        blob = file.get("blob_id")
        if blob and not blob_in_use(state, blob):
            drop_blob(state, blob)
    notes = state.table(NOTES)
    for note_id in [k for k, n in notes.items() if n["deal_id"] == deal_id]:
        del notes[note_id]


def blob_in_use(state: SandboxState, blob_id: str) -> bool:
    """True while some deal file still refers to the uploaded bytes ``blob_id``."""
    return any(f.get("blob_id") == blob_id for d in state.table(TABLE).values() for f in d["files"])


def _related(raw: Any) -> list[Record]:
    return [{"contact_id": item["contact_id"], "note": item.get("note")} for item in raw or []]


def _external(raw: Any) -> list[Record]:
    return [{"contact_info": item["contact_info"], "note": item.get("note") or ""} for item in raw or []]


# --- reading ---------------------------------------------------------------------------------------


def deal_name(record: Mapping[str, Any]) -> str:
    """The deal's name."""
    values = record["values"].get(NAME) or [""]
    return str(values[0])


def deal_amount(record: Mapping[str, Any]) -> float:
    """The deal's amount (0 when unset)."""
    values = record["values"].get(AMOUNT)
    return float(values[0]) if values else 0.0


def final_probability(record: Mapping[str, Any], stage: Mapping[str, Any] | None) -> int:
    """The deal's own probability, else its stage's default."""
    own = record["values"].get(PROBABILITY)
    if own:
        return round(float(own[0]))
    return int((stage or {}).get("default_probability") or 0)


def public_stage(stage: Mapping[str, Any] | None) -> Record | None:
    """A stage as deals embed it (``Pipeline.DealStage``)."""
    return copy.deepcopy(dict(stage)) if stage is not None else None


def public_deal(state: SandboxState, record: Mapping[str, Any], user: Mapping[str, Any]) -> Record:
    """The deal as Nimble returns it (``Deals.DealView``)."""
    pipeline = state.table("deal_pipelines").get(record["pipeline_id"]) or {"stages": [], "name": "", "color": ""}
    stage = find_stage(pipeline, record["stage_id"])
    custom = custom_fields(pipeline) if "tabs" in pipeline else {}
    names = {**{v: k for k, v in _STANDARD_IDS.items()}, **{k: f["field_name"] for k, f in custom.items()}}
    fields_values = {
        k: [{"value": v, "is_primary": i == 0} for i, v in enumerate(vals)] for k, vals in record["values"].items()
    }
    contacts = state.table("contacts")
    transitions = [
        {
            "from_stage": public_stage(find_stage(pipeline, t["from"])),
            "to_stage": public_stage(find_stage(pipeline, t["to"])),
            "who": short_user_of(state, t["who"]),
            "when": t["when"],
            "notes": t.get("notes"),
        }
        for t in record["transitions"]
        if find_stage(pipeline, t["to"]) is not None
    ]
    created = parse_datetime(record["created"])
    age = (state.now() - created).total_seconds() / 86400 if created else 0
    return {
        "deal_id": record["deal_id"],
        "deal_number": record["deal_number"],
        "creator": short_user_of(state, record["creator_id"]),
        "owner": short_user_of(state, record["owner_id"]),
        "created": record["created"],
        "updated": record["updated"],
        "updated_by": record["updated_by"],
        "is_editable": can_edit(record, user),
        "currency": record["currency"],
        # Unrestricted deals show null principals ("Null if permitted for everyone"), as requests send them.
        "privacy": copy.deepcopy(record["privacy"]) or {"read": None, "edit": None},
        "related_contacts": [
            {
                "contact": short_contact(contacts[item["contact_id"]]),
                "note": item["note"] or "",
                "employments": [],
            }
            for item in record["related_contacts"]
            if item["contact_id"] in contacts
        ],
        "related_external_contacts": copy.deepcopy(record["related_external_contacts"]),
        "fields_values": fields_values,
        "fields_values_with_names": {names.get(k, k): v for k, v in copy.deepcopy(fields_values).items()},
        "stage_transitions": {
            "pipeline_id": record["pipeline_id"],
            "pipeline_color": pipeline["color"],
            "pipeline_name": pipeline["name"],
            "transitions": transitions,
            "before_final_stage": public_stage(find_stage(pipeline, record["before_final_stage_id"])),
        },
        "files": [_public_file(state, f) for f in record["files"]],
        "tags": list(record["tags"]),
        "final_probability": final_probability(record, stage),
        "age_in_days": max(0, math.floor(age)),
    }


def _public_file(state: SandboxState, file: Mapping[str, Any]) -> Record:
    out = {k: copy.deepcopy(v) for k, v in file.items() if k not in ("blob_id", "uploader_id", "token")}
    out["uploader"] = short_user_of(state, file["uploader_id"])
    return out


def stage_role(state: SandboxState, record: Mapping[str, Any]) -> str:
    """The role of the deal's current stage (``in_progress``, ``won`` or ``lost``)."""
    pipeline = state.table("deal_pipelines").get(record["pipeline_id"])
    stage = find_stage(pipeline, record["stage_id"]) if pipeline else None
    return str(stage["role"]["name"]) if stage else OPEN


_SORTABLE = {
    "name": NAME,
    "amount": AMOUNT,
    "probability": PROBABILITY,
    "expected_close_date": _STANDARD_IDS["expected_close_date"],
    "actual_close_date": CLOSE_DATE,
}


def sort_deals(records: list[Record], sort: str | None) -> list[Record]:
    """Order deals by ``field:asc|desc``; a missing or unsortable key is a 409 as in Nimble."""
    if not sort:
        raise ApiError.validation("sort is required", {"sort": {"message": "Pass sort as field:order, e.g. name:asc"}})
    field, _, order = sort.partition(":")
    field = field.strip().lower()
    if order not in ("asc", "desc"):
        raise ApiError.validation(
            "sort order must be asc or desc", {"sort": {"message": "Use field:asc or field:desc"}}
        )
    if field not in _SORTABLE:
        # Nimble refuses created, updated and deal_number here too (reported by client authors).
        raise ApiError.validation(
            f"Field '{field}' can't be used for sorting",
            {"sort": {"message": f"Sortable fields: {', '.join(_SORTABLE)}"}},
        )
    field_id = _SORTABLE[field]
    numeric = field in ("amount", "probability")

    def key(record: Record) -> tuple[int, Any]:
        values = record["values"].get(field_id)
        if not values:
            return (1, 0 if numeric else "")  # deals without the value go last
        return (0, float(values[0]) if numeric else values[0].casefold())

    present = sorted((r for r in records if r["values"].get(field_id)), key=key, reverse=order == "desc")
    return present + sorted((r for r in records if not r["values"].get(field_id)), key=lambda r: r["deal_number"])
