"""Deal fields: the field and column catalogues, and each pipeline's custom fields, choices and groups.

Every write answers with the whole deal field catalogue (``{pipelines_tabs, standard_fields}``).
Unlike contact fields, the deletes of fields and choices carry ``preflight_checks`` in a JSON body.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, model_validator

from .._operation import BODY, NimbleId, Operation, Params, RequestSpec, default_encode
from ._deal_shared import FieldSpec, PresentationChange, invalid, position

ChoiceId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class NoParams(Params):
    """No arguments."""


class _PipelinePath(Params):
    pipeline_id: NimbleId = Field(description="Deal pipeline id.")


class _Position(Params):
    insert_after: NimbleId | None = Field(default=None, description="Field or group id to follow.")
    move_to_first: bool = Field(default=False, description="true: place it first instead.")

    def _check_position(self) -> None:
        if self.move_to_first and self.insert_after is not None:
            raise invalid("move_to_first", "give either insert_after or move_to_first, not both")


class CreateFieldParams(_Position, FieldSpec, _PipelinePath):
    group_id: NimbleId | None = Field(default=None, description="Field group to put it in.")

    @model_validator(mode="after")
    def _placement(self) -> CreateFieldParams:
        self._check_position()
        return self


def _encode_create_field(operation: Operation, params: BaseModel) -> RequestSpec:
    assert isinstance(params, CreateFieldParams)
    spec = default_encode(operation, params)
    body = params.to_wire()
    if params.group_id is not None:
        body["group_id"] = params.group_id
    position(params.move_to_first, params.insert_after, body)
    return RequestSpec(spec.method, spec.path, {}, body)


class UpdateFieldParams(_Position, PresentationChange, _PipelinePath):
    id: NimbleId = Field(description="Custom field id.")
    name: str | None = Field(default=None, min_length=1, max_length=50, description="New label.")
    group_id: NimbleId | None = Field(default=None, description="Move it into this field group.")
    remove_from_group: bool = Field(default=False, description="Move it out of its group, onto the tab.")

    @model_validator(mode="after")
    def _rules(self) -> UpdateFieldParams:
        self._check_position()
        self._check_presentation(None)
        if self.remove_from_group and self.group_id is not None:
            raise invalid("remove_from_group", "give either group_id or remove_from_group, not both")
        changes = (self.name, self.group_id, self.insert_after, self.presentation_change())
        if all(c is None for c in changes) and not (self.move_to_first or self.remove_from_group):
            raise invalid("name", "nothing to change: pass name, a presentation setting, group_id or a position")
        return self


def _encode_update_field(operation: Operation, params: BaseModel) -> RequestSpec:
    assert isinstance(params, UpdateFieldParams)
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


class DeleteFieldParams(_PipelinePath):
    id: NimbleId = Field(description="Custom field id.")
    preflight_checks: Annotated[bool, BODY] = Field(
        default=True, description="true (default): refuse while deals hold values in it; false: delete them too."
    )


class _FieldPath(_PipelinePath):
    field_id: NimbleId = Field(description="Choice field id.")


class CreateChoiceParams(_FieldPath):
    option_id: ChoiceId = Field(description="Id for the new option, e.g. 'partner'; deals store it.")
    value: str = Field(min_length=1, max_length=256, description="Label.")
    insert_after: ChoiceId | None = Field(default=None, description="Option id to follow; default last.")
    move_to_first: bool = Field(default=False, description="true: place it first instead.")

    @model_validator(mode="after")
    def _placement(self) -> CreateChoiceParams:
        if self.move_to_first and self.insert_after is not None:
            raise invalid("move_to_first", "give either insert_after or move_to_first, not both")
        return self


def _encode_create_choice(operation: Operation, params: BaseModel) -> RequestSpec:
    assert isinstance(params, CreateChoiceParams)
    spec = default_encode(operation, params)
    body: dict[str, Any] = {"choice": {"id": params.option_id, "value": params.value}}
    position(params.move_to_first, params.insert_after, body)
    return RequestSpec(spec.method, spec.path, {}, body)


class UpdateChoiceParams(_FieldPath):
    id: ChoiceId = Field(description="Option id.")
    value: str | None = Field(default=None, min_length=1, max_length=256, description="New label.")
    insert_after: ChoiceId | None = Field(default=None, description="Move it after this option id.")
    move_to_first: bool = Field(default=False, description="true: move it first.")

    @model_validator(mode="after")
    def _rules(self) -> UpdateChoiceParams:
        if self.move_to_first and self.insert_after is not None:
            raise invalid("move_to_first", "give either insert_after or move_to_first, not both")
        if self.value is None and self.insert_after is None and not self.move_to_first:
            raise invalid("value", "nothing to change: pass value, insert_after or move_to_first")
        return self


def _encode_update_choice(operation: Operation, params: BaseModel) -> RequestSpec:
    assert isinstance(params, UpdateChoiceParams)
    spec = default_encode(operation, params)
    body: dict[str, Any] = {} if params.value is None else {"value": params.value}
    position(params.move_to_first, params.insert_after, body)
    return RequestSpec(spec.method, spec.path, {}, body)


class DeleteChoiceParams(_FieldPath):
    id: ChoiceId = Field(description="Option id.")
    preflight_checks: Annotated[bool, BODY] = Field(
        default=True, description="true (default): refuse while deals use it; false: clear it from them."
    )


class CreateGroupParams(_Position, _PipelinePath):
    group_name: str = Field(min_length=1, max_length=100, description="Group title, e.g. 'Contract'.")
    logo_id: str | None = Field(default=None, max_length=32, description="Icon id; null: the default.")
    fields: list[FieldSpec] = Field(default_factory=list, max_length=50, description="New fields in the group.")

    @model_validator(mode="after")
    def _placement(self) -> CreateGroupParams:
        self._check_position()
        names = [f.name.casefold() for f in self.fields]
        if len(set(names)) != len(names):
            raise invalid("fields", "field names must be unique")
        return self


def _encode_create_group(operation: Operation, params: BaseModel) -> RequestSpec:
    assert isinstance(params, CreateGroupParams)
    spec = default_encode(operation, params)
    body: dict[str, Any] = {"group_name": params.group_name, "fields": [f.to_wire() for f in params.fields]}
    if params.logo_id is not None:
        body["logo_id"] = params.logo_id
    position(params.move_to_first, params.insert_after, body)
    return RequestSpec(spec.method, spec.path, {}, body)


class UpdateGroupParams(_PipelinePath):
    id: NimbleId = Field(description="Field group id.")
    group_name: str | None = Field(default=None, min_length=1, max_length=100, description="New title.")
    logo_id: str | None = Field(default=None, max_length=32, description="New icon id.")
    # Unlike the other moves, this route takes no null insert_after: a group cannot be sent to the top.
    insert_after: NimbleId | None = Field(default=None, description="Move it after this field or group id.")

    @model_validator(mode="after")
    def _rules(self) -> UpdateGroupParams:
        if self.group_name is None and self.logo_id is None and self.insert_after is None:
            raise invalid("group_name", "nothing to change: pass group_name, logo_id or insert_after")
        return self


class GroupIdParams(_PipelinePath):
    id: NimbleId = Field(description="Field group id.")


CATALOGUE = "Returns the deal field catalogue."

OPERATIONS = (
    Operation(
        name="list_all_nimble_deal_fields",
        description=(
            "List deal fields: the standard ones and each pipeline's custom fields (pipelines_tabs: field_id, "
            "type, choice ids), the ids for a deal's fields argument."
        ),
        params=NoParams,
        resource="deal_fields",
        method="GET",
        path="/api/v2/deals/fields",
        read_only=True,
        idempotent=True,
    ),
    Operation(
        name="list_all_nimble_deal_column_catalogue",
        description=(
            "List the columns of the deals listing: label, JSON path, sortable, and search_field.search_name, "
            "the field name for deal search queries."
        ),
        params=NoParams,
        resource="deal_fields",
        method="GET",
        path="/api/v2/deals/column_catalogue",
        read_only=True,
        idempotent=True,
    ),
    Operation(
        name="create_a_nimble_deal_pipeline_field",
        description=("Add a custom field to a deal pipeline. " + CATALOGUE),
        params=CreateFieldParams,
        resource="deal_fields",
        method="POST",
        path="/api/v2/deals/pipelines/{pipeline_id}/fields",
        encode=_encode_create_field,
    ),
    Operation(
        name="update_a_nimble_deal_pipeline_field_by_id",
        description=(
            "Rename a deal pipeline custom field, change how its numbers or dates show, or move it (into or out of "
            "a group, or to a position). Its type is fixed. " + CATALOGUE
        ),
        params=UpdateFieldParams,
        resource="deal_fields",
        method="PUT",
        path="/api/v2/deals/pipelines/{pipeline_id}/fields/{id}",
        idempotent=True,
        encode=_encode_update_field,
    ),
    Operation(
        name="delete_a_nimble_deal_pipeline_field_by_id",
        description=("Permanently delete a custom field of a deal pipeline (see preflight_checks for its values)."),
        params=DeleteFieldParams,
        resource="deal_fields",
        method="DELETE",
        path="/api/v2/deals/pipelines/{pipeline_id}/fields/{id}",
        destructive=True,
        idempotent=True,
    ),
    Operation(
        name="create_a_nimble_deal_pipeline_choice",
        description="Add an option to a choice field of a deal pipeline. " + CATALOGUE,
        params=CreateChoiceParams,
        resource="deal_fields",
        method="POST",
        path="/api/v2/deals/pipelines/{pipeline_id}/fields/{field_id}/choices",
        encode=_encode_create_choice,
    ),
    Operation(
        name="update_a_nimble_deal_pipeline_choice_by_id",
        description="Rename or move an option of a deal pipeline choice field. " + CATALOGUE,
        params=UpdateChoiceParams,
        resource="deal_fields",
        method="PUT",
        path="/api/v2/deals/pipelines/{pipeline_id}/fields/{field_id}/choices/{id}",
        idempotent=True,
        encode=_encode_update_choice,
    ),
    Operation(
        name="delete_a_nimble_deal_pipeline_choice_by_id",
        description=(
            "Permanently remove an option from a deal pipeline choice field (see preflight_checks for deals using it)."
        ),
        params=DeleteChoiceParams,
        resource="deal_fields",
        method="DELETE",
        path="/api/v2/deals/pipelines/{pipeline_id}/fields/{field_id}/choices/{id}",
        destructive=True,
        idempotent=True,
    ),
    Operation(
        name="create_a_nimble_deal_pipeline_fields_group",
        description="Create a group of custom fields in a deal pipeline, optionally with new fields. " + CATALOGUE,
        params=CreateGroupParams,
        resource="deal_fields",
        method="POST",
        path="/api/v2/deals/pipelines/{pipeline_id}/groups",
        encode=_encode_create_group,
    ),
    Operation(
        name="update_a_nimble_deal_pipeline_fields_group_by_id",
        description="Rename a deal pipeline field group, change its icon, or move it. " + CATALOGUE,
        params=UpdateGroupParams,
        resource="deal_fields",
        method="PUT",
        path="/api/v2/deals/pipelines/{pipeline_id}/groups/{id}",
        idempotent=True,
    ),
    Operation(
        name="delete_a_nimble_deal_pipeline_fields_group_by_id",
        description=(
            "Delete a field group of a deal pipeline. What happens to its fields is undocumented: move them out "
            "first (update_a_nimble_deal_pipeline_field_by_id, remove_from_group)."
        ),
        params=GroupIdParams,
        resource="deal_fields",
        method="DELETE",
        path="/api/v2/deals/pipelines/{pipeline_id}/groups/{id}",
        destructive=True,
        idempotent=True,
    ),
)
