"""Parameter models of ``nimble_tools.catalog.deal_fields``, imported when one of its operations first needs one."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from ..._operation import BODY, NimbleId, Params
from ._deal_shared import FieldSpec, PresentationChange, invalid

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
