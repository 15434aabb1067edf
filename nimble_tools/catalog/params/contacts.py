"""Parameter models of ``nimble_tools.catalog.contacts``, imported when one of its operations first needs one."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, field_validator, model_validator

from ..._operation import NimbleId, Params
from ...types.contact_fields import ContactFields, escape_list
from ...types.privacy import Privacy
from ...types.search import SearchQuery
from ..contacts import MAX_STANDARD_IDS, MAX_TAGS_ON_CREATE
from ._contact_search import QUERY_HELP, ContactFilters, Contexts, FieldNames, KeywordFilter, Sort
from ._shared import PagedParams, RecordType


# No query here: conditions are list_all_nimble_contacts_search's job (the same listing); one search
# grammar in the tool list instead of two saves a model about 450 tokens on every request.
class ListContactsParams(PagedParams, KeywordFilter):
    sort: Sort
    fields: FieldNames
    contexts: Contexts


class SearchContactsParams(PagedParams):
    query: SearchQuery = Field(description=QUERY_HELP)
    sort: Sort
    fields: FieldNames
    contexts: Contexts


class ContactIdsParams(PagedParams, ContactFilters):
    sort: Sort


class StandardParams(Params):
    ids: Annotated[list[NimbleId], PlainSerializer(lambda ids: ",".join(ids))] = Field(
        serialization_alias="id", description=f"1 to {MAX_STANDARD_IDS} contact ids."
    )
    fields: FieldNames
    contexts: Contexts

    @field_validator("ids")
    @classmethod
    def _count(cls, ids: list[str]) -> list[str]:
        if not ids:
            raise ValueError("pass at least one contact id")
        if len(ids) > MAX_STANDARD_IDS:
            raise ValueError(
                f"{len(ids)} ids given, Nimble returns at most {MAX_STANDARD_IDS} per call: split them into "
                f"batches of {MAX_STANDARD_IDS}"
            )
        return ids


class GetContactParams(Params):
    id: NimbleId = Field(description="Contact id.")
    fields: FieldNames
    contexts: Contexts


class ContactIdParams(Params):
    id: NimbleId = Field(description="Contact id.")


def _tag_list(tags: list[str] | None) -> str | None:
    return escape_list(tags) if tags is not None else None


def _split_tags(value: Any) -> Any:
    """Also take Nimble's own form: one comma-separated string, a backslash keeping a comma literal."""
    if not isinstance(value, str):
        return value
    return [t.replace("\x00", ",") for t in value.replace("\\,", "\x00").split(",") if t.strip()]


class CreateContactParams(Params):
    record_type: RecordType | None = Field(default=None, description="Default person.")
    fields: ContactFields = Field(description="The contact's values.")
    tags: Annotated[list[str] | None, BeforeValidator(_split_tags), PlainSerializer(_tag_list)] = Field(
        default=None, description=f"Up to {MAX_TAGS_ON_CREATE} tags."
    )
    owner_id: NimbleId | None = Field(default=None, description="Owner's user id; yours: list_all_nimble_me.")
    avatar_url: str | None = Field(default=None, description="Avatar image URL.")
    privacy: Privacy | None = Field(default=None, description="Who may read/edit; default: the account's rule.")
    file_ids: list[str] | None = Field(default=None, description="Uploaded file ids to attach.")

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: list[str] | None) -> list[str] | None:
        if tags is None:
            return None
        cleaned = [t.strip() for t in tags]
        if any(not t for t in cleaned):
            raise ValueError("a tag is empty: remove it")
        if len(cleaned) > MAX_TAGS_ON_CREATE:
            raise ValueError(
                f"Nimble accepts at most {MAX_TAGS_ON_CREATE} tags when creating a contact: create it with "
                "5, then set the full list with nimble_contacts_assign_tags"
            )
        return cleaned

    @model_validator(mode="after")
    def _needs_name(self) -> CreateContactParams:
        named = self.fields.named()
        if (self.record_type or "person") == "person":
            if not named & {"first name", "last name"}:
                raise ValueError(
                    "a person needs a name: fields.first_name or fields.last_name ('first name' or 'last name')"
                )
            if "company name" in named or "domain" in named:
                raise ValueError(
                    "company_name and domain belong to company records: for a person's employer use "
                    "fields.employment [{company_name}], or set record_type='company'"
                )
        elif "company name" not in named:
            raise ValueError("a company needs a name: fields.company_name ('company name')")
        return self


class UpdateContactParams(Params):
    id: NimbleId = Field(description="Contact id.")
    fields: ContactFields | None = Field(
        default=None, description="Values to set; to clear one: other_fields [{name, modifier, value: null}]."
    )
    replace: bool | None = Field(default=None, description="true: replace all values of each given field.")
    avatar_url: str | None = Field(default=None, description="New avatar image URL.")
    is_important: bool | None = Field(default=None, description="Star or unstar the contact.")

    @model_validator(mode="after")
    def _something(self) -> UpdateContactParams:
        no_fields = self.fields is None or self.fields.is_empty()
        if no_fields and self.avatar_url is None and self.is_important is None:
            raise ValueError("nothing to change: pass fields, avatar_url or is_important")
        return self


class BulkDeleteParams(Params, ContactFilters):
    preflight_checks: bool | None = Field(
        default=None, description="true: fail (406) rather than delete only the editable part."
    )

    @model_validator(mode="after")
    def _narrowed(self) -> BulkDeleteParams:
        if not self.keyword and self.query is None and self.record_type in (None, "all"):
            raise ValueError(
                "no filter: this would delete every contact in the account. Pass keyword, query or "
                "record_type='person'/'company'"
            )
        return self
