"""Closed-won with a file: both steps once, and a failed close undoes the file or says what remains."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from nimble_tools import InvalidArgumentsError, NimbleToolkit, RetryPolicy
from nimble_tools.sandbox import FaultPlan, Sandbox

CLOSE = "nimble_close_won_with_file"
URL = "https://drive.google.com/file/d/abc/Signed%20contract.pdf"
DEAL_PATH = r"^/api/v2/deals/[0-9a-f]{24}"


def setup() -> tuple[Sandbox, NimbleToolkit, dict[str, Any]]:
    box = Sandbox()
    toolkit = NimbleToolkit.sandbox(emulator=box, retry=RetryPolicy(backoff_base=0, max_attempts=2))
    deal = toolkit.call("list_all_nimble_deals", {"limit": 1}).result[0]
    return box, toolkit, deal


def read_deal(toolkit: NimbleToolkit, deal_id: str) -> dict[str, Any]:
    deal: dict[str, Any] = toolkit.call("get_single_nimble_deal_by_id", {"id": deal_id}).result
    return deal


def stage_of(deal: dict[str, Any]) -> str:
    return str(deal["stage_transitions"]["transitions"][-1]["to_stage"]["name"])


def a_lead(box: Sandbox) -> dict[str, Any]:
    return next(r for r in box.state.table("contacts").quiet_values() if r.get("stages_info"))


def test_deal_gets_the_file_and_the_won_stage_once() -> None:
    _, toolkit, deal = setup()
    before = stage_of(deal)
    result = toolkit.call(CLOSE, {"deal_id": deal["deal_id"], "file_url": URL}).result
    assert result["decision"] == "won"
    assert result["stage"]["from"] == before and result["stage"]["to"] == "Won"
    after = read_deal(toolkit, deal["deal_id"])
    assert stage_of(after) == "Won"
    [file] = after["files"]
    assert (file["file_name"], file["metadata"]["source"], file["metadata"]["file_url"]) == (
        "Signed contract.pdf",
        "google_drive",
        URL,
    )
    again = toolkit.call(CLOSE, {"deal_id": deal["deal_id"], "file_url": URL}).result
    assert (again["decision"], again["file"]["attached_now"]) == ("already_won", False)
    assert len(read_deal(toolkit, deal["deal_id"])["files"]) == 1


def test_a_failed_move_removes_the_file_it_attached() -> None:
    box, toolkit, deal = setup()
    box.inject_faults(FaultPlan(server_error=1.0, lost_reply=0.0, methods=frozenset({"PUT"}), path_pattern=DEAL_PATH))
    result = toolkit.call(CLOSE, {"deal_id": deal["deal_id"], "file_url": URL}).result
    assert result["decision"] == "failed"
    assert result["undone"] and "Signed contract.pdf" in result["undone"][0]
    assert result["remains"] == []
    box.inject_faults(None)
    after = read_deal(toolkit, deal["deal_id"])
    assert (after["files"], stage_of(after)) == ([], stage_of(deal))


def test_when_the_undo_fails_too_the_result_names_what_remains() -> None:
    box, toolkit, deal = setup()
    plan = FaultPlan(server_error=1.0, lost_reply=0.0, methods=frozenset({"PUT", "DELETE"}), path_pattern=DEAL_PATH)
    box.inject_faults(plan)
    result = toolkit.call(CLOSE, {"deal_id": deal["deal_id"], "file_url": URL}).result
    assert result["decision"] == "failed" and result["undone"] == []
    [left] = result["remains"]
    assert result["file"]["file_id"] in left and deal["deal_id"] in left
    assert "remains" in result["explanation"] and result["undo_error"]
    box.inject_faults(None)
    assert len(read_deal(toolkit, deal["deal_id"])["files"]) == 1
    # running again finishes the job with the file that remained
    assert toolkit.call(CLOSE, {"deal_id": deal["deal_id"], "file_url": URL}).result["decision"] == "won"
    assert len(read_deal(toolkit, deal["deal_id"])["files"]) == 1


def test_a_file_that_was_there_before_is_not_removed() -> None:
    box, toolkit, deal = setup()
    toolkit.call(
        "create_a_nimble_deal_file",
        {"id": deal["deal_id"], "source": "google_drive", "file_url": URL, "file_name": "Signed contract.pdf"},
    )
    box.inject_faults(FaultPlan(server_error=1.0, lost_reply=0.0, methods=frozenset({"PUT"}), path_pattern=DEAL_PATH))
    result = toolkit.call(CLOSE, {"deal_id": deal["deal_id"], "file_url": URL}).result
    assert (result["decision"], result["undone"], result["remains"]) == ("failed", [], [])
    assert "already attached before" in result["explanation"]
    box.inject_faults(None)
    assert len(read_deal(toolkit, deal["deal_id"])["files"]) == 1


@pytest.mark.parametrize("method", ["POST", "PUT"], ids=["attach-answer-lost", "move-answer-lost"])
def test_lost_answers_are_read_back_not_repeated(method: str) -> None:
    box, toolkit, deal = setup()
    box.inject_faults(FaultPlan(server_error=1.0, lost_reply=1.0, methods=frozenset({method}), path_pattern=DEAL_PATH))
    result = toolkit.call(CLOSE, {"deal_id": deal["deal_id"], "file_url": URL}).result
    assert result["decision"] == "won"
    box.inject_faults(None)
    after = read_deal(toolkit, deal["deal_id"])
    assert stage_of(after) == "Won" and len(after["files"]) == 1


def test_lead_is_exited_with_the_file_noted_once() -> None:
    box, toolkit, _ = setup()
    lead = a_lead(box)
    arguments = {"lead_id": lead["id"], "pipeline_id": lead["stages_info"][0]["pipeline_id"], "file_url": URL}
    result = toolkit.call(CLOSE, arguments).result
    assert result["decision"] == "won"
    info = toolkit.call("get_single_nimble_contact_by_id", {"id": lead["id"]}).result["resources"][0]["stages_info"][0]
    assert (info["stage_name"], info["is_final"]) == ("Won", True)
    note = toolkit.call("get_single_nimble_contact_note_by_id", {"id": result["file"]["note_id"]}).result
    assert f"File: {URL}" in note["note"] and "Signed contract.pdf" in note["note"]
    again = toolkit.call(CLOSE, arguments).result
    assert (again["decision"], again["file"]["note_id"]) == ("already_won", result["file"]["note_id"])


def test_a_failed_lead_exit_deletes_the_note_made_for_it() -> None:
    box, toolkit, _ = setup()
    lead = a_lead(box)
    arguments = {"lead_id": lead["id"], "pipeline_id": lead["stages_info"][0]["pipeline_id"], "file_url": URL}
    box.inject_faults(FaultPlan(server_error=1.0, lost_reply=0.0, path_pattern=r"/successful$"))
    result = toolkit.call(CLOSE, arguments).result
    assert result["decision"] == "failed" and len(result["undone"]) == 1
    box.inject_faults(None)
    notes = toolkit.call("list_all_nimble_contact_notes", {"contact_id": lead["id"], "limit": 100}).result
    assert all(URL not in n["note"] for n in notes)


def test_a_contact_outside_the_pipeline_is_left_alone(toolkit: NimbleToolkit) -> None:
    box = toolkit.emulator
    assert box is not None
    lead = a_lead(box)
    outsider = next(r for r in box.state.table("contacts").quiet_values() if not r.get("stages_info"))
    arguments = {"lead_id": outsider["id"], "pipeline_id": lead["stages_info"][0]["pipeline_id"], "file_url": URL}
    result = toolkit.call(CLOSE, arguments).result
    assert result["decision"] == "failed" and "not a lead in that pipeline" in result["explanation"]


def test_async_close_matches_sync() -> None:
    _, toolkit, deal = setup()
    assert asyncio.run(toolkit.acall(CLOSE, {"deal_id": deal["deal_id"], "file_url": URL})).result["decision"] == "won"


@pytest.mark.parametrize(
    ("arguments", "fix"),
    [
        ({"file_url": URL}, "exactly one of deal_id and lead_id"),
        ({"lead_id": "a" * 24, "file_url": URL}, "lead_id needs pipeline_id"),
        ({"deal_id": "a" * 24, "file_url": "https://files.example.com/x.pdf"}, "set source"),
        ({"deal_id": "a" * 24, "pipeline_id": "b" * 24, "file_url": URL}, "pipeline_id is for leads"),
        ({"deal_id": "a" * 24, "file_url": "ftp://x/y.pdf"}, "file_url"),
    ],
    ids=["no-target", "lead-without-pipeline", "unknown-host", "deal-with-pipeline", "not-http"],
)
def test_bad_input_is_refused_before_any_request(toolkit: NimbleToolkit, arguments: dict[str, Any], fix: str) -> None:
    box = toolkit.emulator
    assert box is not None
    before = box.request_count
    with pytest.raises(InvalidArgumentsError, match=fix):
        toolkit.call(CLOSE, arguments)
    assert box.request_count == before


def test_a_confirmation_policy_does_not_hold_the_undo_of_the_actions_own_file() -> None:
    # The action is what a person confirms, not its steps: its undo deletes the file it attached
    # itself, and no confirmation token ever appears in its result.
    from nimble_tools.policies import ConfirmDestructivePolicy

    box, toolkit, deal = setup()
    toolkit.register_plugin(ConfirmDestructivePolicy(), name="confirm")
    box.inject_faults(FaultPlan(server_error=1.0, lost_reply=0.0, methods=frozenset({"PUT"}), path_pattern=DEAL_PATH))
    result = toolkit.call(CLOSE, {"deal_id": deal["deal_id"], "file_url": URL}).result
    assert result["decision"] == "failed" and len(result["undone"]) == 1 and not result.get("remains")
    assert "confirm_token" not in json.dumps(result)
    box.inject_faults(None)
    assert read_deal(toolkit, deal["deal_id"])["files"] == []
