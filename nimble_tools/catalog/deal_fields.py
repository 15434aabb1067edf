"""Deal fields: the field and column catalogues, and each pipeline's custom fields, choices and groups.

Every write answers with the whole deal field catalogue (``{pipelines_tabs, standard_fields}``).
Unlike contact fields, the deletes of fields and choices carry ``preflight_checks`` in a JSON body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._operation import Operation, RequestSpec, default_encode
from ._deal_shared import position
from ._examples import ID, ID2

if TYPE_CHECKING:
    from .params.deal_fields import (
        CreateChoiceParams,
        CreateFieldParams,
        CreateGroupParams,
        UpdateChoiceParams,
        UpdateFieldParams,
    )

RESOURCE = "deal_fields"
MODELS = "nimble_tools.catalog.params.deal_fields"


def _encode_create_field(operation: Operation, params: CreateFieldParams) -> RequestSpec:
    spec = default_encode(operation, params)
    body = params.to_wire()
    if params.group_id is not None:
        body["group_id"] = params.group_id
    position(params.move_to_first, params.insert_after, body)
    return RequestSpec(spec.method, spec.path, {}, body)


def _encode_update_field(operation: Operation, params: UpdateFieldParams) -> RequestSpec:
    spec = default_encode(operation, params)
    body: dict[str, Any] = {}
    if params.name is not None:
        body["name"] = params.name
    presentation = params.presentation_change()
    if presentation is not None:
        body["presentation"] = presentation
    if params.remove_from_group:
        body["group_id"] = None  # null means "not in a group"
    elif params.group_id is not None:
        body["group_id"] = params.group_id
    position(params.move_to_first, params.insert_after, body)
    return RequestSpec(spec.method, spec.path, {}, body)


def _encode_create_choice(operation: Operation, params: CreateChoiceParams) -> RequestSpec:
    spec = default_encode(operation, params)
    body: dict[str, Any] = {"choice": {"id": params.option_id, "value": params.value}}
    position(params.move_to_first, params.insert_after, body)
    return RequestSpec(spec.method, spec.path, {}, body)


def _encode_update_choice(operation: Operation, params: UpdateChoiceParams) -> RequestSpec:
    spec = default_encode(operation, params)
    body: dict[str, Any] = {} if params.value is None else {"value": params.value}
    position(params.move_to_first, params.insert_after, body)
    return RequestSpec(spec.method, spec.path, {}, body)


def _encode_create_group(operation: Operation, params: CreateGroupParams) -> RequestSpec:
    spec = default_encode(operation, params)
    body: dict[str, Any] = {"group_name": params.group_name, "fields": [f.to_wire() for f in params.fields]}
    if params.logo_id is not None:
        body["logo_id"] = params.logo_id
    position(params.move_to_first, params.insert_after, body)
    return RequestSpec(spec.method, spec.path, {}, body)


CATALOGUE = "Returns the deal field catalogue."


OPERATIONS = (
    Operation(
        name="list_all_nimble_deal_fields",
        title="List deal fields",
        description=(
            "List deal fields: the standard ones and each pipeline's custom fields (pipelines_tabs: field_id, "
            "type, choice ids), the ids for a deal's fields argument."
        ),
        params=f"{MODELS}:NoParams",
        method="GET",
        path="/api/v2/deals/fields",
        example={},
    ),
    Operation(
        name="list_all_nimble_deal_column_catalogue",
        title="List deal columns",
        description=(
            "List the columns of the deals listing: label, JSON path, sortable, and search_field.search_name, "
            "the field name for deal search queries."
        ),
        params=f"{MODELS}:NoParams",
        method="GET",
        path="/api/v2/deals/column_catalogue",
        example={},
    ),
    Operation(
        name="create_a_nimble_deal_pipeline_field",
        title="Add a custom deal field",
        description=("Add a custom field to a deal pipeline. " + CATALOGUE),
        params=f"{MODELS}:CreateFieldParams",
        method="POST",
        path="/api/v2/deals/pipelines/{pipeline_id}/fields",
        encode=_encode_create_field,
        example={"pipeline_id": ID, "name": "Notes", "field_kind": "long_string"},
    ),
    Operation(
        name="update_a_nimble_deal_pipeline_field_by_id",
        title="Change a custom deal field",
        description=(
            "Rename a deal pipeline custom field, change how its numbers or dates show, or move it (into or out of "
            "a group, or to a position). Its type is fixed. " + CATALOGUE
        ),
        params=f"{MODELS}:UpdateFieldParams",
        method="PUT",
        path="/api/v2/deals/pipelines/{pipeline_id}/fields/{id}",
        encode=_encode_update_field,
        example={"pipeline_id": ID, "id": ID2, "name": "Seats"},
    ),
    Operation(
        name="delete_a_nimble_deal_pipeline_field_by_id",
        title="Delete a custom deal field",
        description=("Permanently delete a custom field of a deal pipeline (see preflight_checks for its values)."),
        params=f"{MODELS}:DeleteFieldParams",
        method="DELETE",
        path="/api/v2/deals/pipelines/{pipeline_id}/fields/{id}",
        example={"pipeline_id": ID, "id": ID2},
    ),
    Operation(
        name="create_a_nimble_deal_pipeline_choice",
        title="Add a choice to a deal field",
        description="Add an option to a choice field of a deal pipeline. " + CATALOGUE,
        params=f"{MODELS}:CreateChoiceParams",
        method="POST",
        path="/api/v2/deals/pipelines/{pipeline_id}/fields/{field_id}/choices",
        encode=_encode_create_choice,
        example={"pipeline_id": ID, "field_id": ID2, "option_id": "web", "value": "Web"},
    ),
    Operation(
        name="update_a_nimble_deal_pipeline_choice_by_id",
        title="Change a deal field choice",
        description="Rename or move an option of a deal pipeline choice field. " + CATALOGUE,
        params=f"{MODELS}:UpdateChoiceParams",
        method="PUT",
        path="/api/v2/deals/pipelines/{pipeline_id}/fields/{field_id}/choices/{id}",
        encode=_encode_update_choice,
        example={"pipeline_id": ID, "field_id": ID2, "id": "web", "value": "Website"},
    ),
    Operation(
        name="delete_a_nimble_deal_pipeline_choice_by_id",
        title="Remove a deal field choice",
        description=(
            "Permanently remove an option from a deal pipeline choice field (see preflight_checks for deals using it)."
        ),
        params=f"{MODELS}:DeleteChoiceParams",
        method="DELETE",
        path="/api/v2/deals/pipelines/{pipeline_id}/fields/{field_id}/choices/{id}",
        example={"pipeline_id": ID, "field_id": ID2, "id": "web"},
    ),
    Operation(
        name="create_a_nimble_deal_pipeline_fields_group",
        title="Add a deal field group",
        description="Create a group of custom fields in a deal pipeline, optionally with new fields. " + CATALOGUE,
        params=f"{MODELS}:CreateGroupParams",
        method="POST",
        path="/api/v2/deals/pipelines/{pipeline_id}/groups",
        encode=_encode_create_group,
        example={"pipeline_id": ID, "group_name": "Contract"},
    ),
    Operation(
        name="update_a_nimble_deal_pipeline_fields_group_by_id",
        title="Change a deal field group",
        description="Rename a deal pipeline field group, change its icon, or move it. " + CATALOGUE,
        params=f"{MODELS}:UpdateGroupParams",
        method="PUT",
        path="/api/v2/deals/pipelines/{pipeline_id}/groups/{id}",
        example={"pipeline_id": ID, "id": ID2, "group_name": "Terms"},
    ),
    Operation(
        name="delete_a_nimble_deal_pipeline_fields_group_by_id",
        title="Delete a deal field group",
        description=(
            "Delete a field group of a deal pipeline. What happens to its fields is undocumented: move them out "
            "first (update_a_nimble_deal_pipeline_field_by_id, remove_from_group)."
        ),
        params=f"{MODELS}:GroupIdParams",
        method="DELETE",
        path="/api/v2/deals/pipelines/{pipeline_id}/groups/{id}",
        example={"pipeline_id": ID, "id": ID2},
    ),
)
