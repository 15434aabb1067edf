"""Contacts: list, search, ids, read (one or up to 30), create, update, delete, bulk delete."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer, field_validator, model_validator

from .._envelope import PagePaging
from .._operation import NimbleId, Operation, Params, RequestSpec, default_encode
from ..types.contact_fields import ContactFields, escape_list
from ..types.privacy import Privacy
from ..types.search import SearchQuery
from ._contact_search import QUERY_HELP, ContactFilters, Contexts, FieldNames, Sort, encode_filters
from ._shared import PagedParams, RecordType

CONTACTS_PAGING = PagePaging(items_key="resources")
MAX_STANDARD_IDS = 30
MAX_TAGS_ON_CREATE = 5
FIELDS_HELP = (
    "Values by kind: first_name, last_name (person); company_name, domain (company); emails, phones, urls, "
    "addresses [{street, city, ...}], employment [{company_name, title}] (links a person to a company); "
    "other_fields [{name, value, modifier}] for anything else."
)


class ListContactsParams(PagedParams, ContactFilters):
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
    record_type: RecordType | None = Field(default=None, description="person (default) or company.")
    fields: ContactFields = Field(description=FIELDS_HELP)
    tags: Annotated[list[str] | None, BeforeValidator(_split_tags), PlainSerializer(_tag_list)] = Field(
        default=None, description=f"Up to {MAX_TAGS_ON_CREATE} tags."
    )
    owner_id: NimbleId | None = Field(default=None, description="Owner's user id (list_all_nimble_me gives yours).")
    avatar_url: str | None = Field(default=None, description="Image URL for the avatar.")
    privacy: Privacy | None = Field(default=None, description="Who may read/edit; omit for the account default.")
    file_ids: list[str] | None = Field(default=None, description="Ids of uploaded files to attach.")

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
        default=None,
        description=FIELDS_HELP + " To clear a value: other_fields [{name, modifier, value: null}].",
    )
    replace: bool | None = Field(
        default=None,
        description="true: the given fields' values replace all their current values; default false merges: only "
        "the given field+modifier pairs change.",
    )
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
        default=None,
        description="true: first check every matched contact is editable; fail (406) instead of deleting part.",
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
            "List contacts (people and companies), newest first, as full records. Optional filters: keyword "
            "(free text), or query (structured conditions), and record_type. To find specific people prefer "
            "list_all_nimble_contacts_search; for ids only use nimble_contacts_contact_ids."
        ),
        params=ListContactsParams,
        resource="contacts",
        method="GET",
        path="/api/v1/contacts",
        read_only=True,
        idempotent=True,
        paging=CONTACTS_PAGING,
        encode=encode_filters,
    ),
    Operation(
        name="list_all_nimble_contacts_search",
        description=(
            "Find contacts matching conditions; returns full records. query is one condition {field, operator, "
            "operand} or a group {join: and|or|not, conditions}. Text operators: is, is_not, contain (whole "
            "words), not_contain, starts_with, is_empty, in, not_in (values list). Numbers (rating): gt, gte, lt, "
            "lte, range (start, end). Dates (created, updated, birthday, ... last contacted): in_the_last / "
            "not_in_the_last (quantity, unit), range (start, end as YYYY-MM-DD), day_month_range (DD/MM, "
            "birthdays). Fields: names, __any (everything), email, phone, company_name (employer), title, tag, "
            'record type, address.city, _id, custom fields. Matching ignores case and accents. E.g. {"join":"and",'
            '"conditions":[{"field":"tag","operator":"is","value":"vip"},{"field":"created","operator":'
            '"in_the_last","quantity":30,"unit":"day"}]}'
        ),
        params=SearchContactsParams,
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
            "List only the ids of contacts matching keyword, query or record_type (same filters as "
            "list_all_nimble_contacts). Faster than full records: use it to count or to collect ids."
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
        description=(
            f"Get the full records of known contacts by id, up to {MAX_STANDARD_IDS} ids per call (split longer "
            "lists). For one id get_single_nimble_contact_by_id is the same."
        ),
        params=StandardParams,
        resource="contacts",
        method="GET",
        path="/api/v1/contact",
        read_only=True,
        idempotent=True,
    ),
    Operation(
        name="get_single_nimble_contact_by_id",
        description=(
            "Get one contact's full record by id: fields, tags, owner, lead stages. The record is in "
            "result.resources[0]."
        ),
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
            "Create a person (needs first_name or last_name) or a company (record_type='company', needs "
            f"company_name). {FIELDS_HELP} Not idempotent: search first to avoid duplicates."
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
            "Change a contact's fields, avatar or important flag. By default values merge: only the given "
            "field+modifier pairs change (a new work email replaces the work email, a home one stays). "
            "replace=true replaces all values of each given field. Returns the updated contact."
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
    Operation(
        name="nimble_contacts_bulk",
        description=(
            "Permanently delete EVERY contact matching keyword, query or record_type, in one call; returns the "
            "deleted ids. Needs the bulk-delete permission. Check the selection first with "
            "nimble_contacts_contact_ids. preflight_checks=true fails (406) instead of deleting only part."
        ),
        params=BulkDeleteParams,
        resource="contacts",
        method="DELETE",
        path="/api/v1/contacts",
        destructive=True,
        idempotent=True,
        encode=encode_filters,
    ),
)
