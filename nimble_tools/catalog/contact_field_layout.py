"""Contact card layout: tabs and field groups (``/api/v1/contacts/fields/tabs|groups``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from .._operation import NimbleId, Operation, Params
from ._layout_params import LAYOUT_HINT, Preflight, placement_encoder

ContactType = Literal["person", "company"]


def _types(types: list[str] | None) -> list[str] | None:
    if types is not None and not types:
        raise ValueError("contact_types needs person, company or both")
    return list(dict.fromkeys(types)) if types is not None else None


class CreateTabParams(Params):
    tab_name: str = Field(min_length=1, max_length=50, description="Tab title.")
    contact_types: list[ContactType] = Field(description="Records that show the tab: person, company or both.")
    insert_after: NimbleId | None = Field(default=None, description="Tab id to follow; null: first.")

    _types = field_validator("contact_types")(_types)


class _Move(Params):
    move_to_first: bool | None = Field(default=None, description="true: move to the first position.")

    @model_validator(mode="after")
    def _one_position(self) -> _Move:
        if getattr(self, "insert_after", None) and self.move_to_first:
            raise ValueError("insert_after and move_to_first exclude each other")
        if not {k for k in self.model_fields_set if k != "id" and getattr(self, k) not in (None, False)}:
            raise ValueError("nothing to change: pass a new name, setting or position")
        return self


class UpdateTabParams(_Move):
    id: NimbleId = Field(description="Tab id.")
    tab_name: str | None = Field(default=None, min_length=1, max_length=50, description="New title.")
    contact_types: list[ContactType] | None = Field(default=None, description="person, company or both.")
    insert_after: NimbleId | None = Field(default=None, description="Move after this tab id.")

    _types = field_validator("contact_types")(_types)


class DeleteParams(Params):
    id: NimbleId = Field(description="Id of the tab or group.")
    preflight_checks: Preflight


class CreateGroupParams(Params):
    name: str = Field(min_length=1, max_length=50, description="Group title.")
    tab_id: NimbleId = Field(description="Tab that holds the group.")
    logo_id: Annotated[str, BeforeValidator(lambda value: value or "1")] = Field(
        default="1", description="Icon id; reuse one from another group."
    )
    insert_after: str | None = Field(default=None, description="Sibling field/group id to follow; null: first.")


class UpdateGroupParams(_Move):
    id: NimbleId = Field(description="Group id.")
    name: str | None = Field(default=None, min_length=1, max_length=50, description="New title.")
    logo_id: str | None = Field(default=None, description="New icon id.")
    tab_id: NimbleId | None = Field(default=None, description="Move to this tab.")
    insert_after: str | None = Field(default=None, description="Move after this sibling id.")


_DELETE_NOTE = "With preflight_checks false, also the values contacts hold in them."

OPERATIONS = (
    Operation(
        name="create_a_nimble_contact_field_tab",
        description=f"Add a tab to the contact card, for person and/or company records. {LAYOUT_HINT}",
        params=CreateTabParams,
        resource="contact_fields",
        method="POST",
        path="/api/v1/contacts/fields/tabs",
        encode=placement_encoder("insert_after"),
    ),
    Operation(
        name="update_a_nimble_contact_field_tab_by_id",
        description=f"Rename or move a custom contact tab, or change which records show it. {LAYOUT_HINT}",
        params=UpdateTabParams,
        resource="contact_fields",
        method="PUT",
        path="/api/v1/contacts/fields/tabs/{id}",
        idempotent=True,
        encode=placement_encoder(move_to_first="insert_after"),
    ),
    Operation(
        name="delete_a_nimble_contact_field_tab_by_id",
        description=f"Delete a custom contact tab with its groups and fields. {_DELETE_NOTE}",
        params=DeleteParams,
        resource="contact_fields",
        method="DELETE",
        path="/api/v1/contacts/fields/tabs/{id}",
        destructive=True,
        idempotent=True,
    ),
    Operation(
        name="create_a_nimble_contact_fields_group",
        description=f"Add a field group to a contact tab; then create fields in it. {LAYOUT_HINT}",
        params=CreateGroupParams,
        resource="contact_fields",
        method="POST",
        path="/api/v1/contacts/fields/groups",
        encode=placement_encoder("insert_after"),
    ),
    Operation(
        name="update_a_nimble_contact_fields_group_by_id",
        description=f"Rename, re-icon or move a custom contact field group. {LAYOUT_HINT}",
        params=UpdateGroupParams,
        resource="contact_fields",
        method="PUT",
        path="/api/v1/contacts/fields/groups/{id}",
        idempotent=True,
        encode=placement_encoder(move_to_first="insert_after"),
    ),
    Operation(
        name="delete_a_nimble_contact_fields_group_by_id",
        description=f"Delete a custom contact field group with its fields. {_DELETE_NOTE}",
        params=DeleteParams,
        resource="contact_fields",
        method="DELETE",
        path="/api/v1/contacts/fields/groups/{id}",
        destructive=True,
        idempotent=True,
    ),
)
