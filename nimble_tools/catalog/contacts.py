"""Contacts: list, search, ids, read, create, update, delete (``/api/v1/contact[s]``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from .._envelope import PagePaging
from .._operation import NimbleId, Operation, Params, RequestSpec, default_encode
from ._shared import FieldValue, PagedParams, RecordType

CONTACTS_PAGING = PagePaging(items_key="resources")
FIELDS_HELP = (
    "Map of field name to a list of values, e.g. "
    '{"first name":[{"value":"Ann"}],"email":[{"value":"ann@acme.com","modifier":"work"}]}. '
    "Address and contact employment values are JSON-encoded strings."
)


class SearchFilters(PagedParams):
    keyword: str | None = Field(
        default=None,
        description="Free text matched against names, emails, phones, companies. Not with query.",
    )
    query: dict[str, Any] | None = Field(
        default=None,
        description='Nimble search query object, e.g. {"and":[{"email":{"is":"a@b.com"}},{"tag":{"is":"vip"}}]}. '
        "Not with keyword.",
    )
    record_type: Literal["person", "company", "all"] | None = Field(
        default=None, description="Only persons or companies (ignored when query is set)."
    )

    @model_validator(mode="after")
    def _keyword_or_query(self) -> SearchFilters:
        if self.keyword and self.query:
            raise ValueError("keyword and query are mutually exclusive: pass one of them")
        return self


class ListContactsParams(SearchFilters):
    sort: str | None = Field(default=None, description="'field:asc' or 'field:desc', e.g. 'created:desc'.")
    fields: str | None = Field(
        default=None, description="Comma-separated field names to return, e.g. 'first name,email'."
    )


class ContactIdParams(Params):
    id: NimbleId = Field(description="Contact id (24 hex characters).")


class CreateContactParams(Params):
    record_type: RecordType = Field(default="person", description="person or company.")
    fields: dict[str, list[FieldValue]] = Field(description=FIELDS_HELP)
    tags: str | None = Field(default=None, description="Comma-separated tags, at most 5.")
    owner_id: NimbleId | None = Field(default=None, description="User id of the owner (from list_all_nimble_me).")

    @model_validator(mode="after")
    def _needs_name(self) -> CreateContactParams:
        names = {k.strip().lower() for k, v in self.fields.items() if any(x.value for x in v)}
        if self.record_type == "person" and not names & {"first name", "last name"}:
            raise ValueError("a person needs 'first name' or 'last name' in fields")
        if self.record_type == "company" and "company name" not in names:
            raise ValueError("a company needs 'company name' in fields")
        return self


class UpdateContactParams(Params):
    id: NimbleId = Field(description="Contact id.")
    fields: dict[str, list[FieldValue]] | None = Field(default=None, description=FIELDS_HELP)
    replace: Literal["0", "1"] | None = Field(
        default=None,
        description="'1' replaces all values of each given field; default '0' changes only the given modifiers.",
    )
    avatar_url: str | None = Field(default=None, description="New avatar image URL.")
    is_important: bool | None = Field(default=None, description="Star or unstar the contact.")

    @model_validator(mode="after")
    def _something(self) -> UpdateContactParams:
        if self.fields is None and self.avatar_url is None and self.is_important is None:
            raise ValueError("pass at least one of fields, avatar_url, is_important")
        return self


def _encode_update(operation: Operation, params: BaseModel) -> RequestSpec:
    spec = default_encode(operation, params)
    body = dict(spec.json or {})
    query = dict(spec.params)
    if "replace" in body:  # a query switch: the spec calls it `type`, older clients `replace`; send both
        query["replace"] = query["type"] = body.pop("replace")
    return replace(spec, params=query, json=body)


OPERATIONS = (
    Operation(
        name="list_all_nimble_contacts",
        description=(
            "List contacts (people and companies), newest first, optionally filtered by keyword, a search "
            "query or record_type. Returns full records. For finding specific people prefer "
            "list_all_nimble_contacts_search; for ids only use nimble_contacts_contact_ids."
        ),
        params=ListContactsParams,
        resource="contacts",
        method="GET",
        path="/api/v1/contacts",
        read_only=True,
        idempotent=True,
        paging=CONTACTS_PAGING,
    ),
    Operation(
        name="list_all_nimble_contacts_search",
        description=(
            "Search contacts with Nimble's query language and return matching records. Query: "
            '{"<field>":{"<operator>":value}} joined with {"and":[...]}, {"or":[...]}, {"not":[q]}. '
            "Text operators: is, is_not, contain, not_contain, starts_with, is_empty, in, not_in. Fields: "
            "names, __any (everything), first name, last name, company name, email, phone, tag, record type, "
            'city, country, title. Example: {"and":[{"names":{"contain":"jane"}},{"tag":{"is":"vip"}}]}. '
            "Or pass keyword for a simple free-text search."
        ),
        params=ListContactsParams,
        resource="contacts",
        method="GET",
        path="/api/v1/contacts",
        read_only=True,
        idempotent=True,
        paging=CONTACTS_PAGING,
    ),
    Operation(
        name="nimble_contacts_contact_ids",
        description=(
            "List only the ids of contacts matching a keyword, search query or record_type. Faster than "
            "listing full records; use it to count or to collect ids for another call."
        ),
        params=SearchFilters,
        resource="contacts",
        method="GET",
        path="/api/v1/contacts/ids",
        read_only=True,
        idempotent=True,
        paging=CONTACTS_PAGING,
    ),
    Operation(
        name="get_single_nimble_contact_by_id",
        description="Get one contact's full record (fields, tags, owner, stages) by its id.",
        params=ContactIdParams,
        resource="contacts",
        method="GET",
        path="/api/v1/contact/{id}",
        read_only=True,
        idempotent=True,
    ),
    Operation(
        name="create_a_nimble_contact",
        description=(
            "Create a person or company contact. A person needs 'first name' or 'last name', a company "
            "'company name'. " + FIELDS_HELP + " Not idempotent: search first to avoid duplicates."
        ),
        params=CreateContactParams,
        resource="contacts",
        method="POST",
        path="/api/v1/contact",
    ),
    Operation(
        name="update_a_nimble_contact_by_id",
        description=(
            "Change a contact's fields, avatar or important flag. By default only the given field+modifier "
            "pairs change; replace='1' replaces every value of each given field. A value of null clears it."
        ),
        params=UpdateContactParams,
        resource="contacts",
        method="PUT",
        path="/api/v1/contact/{id}",
        idempotent=True,
        encode=_encode_update,
    ),
    Operation(
        name="delete_a_nimble_contact_by_id",
        description="Delete one contact by id. Permanent: the contact and its data are removed.",
        params=ContactIdParams,
        resource="contacts",
        method="DELETE",
        path="/api/v1/contact/{id}",
        destructive=True,
        idempotent=True,
    ),
)
