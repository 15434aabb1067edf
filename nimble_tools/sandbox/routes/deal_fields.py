"""Deal fields: the field catalogue, the column catalogue, and each pipeline's custom fields, choices and groups.

Every write answers with the whole field catalogue (``Deals.DealFieldsMetadata``), as Nimble does.
``preflight_checks`` travels in the JSON body of the field and choice deletes: true refuses (406
``{errors: [...]}``) when deals hold values of the field or choice; false deletes and clears them.
A deleted group's fields are kept, moved to the tab where the group was (Nimble does not document
their fate; keeping data is the safe reading).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._deal_pipelines import (
    STANDARD_FIELDS,
    TABLE,
    check_presentation,
    custom_fields,
    deal_field_id,
    fields_metadata,
    find_group,
    find_member,
    insert_member,
    members_of,
    new_field_member,
    new_group_member,
    require_manager,
)
from .._deals import TABLE as DEALS
from .._http import ApiError, Router, SandboxRequest
from .._payload import json_object, user_of

router = Router()

_PRESENTATION = {
    "string": "single-line-text-box",
    "long_string": "multi-line-text-box",
    "choice": "select-box",
    "number": "numeric-general",
    "datetime": "date",
    "boolean": "boolean",
    "address": "address",
    "user": "user",
}
_DATA_TYPE = {"number": "numberlike", "datetime": "datelike"}
_SORTABLE = {"name", "amount", "probability", "expected_close_date", "actual_close_date"}


@router.route("GET", "/api/v2/deals/fields")
def list_fields(request: SandboxRequest) -> Any:
    return fields_metadata(request.st)


def _column(
    column_id: str,
    label: str,
    json_path: str,
    kind: str,
    *,
    search_name: str | None,
    read_only: bool = False,
    standard: bool = True,
    sortable: bool = False,
    possible_values: Any = None,
    presentation: str | None = None,
) -> dict[str, Any]:
    column: dict[str, Any] = {
        "id": column_id,
        "human_readable_name": label,
        "json_path": json_path,
        "value_json_path": None,
        "presentation": {"type": presentation or _PRESENTATION.get(kind, "single-line-text-box")},
        "read_only": read_only,
        "is_standard": standard,
        "sortable": sortable,
    }
    if possible_values is not None:
        column["presentation"]["possible_values"] = possible_values
    if search_name is not None:
        search: dict[str, Any] = {
            "human_readable_name": label,
            "search_name": search_name,
            "data_type": {"type_id": _DATA_TYPE.get(kind, "textlike")},
            "occurrences": ["starts_with"] if kind in ("string", "long_string") else [],
            "frequently_used": standard,
        }
        if possible_values is not None:
            search["possible_values"] = possible_values
        column["search_field"] = search
    return column


@router.route("GET", "/api/v2/deals/column_catalogue")
def column_catalogue(request: SandboxRequest) -> Any:
    search = {
        "name": "name",
        "amount": "amount",
        "probability": "probability",
        "description": "description",
        "expected_close_date": "expected close date",
    }
    standard = [
        _column(
            deal_field_id(name),
            name.replace("_", " ").capitalize(),
            f"$.fields_values_with_names.{name}[*].value",
            kind,
            search_name=search.get(name),
            read_only=read_only,
            sortable=name in _SORTABLE,
        )
        for name, kind, read_only in STANDARD_FIELDS
    ]
    standard += [
        _column("stage", "Stage", "$.stage_transitions.transitions[-1:].to_stage.name", "choice", search_name="stage"),
        _column("pipeline", "Pipeline", "$.stage_transitions.pipeline_name", "choice", search_name="pipeline"),
        _column("owner", "Owner", "$.owner.name", "user", search_name="owner"),
        _column("tags", "Tags", "$.tags[*]", "string", search_name="tag", presentation="tags"),
        _column("created", "Created", "$.created", "datetime", search_name="created", read_only=True),
        _column("updated", "Updated", "$.updated", "datetime", search_name="updated", read_only=True),
        _column("deal_number", "Deal number", "$.deal_number", "number", search_name="deal number", read_only=True),
    ]
    groups = [{"group_id": "deal", "human_readable_name": "Deal", "columns": standard}]
    for pipeline in request.st.table(TABLE).values():
        columns = [
            _column(
                field_id,
                field["field_name"],
                f"$.fields_values['{field_id}'][*].value",
                field["field_type"],
                search_name=field_id,
                standard=False,
                possible_values=field.get("possible_values"),
            )
            for field_id, field in custom_fields(pipeline).items()
        ]
        if columns:
            groups.append(
                {"group_id": pipeline["pipeline_id"], "human_readable_name": pipeline["name"], "columns": columns}
            )
    return groups


# --- custom fields ---------------------------------------------------------------------------------


def _pipeline(request: SandboxRequest) -> dict[str, Any]:
    require_manager(user_of(request))
    pipeline: dict[str, Any] | None = request.st.table(TABLE).get(request.path_params["pipeline_id"])
    if pipeline is None:
        raise ApiError.not_found("pipeline", request.path_params["pipeline_id"])
    return pipeline


def _field(request: SandboxRequest) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    pipeline = _pipeline(request)
    found = find_member(pipeline, request.path_params["field_id"])
    if found is None:
        raise ApiError.not_found("field", request.path_params["field_id"])
    return pipeline, *found


def _container(pipeline: dict[str, Any], group_id: Any) -> list[dict[str, Any]]:
    if group_id is None:
        return members_of(pipeline)
    group = find_group(pipeline, str(group_id))
    if group is None:
        raise ApiError.not_found("group", str(group_id))
    fields: list[dict[str, Any]] = group["fields"]
    return fields


def _preflight(body: Mapping[str, Any]) -> bool:
    value = body.get("preflight_checks", False)
    if not isinstance(value, bool):
        raise ApiError.validation("preflight_checks must be a boolean", {"preflight_checks": {"message": "true/false"}})
    return value


def _users_of(request: SandboxRequest, field_id: str, choice_id: str | None = None) -> list[dict[str, Any]]:
    return [
        d
        for d in request.st.table(DEALS).values()
        if d["values"].get(field_id) and (choice_id is None or choice_id in d["values"][field_id])
    ]


@router.route("POST", "/api/v2/deals/pipelines/{pipeline_id}/fields")
def create_field(request: SandboxRequest) -> Any:
    pipeline = _pipeline(request)
    body = json_object(request)
    container = _container(pipeline, body.get("group_id"))
    insert_member(container, new_field_member(request.st, pipeline, body), body)
    return 201, fields_metadata(request.st)


@router.route("PUT", "/api/v2/deals/pipelines/{pipeline_id}/fields/{field_id}")
def update_field(request: SandboxRequest) -> Any:
    pipeline, container, member = _field(request)
    field = member["field"]
    body = json_object(request)
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 50:
            raise ApiError.validation("Invalid field name", {"name": {"message": "1 to 50 characters"}})
        others = [f for f in custom_fields(pipeline).values() if f is not field]
        if any(f["field_name"].casefold() == name.strip().casefold() for f in others):
            raise ApiError.not_acceptable(
                f"A field named {name!r} already exists in this pipeline", "field_name_exists"
            )
        field["field_name"] = name.strip()
    if "presentation" in body:
        field["presentation"] = check_presentation(field["field_type"], body["presentation"])
    if "group_id" in body or "insert_after" in body:
        target = _container(pipeline, body["group_id"]) if "group_id" in body else container
        container.remove(member)
        insert_member(target, member, body)
    return fields_metadata(request.st)


@router.route("DELETE", "/api/v2/deals/pipelines/{pipeline_id}/fields/{field_id}")
def delete_field(request: SandboxRequest) -> Any:
    _, container, member = _field(request)
    field_id = member["field"]["field_id"]
    used = _users_of(request, field_id)
    if used and _preflight(json_object(request)):
        raise ApiError.preflight(
            "field_in_use",
            f"{len(used)} deals have values in field '{member['field']['field_name']}'",
            len(used),
            {field_id: {"is_empty": False}},
        )
    for deal in used:
        del deal["values"][field_id]
    container.remove(member)
    return None


# --- choices ---------------------------------------------------------------------------------------


def _choices(request: SandboxRequest) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    _, _, member = _field(request)
    field = member["field"]
    if field["field_type"] != "choice":
        raise ApiError.not_acceptable(f"Field '{field['field_name']}' is not a choice field", "not_a_choice_field")
    values: list[dict[str, Any]] = field["possible_values"]["values"]
    return field, values


def _place_choice(values: list[dict[str, Any]], choice: dict[str, Any], body: Mapping[str, Any]) -> None:
    if "insert_after" not in body:
        values.append(choice)
    elif body["insert_after"] is None:
        values.insert(0, choice)
    else:
        ids = [c["id"] for c in values]
        if body["insert_after"] not in ids:
            raise ApiError.validation(
                "Invalid insert_after", {"insert_after": {"message": "a choice id of this field"}}
            )
        values.insert(ids.index(body["insert_after"]) + 1, choice)


def _choice(request: SandboxRequest) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    field, values = _choices(request)
    choice = next((c for c in values if c["id"] == request.path_params["choice_id"]), None)
    if choice is None:
        raise ApiError.not_found("choice", request.path_params["choice_id"])
    return field, values, choice


@router.route("POST", "/api/v2/deals/pipelines/{pipeline_id}/fields/{field_id}/choices")
def create_choice(request: SandboxRequest) -> Any:
    _, values = _choices(request)
    body = json_object(request)
    choice = body.get("choice")
    if not isinstance(choice, Mapping) or not isinstance(choice.get("id"), str) or not choice["id"]:
        raise ApiError.validation("choice is required", {"choice": {"message": "{id, value}"}})
    if not isinstance(choice.get("value"), str) or not choice["value"].strip():
        raise ApiError.validation("choice value is required", {"choice.value": {"message": "the option's label"}})
    if any(c["id"] == choice["id"] for c in values):
        raise ApiError.validation("Duplicate choice id", {"choice.id": {"message": f"{choice['id']!r} exists"}})
    _place_choice(values, {"id": choice["id"], "value": choice["value"].strip()}, body)
    return 201, fields_metadata(request.st)


@router.route("PUT", "/api/v2/deals/pipelines/{pipeline_id}/fields/{field_id}/choices/{choice_id}")
def update_choice(request: SandboxRequest) -> Any:
    _, values, choice = _choice(request)
    body = json_object(request)
    if body.get("value") is not None:
        if not isinstance(body["value"], str) or not body["value"].strip():
            raise ApiError.validation("Invalid value", {"value": {"message": "the option's new label"}})
        choice["value"] = body["value"].strip()
    if "insert_after" in body:
        if body["insert_after"] == choice["id"]:
            raise ApiError.not_acceptable("A choice cannot be placed after itself", "invalid_position")
        values.remove(choice)
        _place_choice(values, choice, body)
    return fields_metadata(request.st)


@router.route("DELETE", "/api/v2/deals/pipelines/{pipeline_id}/fields/{field_id}/choices/{choice_id}")
def delete_choice(request: SandboxRequest) -> Any:
    field, values, choice = _choice(request)
    used = _users_of(request, field["field_id"], choice["id"])
    if used and _preflight(json_object(request)):
        raise ApiError.preflight(
            "choice_in_use",
            f"{len(used)} deals use choice '{choice['value']}'",
            len(used),
            {field["field_id"]: {"is": choice["id"]}},
        )
    for deal in used:
        del deal["values"][field["field_id"]]
    values.remove(choice)
    return None


# --- groups ----------------------------------------------------------------------------------------


def _group(request: SandboxRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    pipeline = _pipeline(request)
    group = find_group(pipeline, request.path_params["group_id"])
    if group is None:
        raise ApiError.not_found("group", request.path_params["group_id"])
    return pipeline, group


@router.route("POST", "/api/v2/deals/pipelines/{pipeline_id}/groups")
def create_group(request: SandboxRequest) -> Any:
    pipeline = _pipeline(request)
    body = json_object(request)
    insert_member(members_of(pipeline), new_group_member(request.st, pipeline, body), body)
    return 201, fields_metadata(request.st)


@router.route("PUT", "/api/v2/deals/pipelines/{pipeline_id}/groups/{group_id}")
def update_group(request: SandboxRequest) -> Any:
    pipeline, group = _group(request)
    body = json_object(request)
    if "group_name" in body:
        if not isinstance(body["group_name"], str) or not body["group_name"].strip():
            raise ApiError.validation("Invalid group_name", {"group_name": {"message": "a non-empty name"}})
        group["group_name"] = body["group_name"].strip()
    if "logo_id" in body:
        group["logo_id"] = str(body["logo_id"])
    if "insert_after" in body:
        members = members_of(pipeline)
        members.remove(group)
        insert_member(members, group, body)
    return fields_metadata(request.st)


@router.route("DELETE", "/api/v2/deals/pipelines/{pipeline_id}/groups/{group_id}")
def delete_group(request: SandboxRequest) -> Any:
    pipeline, group = _group(request)
    members = members_of(pipeline)
    position = members.index(group)
    members[position : position + 1] = group["fields"]
    return None
