"""Contacts: list, search, ids, read (one or up to 30), create, update, delete, bulk delete."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from .._operation import Operation, RequestSpec, default_encode, query_value
from .._paging import PagePaging
from ..projections import COMPACT_TAG
from ..readers import single_record
from ._examples import ID
from ._previews import bulk_delete_preview, replace_update_preview

if TYPE_CHECKING:
    from .._toolkit import CallContext

RESOURCE = "contacts"
MODELS = "nimble_tools.catalog.params.contacts"


CONTACTS_PAGING = PagePaging(items_key="resources")


def _missing_when_empty(context: CallContext, answer: Any) -> None:
    """A read by id that finds nothing is ``NotFoundError``, as a 404 would be.

    Live Nimble answers ``GET /api/v1/contact/{id}`` for a missing or deleted id with ``200
    {"resources": []}`` (the spec lists no 404 for it); callers keep one behaviour whatever the
    server (see ``nimble_tools.readers``).
    """
    contact_id = str(context.params.id)  # type: ignore[attr-defined]
    single_record(answer, "contact", contact_id, method="GET", path=f"/api/v1/contact/{contact_id}")


MAX_STANDARD_IDS = 30
MAX_TAGS_ON_CREATE = 5


def _encode_create(operation: Operation, params: BaseModel) -> RequestSpec:
    spec = default_encode(operation, params)
    body = dict(spec.json or {})
    body.setdefault("record_type", "person")  # Nimble's older API requires it; say it always
    return replace(spec, json=body)


def _encode_update(operation: Operation, params: BaseModel) -> RequestSpec:
    spec = default_encode(operation, params)
    body = dict(spec.json or {})
    query = dict(spec.params)
    replace_all = body.pop("replace", None)
    if replace_all is not None:
        # A query switch: the current spec calls it `type`, older clients `replace`; Nimble reads one.
        query["type"] = query["replace"] = "1" if replace_all else "0"
    return replace(spec, params=query, json=body)


def encode_filters(operation: Operation, params: BaseModel) -> RequestSpec:
    """The default wire rule, except that record_type is folded into the query.

    Nimble ignores ``record_type`` when a query is present; a caller who sends both means both, so
    the type becomes an ``and`` clause of the query (``{"record type": {"is": ...}}``).
    """
    spec = default_encode(operation, params)
    query: dict[str, Any] | None = params.model_dump(mode="json").get("query")
    record_type = getattr(params, "record_type", None)
    if query is None or record_type in (None, "all"):
        return spec
    combined = {"and": [query, {"record type": {"is": record_type}}]}
    wire = {k: v for k, v in spec.params.items() if k != "record_type"}
    return replace(spec, params={**wire, "query": query_value(combined)})


OPERATIONS = (
    Operation(
        name="list_all_nimble_contacts",
        title="List contacts",
        description=(
            "List contacts (people and companies), newest first, optionally by keyword and record_type. For "
            "conditions on fields use list_all_nimble_contacts_search; for ids only, nimble_contacts_contact_ids."
        ),
        params=f"{MODELS}:ListContactsParams",
        method="GET",
        path="/api/v1/contacts",
        paging=CONTACTS_PAGING,
        tags=(COMPACT_TAG,),
        example={},
    ),
    Operation(
        name="list_all_nimble_contacts_search",
        title="Search contacts by conditions",
        description=(
            "Find contacts by conditions on any field: name, email, phone, company, title, tag, address, dates, "
            "custom fields (case and accents ignored). E.g. tagged vip and "
            'created in the last 30 days: {"join":"and","conditions":[{"field":"tag","operator":"is","value":'
            '"vip"},{"field":"created","operator":"in_the_last","value":"30 day"}]}'
        ),
        params=f"{MODELS}:SearchContactsParams",
        method="GET",
        path="/api/v1/contacts",
        paging=CONTACTS_PAGING,
        tags=(COMPACT_TAG,),
        example={"query": {"field": "tag", "operator": "is", "value": "vip"}},
    ),
    Operation(
        name="nimble_contacts_contact_ids",
        title="List contact ids",
        description=(
            "List only the ids of contacts matching keyword, query or record_type: faster than records, to count "
            "or collect contacts."
        ),
        params=f"{MODELS}:ContactIdsParams",
        method="GET",
        path="/api/v1/contacts/ids",
        paging=CONTACTS_PAGING,
        encode=encode_filters,
        example={},
    ),
    Operation(
        name="nimble_contacts_standard",
        title="Read contacts by id",
        description=(f"Get the full records of up to {MAX_STANDARD_IDS} contacts by id (split longer lists)."),
        params=f"{MODELS}:StandardParams",
        method="GET",
        path="/api/v1/contact",
        example={"ids": [ID]},
    ),
    Operation(
        name="get_single_nimble_contact_by_id",
        title="Read a contact",
        description="Get one contact by id: its full record (fields, tags, owner, lead stages), in result.resources[0].",
        params=f"{MODELS}:GetContactParams",
        method="GET",
        path="/api/v1/contact/{id}",
        check_answer=_missing_when_empty,
        example={"id": ID},
    ),
    Operation(
        name="create_a_nimble_contact",
        title="Create a contact",
        description=(
            "Create a person (needs first_name or last_name) or a company (record_type 'company', needs "
            "company_name). A person's employer goes in employment. Not idempotent: search first to avoid "
            "duplicates."
        ),
        params=f"{MODELS}:CreateContactParams",
        method="POST",
        path="/api/v1/contact",
        encode=_encode_create,
        example={"fields": {"first_name": "Ann"}},
    ),
    Operation(
        name="update_a_nimble_contact_by_id",
        title="Update a contact",
        description=(
            "Change a contact's fields, avatar or important flag; returns the contact. Values merge by "
            "field+modifier (a new work email replaces the work email, a home one stays) unless replace is true."
        ),
        params=f"{MODELS}:UpdateContactParams",
        method="PUT",
        path="/api/v1/contact/{id}",
        encode=_encode_update,
        # replace=true wipes the values of each given field that the call does not repeat.
        destructive_when=lambda params: params.replace is True,
        preview=replace_update_preview,
        example={"id": ID, "fields": {"last_name": "Lee"}},
    ),
    Operation(
        name="delete_a_nimble_contact_by_id",
        title="Delete a contact",
        description="Delete one contact (person or company) by id. Permanent: its data goes too.",
        params=f"{MODELS}:ContactIdParams",
        method="DELETE",
        path="/api/v1/contact/{id}",
        example={"id": ID},
    ),
    Operation(
        name="nimble_contacts_bulk",
        title="Delete contacts in bulk",
        description=(
            "Permanently delete EVERY contact matching keyword, query or record_type; returns the deleted ids. "
            "Needs the bulk-delete permission. Check the selection first with nimble_contacts_contact_ids."
        ),
        params=f"{MODELS}:BulkDeleteParams",
        method="DELETE",
        path="/api/v1/contacts",
        encode=encode_filters,
        preview=bulk_delete_preview,
        example={"keyword": "acme"},
    ),
)
