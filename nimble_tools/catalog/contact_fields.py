"""Contact field metadata: list, create, update, delete fields; choice options; primary values."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from .._operation import Operation, RequestSpec, default_encode
from ._examples import ID, ID2
from ._layout_params import LAYOUT_HINT, encode_placement

if TYPE_CHECKING:
    from .params.contact_fields import CreateFieldParams, UpdateChoiceParams, UpdateFieldParams

RESOURCE = "contact_fields"
MODELS = "nimble_tools.catalog.params.contact_fields"


PRESENTATION_KEYS = ("number_type", "fraction_digits", "currency", "date_format", "ignore_specific_time")


def _encode_create_field(operation: Operation, params: CreateFieldParams) -> RequestSpec:
    spec = encode_placement(operation, params, always=("group_id", "insert_after"))
    folded = (*PRESENTATION_KEYS, "field_kind", "choices", "choices_order", "validation")
    body = {k: v for k, v in (spec.json or {}).items() if k not in folded}
    body["field_type"] = params.field_type()
    body["presentation"] = params.presentation(params.field_kind)
    return replace(spec, json=body)


def _encode_update_field(operation: Operation, params: UpdateFieldParams) -> RequestSpec:
    spec = encode_placement(operation, params, flags={"remove_from_group": "group_id", "move_to_first": "insert_after"})
    body = {k: v for k, v in (spec.json or {}).items() if k not in PRESENTATION_KEYS}
    presentation = params.presentation(None)
    if presentation is not None:
        body["presentation"] = presentation
    return replace(spec, json=body)


def _encode_create_choice(operation: Operation, params: BaseModel) -> RequestSpec:
    spec = encode_placement(operation, params, always=("insert_after",))
    body = dict(spec.json or {})
    body.setdefault("id", secrets.token_hex(12))  # Nimble wants the caller to name the option
    return replace(spec, json=body)


def _encode_update_choice(operation: Operation, params: UpdateChoiceParams) -> RequestSpec:
    spec = encode_placement(operation, params, flags={"move_to_first": "insert_after"})
    return replace(spec, json={"id": params.id, **(spec.json or {})})  # the spec wants the id in the body too


def _primary(flag: bool) -> Any:
    def encode(operation: Operation, params: BaseModel) -> RequestSpec:
        spec = default_encode(operation, params)
        return replace(spec, json={**(spec.json or {}), "is_primary": flag})  # listed as required by the spec

    return encode


OPERATIONS = (
    Operation(
        name="list_all_nimble_contact_fields",
        title="Describe the contact card",
        description=(
            "Describe the contact card: tabs, groups and fields with ids, kinds, choice options (contacts store "
            "the option id) and allowed actions. Read it before writing custom or choice fields or changing the "
            "layout."
        ),
        params=f"{MODELS}:NoParams",
        method="GET",
        path="/api/v1/contacts/fields",
        example={},
    ),
    Operation(
        name="create_a_nimble_contact_field",
        title="Add a custom contact field",
        description=(
            f"Add a custom contact field to a tab, optionally in a group. {LAYOUT_HINT} Needs the Manage Custom "
            "Fields permission."
        ),
        params=f"{MODELS}:CreateFieldParams",
        method="POST",
        path="/api/v1/contacts/fields",
        encode=_encode_create_field,
        example={"name": "Region", "field_kind": "string", "tab_id": ID},
    ),
    Operation(
        name="update_a_nimble_contact_field_by_id",
        title="Change a custom contact field",
        description=(
            "Rename a custom contact field, change how it shows (number and date settings) or move it (tab, group, "
            "position). "
            f"Kind and multiples are fixed. {LAYOUT_HINT}"
        ),
        params=f"{MODELS}:UpdateFieldParams",
        method="PUT",
        path="/api/v1/contacts/fields/{id}",
        encode=_encode_update_field,
        example={"id": ID, "name": "Area"},
    ),
    Operation(
        name="delete_a_nimble_contact_field_by_id",
        title="Delete a custom contact field",
        description=(
            "Delete a custom contact field; with preflight_checks false, also every value contacts hold in it."
        ),
        params=f"{MODELS}:DeleteFieldParams",
        method="DELETE",
        path="/api/v1/contacts/fields/{id}",
        example={"id": ID},
    ),
    Operation(
        name="create_a_nimble_contact_field_choice",
        title="Add a choice to a contact field",
        description=f"Add an option to a choice (drop-down) contact field. {LAYOUT_HINT}",
        params=f"{MODELS}:CreateChoiceParams",
        method="POST",
        path="/api/v1/contacts/fields/{field_id}/choices",
        encode=_encode_create_choice,
        example={"field_id": ID, "value": "Gold"},
    ),
    Operation(
        name="update_a_nimble_contact_field_choice_by_id",
        title="Change a contact field choice",
        description="Rename or move an option of a choice (drop-down) contact field; contacts keep it. Returns all tabs.",
        params=f"{MODELS}:UpdateChoiceParams",
        method="PUT",
        path="/api/v1/contacts/fields/{field_id}/choices/{id}",
        encode=_encode_update_choice,
        example={"field_id": ID, "id": "1", "value": "Platinum"},
    ),
    Operation(
        name="delete_a_nimble_contact_field_choice_by_id",
        title="Remove a contact field choice",
        description=(
            "Remove an option from a choice contact field; with preflight_checks false, also from the contacts "
            "that use it. Returns all tabs."
        ),
        params=f"{MODELS}:DeleteChoiceParams",
        method="DELETE",
        path="/api/v1/contacts/fields/{field_id}/choices/{id}",
        example={"field_id": ID, "id": "1"},
    ),
    Operation(
        name="nimble_contact_fields_set_primary",
        title="Mark a contact value as primary",
        description=(
            "Mark one value of a contact's multi-value field (e.g. one of its emails) as primary; the others lose "
            "the mark."
        ),
        params=f"{MODELS}:PrimaryParams",
        method="PUT",
        path="/api/v1/contact/{contact_id}/field",
        encode=_primary(True),
        example={"contact_id": ID, "field_id": ID2, "position": 0},
    ),
    Operation(
        name="nimble_contact_fields_unset_primary",
        title="Unmark a primary contact value",
        description=(
            "Remove the primary mark from one value of a contact's multi-value field; the value itself stays."
        ),
        params=f"{MODELS}:PrimaryParams",
        method="DELETE",
        destructive=False,  # the value stays: only its primary mark goes
        path="/api/v1/contact/{contact_id}/field",
        encode=_primary(False),
        example={"contact_id": ID, "field_id": ID2, "position": 0},
    ),
)
