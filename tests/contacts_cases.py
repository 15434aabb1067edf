"""Richer arguments for some contacts-side operations (test data); each operation's own example is the minimal one."""

from __future__ import annotations

from typing import Any

ID = "5e0000000000000000000001"
ID2 = "5e0000000000000000000002"

# Richer arguments: every wire key they produce must be a parameter the spec documents. Optional: an
# operation without an entry here is checked with its own example only.
RICH: dict[str, dict[str, Any]] = {
    "list_all_nimble_contacts": {
        "keyword": "acme",
        "record_type": "person",
        "sort": "created:desc",
        "fields": ["first name", "email"],
        "contexts": ["employers_data"],
        "limit": 5,
    },
    "nimble_contacts_contact_ids": {
        "query": {"field": "tag", "operator": "is", "value": "vip"},
        "record_type": "company",
        "sort": "created:asc",
    },
    "nimble_contacts_standard": {"ids": [ID, ID2], "fields": ["email"], "contexts": ["leads_data"]},
    "create_a_nimble_contact": {
        "record_type": "company",
        "fields": {"company_name": "Acme", "domain": "acme.com", "phones": [{"value": "+1 555"}]},
        "tags": ["a", "b"],
        "owner_id": ID,
        "avatar_url": "https://example.com/a.png",
        "privacy": {"read": None, "edit": {"user_ids": [ID], "group_ids": []}},
        "file_ids": ["f1"],
    },
    "update_a_nimble_contact_by_id": {"id": ID, "fields": {"first_name": "A"}, "replace": True, "is_important": True},
    "nimble_contacts_bulk": {"query": {"field": "tag", "operator": "is", "value": "x"}, "preflight_checks": True},
    "nimble_contacts_proceedings": {
        "contact_id": ID,
        "direction": "past",
        "types": ["task"],
        "completed": True,
        "notes_search": "call",
        "limit": 5,
    },
    "create_a_nimble_contact_field": {
        "name": "Budget",
        "field_kind": "number",
        "tab_id": ID,
        "group_id": ID2,
        "insert_after": ID2,
        "multiples": False,
        "number_type": "financial",
        "currency": "USD",
    },
    "update_a_nimble_contact_field_by_id": {
        "id": ID,
        "tab_id": ID2,
        "remove_from_group": True,
        "move_to_first": True,
        "number_type": "integer",
    },
    "update_a_nimble_contact_fields_group_by_id": {"id": ID, "logo_id": "2", "tab_id": ID2, "insert_after": ID2},
    "update_a_nimble_contact_field_tab_by_id": {"id": ID, "contact_types": ["person"], "move_to_first": True},
    "create_a_nimble_contact_field_choice": {"field_id": ID, "option_id": "9", "value": "Gold", "insert_after": "1"},
    "list_all_nimble_activities": {
        "direction": "past",
        "types": ["task"],
        "contacts": [ID],
        "deals": [ID2],
        "users": [ID],
        "completed": False,
        "tags": ["x"],
        "include_total": True,
    },
    "create_a_nimble_task": {
        "subject": "Call",
        "due_date": "2025-01-02",
        "notes": "n",
        "assigned_to": ID,
        "related": {"contacts": [ID], "deals": [ID2]},
        "tags": ["t"],
        "is_important": True,
        "completed_time": "2025-01-03T10:00:00Z",
    },
    "list_all_nimble_message_drafts": {"recipients": ["a@b.com"], "sender": "me@b.com", "limit": 3},
    "create_a_nimble_message_draft": {
        "subject": "Hi",
        "body": "<p>Hi</p>",
        "recipients": [{"identifier": "a@b.com"}],
        "cc": [{"identifier": "c@b.com"}],
        "bcc": [{"identifier": "d@b.com", "account_type": "mass_mail"}],
        "sender": {"identifier": "me@b.com"},
        "track_opens": True,
    },
}
