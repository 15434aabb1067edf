"""Deal pipelines in the sandbox: stages, lost reasons and each pipeline's tab of custom fields.

Pipelines are stored in table ``deal_pipelines`` already in Nimble's ``Pipeline.DealsPipeline``
shape. Every pipeline ends with two final stages, ``Won`` and ``Lost``: the API has no way to set a
stage's role, so Nimble must create them itself, and so does the sandbox. New stages go before them.

Custom fields live in the pipeline's one tab (``tabs[0].members``): a member is a field
``{type: "field", field: {...}, pipeline_id}`` or a group ``{type: "group", group_id, group_name,
logo_id, fields: [field members]}``, as in ``Deals.DealPipelineFieldsTab``. Field records carry
``presentation`` and, for choice fields, ``possible_values`` besides the documented keys, because a
client needs both to write valid values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

from ._http import ApiError
from ._state import SandboxState
from ._users import MANAGE_PIPELINES, require_permission, short_user_of

__all__ = [
    "FIELD_KINDS",
    "LOST",
    "OPEN",
    "STANDARD_FIELDS",
    "TABLE",
    "WON",
    "check_field_spec",
    "check_presentation",
    "custom_fields",
    "deal_field_id",
    "fields_metadata",
    "find_group",
    "find_member",
    "find_stage",
    "get_pipeline",
    "insert_member",
    "iter_fields",
    "member_id",
    "members_of",
    "new_deal_pipeline",
    "new_field_member",
    "new_group_member",
    "new_stage",
    "require_manager",
    "stage_by_role",
]

TABLE = "deal_pipelines"
OPEN, WON, LOST = "in_progress", "won", "lost"
FIELD_KINDS = ("string", "long_string", "choice", "number", "datetime", "boolean", "address", "user")
NUMBER_TYPES = ("integer", "decimal", "percentage", "financial")

Record = dict[str, Any]

# name, field_type, read-only. Nimble's standard deal fields (Deals.CreateDealRequest.fields_values).
STANDARD_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("name", "string", False),
    ("probability", "number", False),
    ("description", "long_string", False),
    ("amount", "number", False),
    ("expected_close_date", "datetime", False),
    ("actual_close_date", "datetime", True),
)


def deal_field_id(name: str) -> str:
    """A stable 24-hex id for a standard deal field, the same in every sandbox."""
    return hashlib.sha1(f"deal-field:{name}".encode()).hexdigest()[:24]


def require_manager(user: Mapping[str, Any] | None) -> None:
    """403 ``{message}`` unless the user may manage deal pipelines."""
    require_permission(dict(user) if user else None, MANAGE_PIPELINES, "You don't have permission to manage pipelines")


def get_pipeline(state: SandboxState, pipeline_id: str) -> Record:
    """A stored pipeline, or 404 ``{object_type: "pipeline", object_id}``."""
    pipeline = state.table(TABLE).get(pipeline_id)
    if pipeline is None:
        raise ApiError.not_found("pipeline", pipeline_id)
    return pipeline


def find_stage(pipeline: Mapping[str, Any], stage_id: str | None) -> Record | None:
    """The stage of ``pipeline`` with ``stage_id``, or None."""
    return next((s for s in pipeline["stages"] if s["stage_id"] == stage_id), None)


def stage_by_role(pipeline: Mapping[str, Any], role: str) -> Record | None:
    """The pipeline's final stage with ``role`` (``won`` or ``lost``)."""
    return next((s for s in pipeline["stages"] if s["role"]["name"] == role), None)


def new_stage(state: SandboxState, pipeline_id: str, spec: Mapping[str, Any], *, role: str = OPEN) -> Record:
    """A stage record from a ``CreateDealStageRequest``-like mapping (409 on bad values)."""
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError.validation("Stage name is required", {"name": {"message": "Pass a non-empty stage name"}})
    expected_days = _number(spec.get("expected_days", 0), "expected_days", 0, None)
    probability = spec.get("default_probability")
    if probability is not None:
        probability = _number(probability, "default_probability", 0, 100)
    now = state.timestamp()
    return {
        "stage_id": state.new_id(),
        "pipeline_id": pipeline_id,
        "name": name.strip(),
        "description": spec.get("description") or "",
        "expected_days": int(expected_days or 0),
        "default_probability": None if probability is None else int(probability),
        "role": {"name": role, "is_final": role != OPEN},
        "archived_at": None,
        "created": now,
        "updated": now,
        "creator": short_user_of(state, state.me_id),
    }


def new_deal_pipeline(state: SandboxState, body: Mapping[str, Any], *, is_default: bool = False) -> Record:
    """Validate a ``CreateDealsPipelineRequest`` and store the pipeline (Won and Lost stages added)."""
    missing = [
        key
        for key in ("name", "description", "color", "lost_reasons", "stages", "fields_tab_members", "default_currency")
        if key not in body
    ]
    if missing:
        raise ApiError.validation(
            f"missing required properties: {missing}", {"/": {"message": f"missing required properties: {missing}"}}
        )
    name = body["name"]
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
        raise ApiError.validation("Invalid pipeline name", {"name": {"message": "1 to 200 characters"}})
    currency = _currency(body["default_currency"], "default_currency")
    reasons = body["lost_reasons"]
    if not isinstance(reasons, list) or not all(isinstance(r, str) and 0 < len(r) <= 256 for r in reasons):
        raise ApiError.validation("Invalid lost reasons", {"lost_reasons": {"message": "a list of 1-256 char texts"}})
    if not isinstance(body["stages"], list) or not isinstance(body["fields_tab_members"], list):
        raise ApiError.validation(
            "stages and fields_tab_members must be lists", {"stages": {"message": "must be a list"}}
        )
    if any(p["name"].casefold() == name.strip().casefold() for p in state.table(TABLE).values()):
        raise ApiError.validation("Pipeline name is taken", {"name": {"message": f"A pipeline named {name!r} exists"}})
    pipeline_id = state.new_id()
    stages = [new_stage(state, pipeline_id, spec if isinstance(spec, Mapping) else {}) for spec in body["stages"]]
    stages.append(new_stage(state, pipeline_id, {"name": "Won", "default_probability": 100}, role=WON))
    stages.append(new_stage(state, pipeline_id, {"name": "Lost", "default_probability": 0}, role=LOST))
    now = state.timestamp()
    pipeline: Record = {
        "pipeline_id": pipeline_id,
        "name": name.strip(),
        "description": body["description"],
        "color": str(body["color"]),
        "creator": short_user_of(state, state.me_id),
        "created": now,
        "updated": now,
        "archived_at": None,
        "stages": stages,
        "lost_reasons": [{"id": state.new_id(), "text": text} for text in reasons],
        "is_default": is_default,
        "default_currency": currency,
        "tabs": [{"tab_id": state.new_id(), "tab_name": "Deal details", "pipeline_id": pipeline_id, "members": []}],
    }
    members = pipeline["tabs"][0]["members"]
    for spec in body["fields_tab_members"]:
        if not isinstance(spec, Mapping):
            raise ApiError.validation("Invalid tab member", {"fields_tab_members": {"message": "objects only"}})
        if "group_name" in spec:
            members.append(new_group_member(state, pipeline, spec))
        else:
            members.append(new_field_member(state, pipeline, spec))
    state.table(TABLE)[pipeline_id] = pipeline
    return pipeline


# --- custom fields -------------------------------------------------------------------------------


def check_field_spec(field_type: Any, presentation: Any) -> tuple[Record, Record | None]:
    """Validate ``field_type`` and ``presentation`` of a new field (409 naming what is wrong)."""
    if not isinstance(field_type, Mapping) or field_type.get("field_kind") not in FIELD_KINDS:
        raise ApiError.validation(
            "Invalid field_type", {"field_type": {"message": f"field_kind must be one of {', '.join(FIELD_KINDS)}"}}
        )
    kind = field_type["field_kind"]
    clean: Record = {"field_kind": kind}
    if kind == "string" and field_type.get("validation_rule") is not None:
        if field_type["validation_rule"] not in ("email", "url"):
            raise ApiError.validation("Invalid rule", {"field_type": {"message": "validation_rule: email or url"}})
        clean["validation_rule"] = field_type["validation_rule"]
    if kind == "choice":
        clean["values"] = _possible_values(field_type.get("values"))
    return clean, check_presentation(kind, presentation)


def check_presentation(kind: str, presentation: Any) -> Record | None:
    """The presentation a field of ``kind`` needs (numbers and dates); others take none."""
    if kind == "number":
        if not isinstance(presentation, Mapping) or presentation.get("number_type") not in NUMBER_TYPES:
            raise ApiError.validation(
                "Number fields need a presentation",
                {"presentation": {"message": f"number_type must be one of {', '.join(NUMBER_TYPES)}"}},
            )
        out: Record = {"number_type": presentation["number_type"]}
        if presentation["number_type"] in ("decimal", "percentage"):
            digits = presentation.get("fraction_digits")
            if not isinstance(digits, int) or isinstance(digits, bool) or digits < 1:
                raise ApiError.validation(
                    "fraction_digits is required", {"presentation": {"message": "fraction_digits >= 1"}}
                )
            out["fraction_digits"] = digits
        if presentation["number_type"] == "financial":
            out["currency"] = presentation.get("currency")
        return out
    if kind == "datetime":
        if not isinstance(presentation, Mapping) or "date_format" not in presentation:
            raise ApiError.validation(
                "Date fields need a presentation",
                {"presentation": {"message": "{date_format, ignore_specific_time} is required"}},
            )
        date_format, ignore = presentation.get("date_format"), presentation.get("ignore_specific_time")
        if date_format is not None and ignore is not None:
            raise ApiError.validation(
                "ignore_specific_time must be null with a date_format",
                {"presentation": {"message": "ignore_specific_time must be null when date_format is set"}},
            )
        return {"date_format": date_format, "ignore_specific_time": ignore}
    if presentation not in (None, {}):
        raise ApiError.validation(
            f"{kind} fields take no presentation", {"presentation": {"message": "send null for this field kind"}}
        )
    return None


def new_field_member(state: SandboxState, pipeline: Mapping[str, Any], spec: Mapping[str, Any]) -> Record:
    """A field member from a ``CreateDealsPipelineFieldRequest`` (not yet inserted)."""
    for key in ("name", "field_type", "presentation"):
        if key not in spec:
            raise ApiError.validation(f"{key} is required", {key: {"message": "required"}})
    name = spec["name"]
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 50:
        raise ApiError.validation("Invalid field name", {"name": {"message": "1 to 50 characters"}})
    if any(f["field_name"].casefold() == name.strip().casefold() for f in custom_fields(pipeline).values()):
        raise ApiError.not_acceptable(f"A field named {name!r} already exists in this pipeline", "field_name_exists")
    field_type, presentation = check_field_spec(spec["field_type"], spec["presentation"])
    field: Record = {
        "field_id": state.new_id(),
        "field_name": name.strip(),
        "field_type": field_type["field_kind"],
        "modifier": "",
        "multiples": False,
        "available_actions": "edit_all",
        "presentation": presentation,
    }
    if "validation_rule" in field_type:
        field["validation_rule"] = field_type["validation_rule"]
    if "values" in field_type:
        field["possible_values"] = field_type["values"]
    return {"type": "field", "field": field, "pipeline_id": pipeline["pipeline_id"]}


def new_group_member(state: SandboxState, pipeline: Record, spec: Mapping[str, Any]) -> Record:
    """A group member from a ``CreateDealsPipelineGroupRequest`` (its new fields included)."""
    name = spec.get("group_name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError.validation("group_name is required", {"group_name": {"message": "Pass a group name"}})
    group: Record = {
        "type": "group",
        "group_id": state.new_id(),
        "group_name": name.strip(),
        "logo_id": str(spec.get("logo_id") or "1"),
        "fields": [],
    }
    taken: set[str] = set()
    for field_spec in spec.get("fields") or []:
        if not isinstance(field_spec, Mapping):
            raise ApiError.validation("Invalid field", {"fields": {"message": "objects only"}})
        member = new_field_member(state, pipeline, field_spec)
        name = member["field"]["field_name"].casefold()
        if name in taken:
            raise ApiError.not_acceptable(f"The group lists a field named {name!r} twice", "field_name_exists")
        taken.add(name)
        group["fields"].append(member)
    return group


def _possible_values(raw: Any) -> Record:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("values"), list) or not raw["values"]:
        raise ApiError.validation(
            "Choice fields need choices",
            {"field_type": {"message": "values.values must list at least one {id, value}"}},
        )
    ordering = raw.get("ordering_type", "ordinal")
    if ordering not in ("ordinal", "alphabetic"):
        raise ApiError.validation("Invalid ordering", {"field_type": {"message": "ordering_type: ordinal|alphabetic"}})
    seen: set[str] = set()
    values = []
    for item in raw["values"]:
        if not isinstance(item, Mapping) or not item.get("id") or not isinstance(item.get("value"), str):
            raise ApiError.validation("Invalid choice", {"field_type": {"message": "each choice needs id and value"}})
        if str(item["id"]) in seen:
            raise ApiError.validation("Duplicate choice id", {"field_type": {"message": f"id {item['id']!r} twice"}})
        seen.add(str(item["id"]))
        values.append({"id": str(item["id"]), "value": item["value"]})
    return {"ordering_type": ordering, "values": values}


def members_of(pipeline: Mapping[str, Any]) -> list[Record]:
    """The top-level members of the pipeline's fields tab."""
    members: list[Record] = pipeline["tabs"][0]["members"]
    return members


def iter_fields(pipeline: Mapping[str, Any]) -> Iterator[tuple[list[Record], Record]]:
    """Every field member with the list that holds it (the tab or a group)."""
    for member in members_of(pipeline):
        if member["type"] == "group":
            for inner in member["fields"]:
                yield member["fields"], inner
        else:
            yield members_of(pipeline), member


def custom_fields(pipeline: Mapping[str, Any]) -> dict[str, Record]:
    """The pipeline's custom field records by field id."""
    return {member["field"]["field_id"]: member["field"] for _, member in iter_fields(pipeline)}


def find_member(pipeline: Mapping[str, Any], field_id: str) -> tuple[list[Record], Record] | None:
    """The field member with ``field_id`` and its container, or None."""
    return next(((c, m) for c, m in iter_fields(pipeline) if m["field"]["field_id"] == field_id), None)


def find_group(pipeline: Mapping[str, Any], group_id: str) -> Record | None:
    """The group member with ``group_id``, or None."""
    return next((m for m in members_of(pipeline) if m["type"] == "group" and m["group_id"] == group_id), None)


def member_id(member: Mapping[str, Any]) -> str:
    """The id a sibling uses in ``insert_after``: a field's ``field_id`` or a group's ``group_id``."""
    return str(member["group_id"] if member["type"] == "group" else member["field"]["field_id"])


def insert_member(
    container: list[Record], member: Record, body: Mapping[str, Any], *, key: str = "insert_after"
) -> None:
    """Insert ``member``: after the sibling named by ``body[key]``, first when it is null, else last."""
    if key not in body:
        container.append(member)
        return
    after = body[key]
    if after is None:
        container.insert(0, member)
        return
    ids = [member_id(m) for m in container]
    if after not in ids:
        raise ApiError.validation(
            "insert_after is not a sibling", {key: {"message": f"No field or group {after!r} at this level"}}
        )
    container.insert(ids.index(after) + 1, member)


def fields_metadata(state: SandboxState) -> Record:
    """``Deals.DealFieldsMetadata``: the standard fields and every pipeline's tab."""
    standard = [
        {
            "field_id": deal_field_id(name),
            "field_name": name,
            "field_type": kind,
            "modifier": "",
            "multiples": False,
            "available_actions": "view_only" if read_only else "edit_all",
        }
        for name, kind, read_only in STANDARD_FIELDS
    ]
    tabs = [tab for pipeline in state.table(TABLE).values() for tab in pipeline["tabs"]]
    return {"pipelines_tabs": tabs, "standard_fields": standard}


def _number(raw: Any, name: str, low: float, high: float | None) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < low or (high is not None and raw > high):
        bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise ApiError.validation(f"Invalid {name}", {name: {"message": f"must be a number {bounds}"}})
    return float(raw)


def _currency(raw: Any, name: str) -> str:
    if not isinstance(raw, str) or len(raw) != 3 or not raw.isalpha():
        raise ApiError.validation(f"Invalid {name}", {name: {"message": "an ISO-4217 code such as USD"}})
    return raw.upper()
