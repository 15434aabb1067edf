"""Contact card layout: tabs and field groups (``/api/v1/contacts/fields/tabs|groups``)."""

from __future__ import annotations

from .._operation import Operation
from ._examples import ID
from ._layout_params import LAYOUT_HINT, placement_encoder

RESOURCE = "contact_fields"
MODELS = "nimble_tools.catalog.params.contact_field_layout"


_DELETE_NOTE = "With preflight_checks false, also the values contacts hold in them."


OPERATIONS = (
    Operation(
        name="create_a_nimble_contact_field_tab",
        title="Add a contact card tab",
        description=f"Add a tab to the contact card, for person and/or company records. {LAYOUT_HINT}",
        params=f"{MODELS}:CreateTabParams",
        method="POST",
        path="/api/v1/contacts/fields/tabs",
        encode=placement_encoder("insert_after"),
        example={"tab_name": "Finance", "contact_types": ["company"]},
    ),
    Operation(
        name="update_a_nimble_contact_field_tab_by_id",
        title="Change a contact card tab",
        description=f"Rename or move a custom contact tab, or change which records show it. {LAYOUT_HINT}",
        params=f"{MODELS}:UpdateTabParams",
        method="PUT",
        path="/api/v1/contacts/fields/tabs/{id}",
        encode=placement_encoder(move_to_first="insert_after"),
        example={"id": ID, "tab_name": "Money"},
    ),
    Operation(
        name="delete_a_nimble_contact_field_tab_by_id",
        title="Delete a contact card tab",
        description=f"Delete a custom contact tab with its groups and fields. {_DELETE_NOTE}",
        params=f"{MODELS}:DeleteParams",
        method="DELETE",
        path="/api/v1/contacts/fields/tabs/{id}",
        example={"id": ID},
    ),
    Operation(
        name="create_a_nimble_contact_fields_group",
        title="Add a contact field group",
        description=f"Add a field group to a contact tab; then create fields in it. {LAYOUT_HINT}",
        params=f"{MODELS}:CreateGroupParams",
        method="POST",
        path="/api/v1/contacts/fields/groups",
        encode=placement_encoder("insert_after"),
        example={"name": "Billing", "tab_id": ID},
    ),
    Operation(
        name="update_a_nimble_contact_fields_group_by_id",
        title="Change a contact field group",
        description=f"Rename, re-icon or move a custom contact field group. {LAYOUT_HINT}",
        params=f"{MODELS}:UpdateGroupParams",
        method="PUT",
        path="/api/v1/contacts/fields/groups/{id}",
        encode=placement_encoder(move_to_first="insert_after"),
        example={"id": ID, "name": "Invoices"},
    ),
    Operation(
        name="delete_a_nimble_contact_fields_group_by_id",
        title="Delete a contact field group",
        description=f"Delete a custom contact field group with its fields. {_DELETE_NOTE}",
        params=f"{MODELS}:DeleteParams",
        method="DELETE",
        path="/api/v1/contacts/fields/groups/{id}",
        example={"id": ID},
    ),
)
