"""Parameter models of ``nimble_tools.catalog.contact_field_layout``, imported when one of its operations first needs one."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from ..._operation import NimbleId, Params
from .._layout_params import Preflight

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
