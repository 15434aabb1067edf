"""Parameter pieces shared by the contact listings, search, ids and bulk delete."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer, field_validator, model_validator

from ...types.contact_fields import escape_list
from ...types.search import SearchQuery

__all__ = [
    "QUERY_HELP",
    "ContactFilters",
    "Contexts",
    "FieldNames",
    "KeywordFilter",
    "Sort",
]

QUERY_HELP = "A condition, or a group of them."

Context = Literal["last_contacted_data", "employers_data", "leads_data", "sequences_data", "contact_files"]
Contexts = Annotated[
    list[Context] | None,
    Field(default=None, description="Extra data blocks to embed."),
]

FieldNames = Annotated[
    list[Annotated[str, Field(min_length=1)]] | None,
    PlainSerializer(lambda names: escape_list(names) if names is not None else None),
    Field(default=None, description="Only these fields, e.g. ['first name', 'email']."),
]
"""Field names to return; sent comma-joined with literal commas escaped, as Nimble wants."""

Sort = Annotated[
    str | None,
    Field(
        default=None,
        pattern=r"^[^:]+:(asc|desc)$",
        description="E.g. 'created:desc', 'last name:asc'.",
    ),
]


class KeywordFilter(BaseModel):
    """keyword / record_type: what the plain contact listing filters by."""

    keyword: str | None = Field(default=None, description="Free text in names, emails, phones, addresses, employers.")
    record_type: Literal["person", "company", "all"] | None = Field(default=None, description="Default all.")

    @field_validator("keyword")
    @classmethod
    def _keyword(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("keyword is empty: pass some text, or leave it out")
        return value


class ContactFilters(KeywordFilter):
    """keyword / query / record_type, with Nimble's rule that keyword and query exclude each other."""

    keyword: str | None = Field(
        default=None, description="Free text in names, emails, phones, addresses, employers; not with query."
    )
    query: SearchQuery | None = Field(default=None, description="Conditions; not with keyword.")

    @model_validator(mode="after")
    def _keyword_or_query(self) -> ContactFilters:
        if self.keyword and self.query is not None:
            raise ValueError(
                "keyword and query are mutually exclusive in Nimble: pass one, or express the keyword as a "
                "condition {field: '__any', operator: 'contain', value: ...} inside query"
            )
        return self
