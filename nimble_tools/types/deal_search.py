"""Deal search as structured conditions: the contact search types, with deal fields and no contact rules.

Deal queries use the same NSE shape and operators as contact queries (``{"<field>": {"<operator>":
value}}`` joined by and/or/not), but other field names: the ``search_field.search_name`` values of
the deal column catalogue (``name``, ``amount``, ``stage``, ``tag``, ..., custom fields by id).
So :class:`DealSearchCondition` keeps the operand slots and checks of
:class:`~nimble_tools.types.search.SearchCondition` but documents deal fields, sends field names as
given (no contact aliases such as ``name`` -> ``names``) and leaves the field/operator pairing to
Nimble, which has not documented it for deals.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_serializer,
    model_validator,
)

from ._schema import model_facing
from .search import AnyOfUnion, SearchCondition, SearchGroup, from_nse_if_raw, query_kind

__all__ = ["DealSearchCondition", "DealSearchGroup", "DealSearchQuery"]

DEAL_FIELDS_HELP = (
    "name, amount, probability, stage (id or name), pipeline (id or name), owner (user id or name), tag, "
    "description, expected close date, created, updated, deal number, _id, or a custom field id "
    "(search_name in list_all_nimble_deal_column_catalogue)."
)


class DealSearchCondition(SearchCondition):
    """One test on one deal field, e.g. ``{field: "amount", operator: "gte", value: 10000}``."""

    model_config = ConfigDict(extra="forbid", defer_build=True, json_schema_extra=model_facing(None))

    field: str = Field(min_length=1, max_length=100, description=DEAL_FIELDS_HELP)

    @model_validator(mode="after")
    def _check(self) -> DealSearchCondition:
        SearchCondition.nse(self)  # raises when the operator's operand slots are missing or malformed
        return self

    @model_serializer(mode="plain")
    def nse(self) -> dict[str, Any]:
        """Nimble's JSON form, with the field name as given."""
        operand = next(iter(SearchCondition.nse(self).values()))
        return {" ".join(self.field.split()): operand}


class DealSearchGroup(SearchGroup):
    """Deal conditions joined by and / or, or negated by not (exactly one condition)."""

    conditions: list[DealSearchQuery] = Field(min_length=1, description="Conditions or nested groups.")  # type: ignore[assignment]


DealSearchQuery = Annotated[
    Annotated[DealSearchCondition, Tag("condition")] | Annotated[DealSearchGroup, Tag("group")],
    Discriminator(query_kind),
    BeforeValidator(from_nse_if_raw),
    AnyOfUnion(),
]
"""One deal condition or a group: the type of every deal ``query`` parameter."""

DealSearchGroup.model_rebuild()
