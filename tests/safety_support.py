"""Shared pieces of the safety suites (tests/test_safety_*.py): a recorded sandbox, the destructive
calls each promise is checked against, and how to read a token out of a preview."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hardening_support import Wire

from nimble_tools import NimbleToolkit

TOKEN = re.compile(r"confirm_token='([A-Za-z0-9_-]+)'")
WRITES = ("POST", "PUT", "PATCH", "DELETE")
DELETE = "delete_a_nimble_contact_by_id"
BULK = "nimble_contacts_bulk"


def token_in(text: str) -> str:
    """The confirmation token a preview asks to repeat the call with."""
    found = TOKEN.search(text)
    assert found is not None, f"no confirm token in: {text}"
    return found.group(1)


def people(toolkit: NimbleToolkit, count: int = 3) -> list[str]:
    ids: list[str] = toolkit.call("nimble_contacts_contact_ids", {"record_type": "person", "limit": count}).result
    return ids


def exists(toolkit: NimbleToolkit, contact_id: str) -> bool:
    assert toolkit.emulator is not None
    return contact_id in toolkit.emulator.state.table("contacts")


def writes(wire: Wire) -> list[str]:
    """The requests that would have changed something, as ``METHOD path``."""
    return [f"{sent.method} {sent.raw_path}" for sent in wire.sent if sent.method in WRITES]


def tag(toolkit: NimbleToolkit, ids: list[str], label: str) -> dict[str, Any]:
    """Tag ``ids`` with ``label``; the bulk-delete arguments that select exactly them."""
    for contact_id in ids:
        current = toolkit.call("get_single_nimble_contact_by_id", {"id": contact_id}).result["resources"][0]
        names = [t["tag"] if isinstance(t, dict) else t for t in current.get("tags") or []]
        toolkit.call("nimble_contacts_assign_tags", {"id": contact_id, "tags": [*names, label]})
    return {"query": {"field": "tag", "operator": "is", "value": label}}


@dataclass(frozen=True)
class Destructive:
    """One kind of destructive call: how to make it, what its preview says, how to tell it did nothing."""

    name: str
    arguments: Callable[[NimbleToolkit], dict[str, Any]]
    preview: Callable[[NimbleToolkit], str]
    untouched: Callable[[NimbleToolkit, dict[str, Any]], bool]

    def __repr__(self) -> str:
        return self.name


def _persons(toolkit: NimbleToolkit) -> int:
    page = toolkit.call("nimble_contacts_contact_ids", {"record_type": "person", "limit": 1})
    return int(page.raw["meta"]["total"])


def _sales(toolkit: NimbleToolkit) -> dict[str, Any]:
    return next(p for p in toolkit.call("list_all_nimble_deals_pipelines").result if p["name"] == "Sales")


def _deals_in(toolkit: NimbleToolkit, pipeline_id: str) -> int:
    assert toolkit.emulator is not None
    return sum(1 for d in toolkit.emulator.state.table("deals").quiet_values() if d["pipeline_id"] == pipeline_id)


def _record(toolkit: NimbleToolkit, contact_id: str) -> dict[str, Any]:
    record: dict[str, Any] = toolkit.call("get_single_nimble_contact_by_id", {"id": contact_id}).result["resources"][0]
    return record


def _emails(toolkit: NimbleToolkit, contact_id: str) -> list[str]:
    return [v["value"] for v in _record(toolkit, contact_id)["fields"].get("email", [])]


def _tags(toolkit: NimbleToolkit, contact_id: str) -> list[str]:
    return [t["tag"] for t in _record(toolkit, contact_id).get("tags") or []]


DESTRUCTIVE = [
    Destructive(
        DELETE,
        lambda tk: {"id": people(tk, 1)[0]},
        lambda tk: "Delete one contact",
        lambda tk, args: exists(tk, args["id"]),
    ),
    Destructive(
        BULK,
        lambda tk: {"record_type": "person"},
        lambda tk: f"{_persons(tk)} contact(s)",
        lambda tk, args: _persons(tk) > 0,
    ),
    Destructive(
        "delete_a_nimble_deals_pipeline_by_id",
        lambda tk: {"id": _sales(tk)["pipeline_id"]},
        lambda tk: f"{_deals_in(tk, _sales(tk)['pipeline_id'])} deal(s)",
        lambda tk, args: _deals_in(tk, args["id"]) > 0,
    ),
    Destructive(
        "update_a_nimble_contact_by_id",
        lambda tk: {"id": people(tk, 1)[0], "fields": {"emails": [{"value": "new@acme.example"}]}, "replace": True},
        lambda tk: f"values not in the call are removed (email: {_emails(tk, people(tk, 1)[0])[0]}",
        lambda tk, args: "new@acme.example" not in _emails(tk, args["id"]),
    ),
    Destructive(
        "nimble_contacts_assign_tags",
        lambda tk: {"id": people(tk, 1)[0], "tags": []},
        lambda tk: f"removing {_tags(tk, people(tk, 1)[0])}",
        lambda tk, args: bool(_tags(tk, args["id"])),
    ),
]
"""A delete, a mass delete, a cascading delete and two overwrites that cannot be undone."""
