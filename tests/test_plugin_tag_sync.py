"""Tag sync: read, merge, write; the smallest change; nothing unrelated dropped."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from nimble_tools_action_support import Progress
from nimble_tools_tag_sync import merge_tags

from nimble_tools import InvalidArgumentsError, NimbleToolkit, RetryPolicy
from nimble_tools.sandbox import FaultPlan, Sandbox, seed_contacts

SYNC = "nimble_sync_contact_tags"


def tags_of(box: Sandbox, contact_id: str) -> list[str]:
    return [t if isinstance(t, str) else t["tag"] for t in box.state.table("contacts").quiet_get(contact_id)["tags"]]  # type: ignore[index]


def person(toolkit: NimbleToolkit, name: str, tags: list[str]) -> str:
    created = toolkit.call("create_a_nimble_contact", {"fields": {"first name": [{"value": name}]}}).result
    toolkit.call("nimble_contacts_assign_tags", {"id": created["id"], "tags": tags})
    contact_id: str = created["id"]
    return contact_id


@pytest.mark.parametrize(
    ("current", "add", "remove", "expected"),
    [
        (["a", "b"], ["c"], [], ["a", "b", "c"]),
        (["a", "B"], ["b"], [], ["a", "B"]),
        (["a", "VIP", "c"], [], ["vip"], ["a", "c"]),
        (["a"], ["b"], ["a"], ["b"]),
        ([], [], ["x"], []),
    ],
    ids=["append", "case-blind-add", "case-blind-remove", "swap", "empty"],
)
def test_merge_keeps_order_and_unrelated_tags(
    current: list[str], add: list[str], remove: list[str], expected: list[str]
) -> None:
    assert merge_tags(current, add, remove) == expected


def test_changes_only_what_is_asked_and_writes_only_changed_contacts(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    a = person(toolkit, "A", ["customer", "europe", "Old"])
    b = person(toolkit, "B", ["vip", "new"])
    c = person(toolkit, "C", ["vip"])  # already as asked
    before = box.request_count
    report = toolkit.call(SYNC, {"contact_ids": [a, b, c, a], "add": ["VIP"], "remove": ["old", "new"]}).result
    assert (report["total"], report["changed"], report["unchanged"], report["failed"]) == (3, 2, 1, 0)
    assert box.request_count - before == 1 + 2  # one read for all three, one write per changed contact
    assert tags_of(box, a) == ["customer", "europe", "VIP"]
    assert tags_of(box, b) == ["vip"]
    assert tags_of(box, c) == ["vip"]
    by_id = {item["contact_id"]: item for item in report["contacts"]}
    assert (by_id[a]["added"], by_id[a]["removed"]) == (["VIP"], ["Old"])
    assert (by_id[b]["added"], by_id[b]["removed"]) == ([], ["new"])
    assert by_id[c]["decision"] == "unchanged"
    again = toolkit.call(SYNC, {"contact_ids": [a, b, c], "add": ["VIP"], "remove": ["old", "new"]}).result
    assert again["unchanged"] == 3


def test_an_unknown_contact_is_reported_and_the_rest_still_change(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    a = person(toolkit, "A", ["x"])
    missing = "f" * 24
    report = toolkit.call(SYNC, {"contact_ids": [missing, a], "add": ["y"]}).result
    assert [item["decision"] for item in report["contacts"]] == ["not_found", "changed"]
    assert tags_of(box, a) == ["x", "y"]


def test_many_contacts_with_progress_sync_and_async() -> None:
    box = Sandbox(seed=False)
    ids = seed_contacts(box.state, 95)
    toolkit = NimbleToolkit.sandbox(emulator=box)
    progress: list[Progress] = []
    before = box.request_count
    report = toolkit.call(SYNC, {"contact_ids": ids, "add": ["imported"]}, on_progress=progress.append).result
    assert report["changed"] == 95
    assert box.request_count - before == 4 + 95  # 4 reads of up to 30, one write each
    assert [p.done for p in progress] == list(range(1, 96))
    again = asyncio.run(toolkit.acall(SYNC, {"contact_ids": ids, "add": ["imported"], "remove": ["nope"]})).result
    assert again["unchanged"] == 95


@pytest.mark.parametrize(
    ("arguments", "fix"),
    [
        ({"contact_ids": ["a" * 24]}, "nothing to do"),
        ({"contact_ids": ["a" * 24], "add": ["x"], "remove": ["X"]}, "both added and removed"),
        ({"contact_ids": ["a" * 24], "add": [" "]}, "a tag is empty"),
        ({"contact_ids": ["not-an-id"], "add": ["x"]}, "not a Nimble id"),
        ({"contact_ids": [], "add": ["x"]}, "contact_ids"),
    ],
    ids=["nothing", "both", "empty-tag", "bad-id", "no-contacts"],
)
def test_bad_input_is_refused_before_any_request(toolkit: NimbleToolkit, arguments: dict[str, Any], fix: str) -> None:
    box = toolkit.emulator
    assert box is not None
    before = box.request_count
    with pytest.raises(InvalidArgumentsError, match=fix):
        toolkit.call(SYNC, arguments)
    assert box.request_count == before


def test_under_faults_no_unrelated_tag_is_ever_dropped() -> None:
    box = Sandbox(seed=False)
    ids = seed_contacts(box.state, 60)
    for n, contact_id in enumerate(ids):
        box.state.table("contacts")[contact_id]["tags"] = [f"keep-{n}", "stale"]
    toolkit = NimbleToolkit.sandbox(emulator=box, retry=RetryPolicy(backoff_base=0, max_attempts=2))
    box.inject_faults(FaultPlan(seed=5, server_error=0.25, timeout=0.1, lost_reply=0.5))
    first = toolkit.call(SYNC, {"contact_ids": ids, "add": ["fresh"], "remove": ["stale"]}).result
    assert first["total"] == 60 and first["failed"] > 0
    for n, contact_id in enumerate(ids):
        assert f"keep-{n}" in tags_of(box, contact_id)
    box.inject_faults(None)
    second = toolkit.call(SYNC, {"contact_ids": ids, "add": ["fresh"], "remove": ["stale"]}).result
    assert second["failed"] == 0
    assert all(tags_of(box, contact_id) == [f"keep-{n}", "fresh"] for n, contact_id in enumerate(ids))
