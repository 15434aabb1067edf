"""Contacts: list, search, ids, read (one or up to 30), create, update, delete, bulk delete."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer, field_validator, model_validator

from .._envelope import PagePaging
from .._operation import NimbleId, Operation, Params, RequestSpec, default_encode
from ..projections import COMPACT_TAG
from ..types.contact_fields import ContactFields, escape_list
from ..types.privacy import Privacy
from ..types.search import SearchQuery
from ._contact_search import QUERY_HELP, ContactFilters, Contexts, FieldNames, KeywordFilter, Sort, encode_filters
from ._previews import bulk_delete_preview, replace_update_preview
from ._shared import PagedParams, RecordType

CONTACTS_PAGING = PagePaging(items_key="resources")
MISSING_WHEN_EMPTY: dict[str, tuple[str, str]] = {"get_single_nimble_contact_by_id": ("contact", "id")}
"""Reads by id whose empty answer means "no such record": operation -> (object type, id parameter).

Live Nimble answers ``GET /api/v1/contact/{id}`` for a missing or deleted id with ``200
{"resources": []}`` (the spec lists no 404 for it); the toolkit raises ``NotFoundError`` then, as it
does for a 404, so callers keep one behaviour whatever the server (see ``nimble_tools.readers``).
"""
MAX_STANDARD_IDS = 30
MAX_TAGS_ON_CREATE = 5


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


def _encode_create(operation: Operation, params: BaseModel) -> RequestSpec:
    spec = default_encode(operation, params)
    body = dict(spec.json or {})
    body.setdefault("record_type", "person")  # Nimble's older API requires it; say it always
    return replace(spec, json=body)


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


def _encode_update(operation: Operation, params: BaseModel) -> RequestSpec:
    spec = default_encode(operation, params)
    body = dict(spec.json or {})
    query = dict(spec.params)
    replace_all = body.pop("replace", None)
    if replace_all is not None:
        # A query switch: the current spec calls it `type`, older clients `replace`; Nimble reads one.
        query["type"] = query["replace"] = "1" if replace_all else "0"
    return replace(spec, params=query, json=body)


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


OPERATIONS = (
    Operation(
        name="list_all_nimble_contacts",
        description=(
            "List contacts (people and companies), newest first, optionally by keyword and record_type. For "
            "conditions on fields use list_all_nimble_contacts_search; for ids only, nimble_contacts_contact_ids."
        ),
        params=ListContactsParams,
        resource="contacts",
        method="GET",
        path="/api/v1/contacts",
        read_only=True,
        idempotent=True,
        paging=CONTACTS_PAGING,
        tags=(COMPACT_TAG,),
    ),
    Operation(
        name="list_all_nimble_contacts_search",
        description=(
            "Find contacts by conditions on any field: name, email, phone, company, title, tag, address, dates, "
            "custom fields (case and accents ignored). E.g. tagged vip and "
            'created in the last 30 days: {"join":"and","conditions":[{"field":"tag","operator":"is","value":'
            '"vip"},{"field":"created","operator":"in_the_last","value":"30 day"}]}'
        ),
        params=SearchContactsParams,
        resource="contacts",
        method="GET",
        path="/api/v1/contacts",
        read_only=True,
        idempotent=True,
        paging=CONTACTS_PAGING,
        tags=(COMPACT_TAG,),
    ),
    Operation(
        name="nimble_contacts_contact_ids",
        description=(
            "List only the ids of contacts matching keyword, query or record_type: faster than records, to count "
            "or collect contacts."
        ),
        params=ContactIdsParams,
        resource="contacts",
        method="GET",
        path="/api/v1/contacts/ids",
        read_only=True,
        idempotent=True,
        paging=CONTACTS_PAGING,
        encode=encode_filters,
    ),
    Operation(
        name="nimble_contacts_standard",
        description=(f"Get the full records of up to {MAX_STANDARD_IDS} contacts by id (split longer lists)."),
        params=StandardParams,
        resource="contacts",
        method="GET",
        path="/api/v1/contact",
        read_only=True,
        idempotent=True,
    ),
    Operation(
        name="get_single_nimble_contact_by_id",
        description="Get one contact by id: its full record (fields, tags, owner, lead stages), in result.resources[0].",
        params=GetContactParams,
        resource="contacts",
        method="GET",
        path="/api/v1/contact/{id}",
        read_only=True,
        idempotent=True,
    ),
    Operation(
        name="create_a_nimble_contact",
        description=(
            "Create a person (needs first_name or last_name) or a company (record_type 'company', needs "
            "company_name). A person's employer goes in employment. Not idempotent: search first to avoid "
            "duplicates."
        ),
        params=CreateContactParams,
        resource="contacts",
        method="POST",
        path="/api/v1/contact",
        encode=_encode_create,
    ),
    Operation(
        name="update_a_nimble_contact_by_id",
        description=(
            "Change a contact's fields, avatar or important flag; returns the contact. Values merge by "
            "field+modifier (a new work email replaces the work email, a home one stays) unless replace is true."
        ),
        params=UpdateContactParams,
        resource="contacts",
        method="PUT",
        path="/api/v1/contact/{id}",
        idempotent=True,
        encode=_encode_update,
        # replace=true wipes the values of each given field that the call does not repeat.
        destructive_when=lambda params: params.replace is True,
        preview=replace_update_preview,
    ),
    Operation(
        name="delete_a_nimble_contact_by_id",
        description="Delete one contact (person or company) by id. Permanent: its data goes too.",
        params=ContactIdParams,
        resource="contacts",
        method="DELETE",
        path="/api/v1/contact/{id}",
        destructive=True,
        idempotent=True,
    ),
    Operation(
        name="nimble_contacts_bulk",
        description=(
            "Permanently delete EVERY contact matching keyword, query or record_type; returns the deleted ids. "
            "Needs the bulk-delete permission. Check the selection first with nimble_contacts_contact_ids."
        ),
        params=BulkDeleteParams,
        resource="contacts",
        method="DELETE",
        path="/api/v1/contacts",
        destructive=True,
        idempotent=True,
        encode=encode_filters,
        preview=bulk_delete_preview,
    ),
)
