"""Lead transitions end to end: moving contacts through contact pipelines, and the rules Nimble enforces."""

from __future__ import annotations

from typing import Any

import pytest
from deals_support import pipeline, raises_api, refused_before_sending

from nimble_tools import InvalidArgumentsError, NimbleToolkit
from nimble_tools.sandbox._lead_pipelines import TABLE, new_lead_pipeline

MISSING = "0123456789abcdef01234567"


class Leads:
    """The "Sales leads" contact pipeline of a seeded sandbox, and a contact that is not in it yet."""

    def __init__(self, toolkit: NimbleToolkit) -> None:
        assert toolkit.emulator is not None
        self.toolkit = toolkit
        self.state = toolkit.emulator.state
        self.pipeline = next(p for p in self.state.table(TABLE).values() if p["name"] == "Sales leads")
        self.contact = next(
            c["id"]
            for c in toolkit.call("list_all_nimble_contacts", {"limit": 100}).result
            if c["record_type"] == "person" and not c["stages_info"]
        )

    def stage(self, name: str) -> str:
        return str(next(s["stage_id"] for s in self.pipeline["stages"] if s["name"] == name))

    def args(self, **extra: Any) -> dict[str, Any]:
        return {"lead_id": self.contact, "pipeline_id": self.pipeline["pipeline_id"], **extra}

    def call(self, name: str, **extra: Any) -> dict[str, Any]:
        contact: dict[str, Any] = self.toolkit.call(name, self.args(**extra)).result
        return contact

    def where(self, contact: dict[str, Any]) -> tuple[str, bool] | None:
        info = [i for i in contact["stages_info"] if i["pipeline_id"] == self.pipeline["pipeline_id"]]
        return (info[0]["stage_name"], info[0]["is_final"]) if info else None


MOVE = "nimble_pipeline_transition_move_lead_stage"
WIN = "create_a_nimble_pipeline_transition"
EDIT_WIN = "update_a_nimble_pipeline_transition_by_id"
LOSE = "nimble_pipeline_transition_exit_lead_unsuccessfully"
EDIT_LOSS = "nimble_pipeline_transition_unsuccessful_exit"
UNDO = "nimble_pipeline_transition_undo_lead"
CLEAR = "delete_a_nimble_pipeline_transition_by_id"


def fetch_contact(toolkit: NimbleToolkit, contact_id: str) -> dict[str, Any]:
    """A contact as the contacts side returns it (a bare record, or the legacy ``{resources: [...]}``)."""
    result: dict[str, Any] = toolkit.call("get_single_nimble_contact_by_id", {"id": contact_id}).result
    return result["resources"][0] if "resources" in result else result


@pytest.fixture
def leads(deal_toolkit: NimbleToolkit) -> Leads:
    return Leads(deal_toolkit)


def test_the_listing_and_the_transitions_read_the_same_pipelines(leads: Leads) -> None:
    listed = leads.toolkit.call("list_all_nimble_contact_pipelines").result
    listed = listed["pipelines"] if isinstance(listed, dict) else listed
    assert [p["pipeline_id"] for p in listed] == list(leads.state.table(TABLE))
    stages = [(s["name"], s["role"]["name"], s["role"]["is_final"]) for s in leads.pipeline["stages"]]
    assert stages == [
        ("New lead", "open", False),
        ("Qualified", "open", False),
        ("Won", "won", True),
        ("Lost", "lost", True),
    ]


def test_move_enters_the_pipeline_and_moves_between_stages(leads: Leads) -> None:
    entered = leads.call(MOVE, stage_id=leads.stage("New lead"))
    assert leads.where(entered) == ("New lead", False)
    info = next(i for i in entered["stages_info"] if i["pipeline_id"] == leads.pipeline["pipeline_id"])
    assert info["pipeline_name"] == "Sales leads" and info["days_limit"] == 14
    moved = leads.call(MOVE, stage_id=leads.stage("Qualified"))
    assert leads.where(moved) == ("Qualified", False)
    assert leads.where(fetch_contact(leads.toolkit, leads.contact)) == (
        "Qualified",
        False,
    )  # the contact itself carries the new stages_info
    assert leads.where(leads.call(MOVE, stage_id=leads.stage("Qualified"))) == ("Qualified", False)  # no-op


def test_move_refusals(leads: Leads) -> None:
    error = raises_api(leads.toolkit, MOVE, leads.args(stage_id=leads.stage("Won")), 406)
    assert error.body["type"] == "final_stage"  # won/lost are reached by exiting, not by moving
    deal_stage = pipeline(leads.toolkit)["stages"][0]["stage_id"]
    error = raises_api(leads.toolkit, MOVE, leads.args(stage_id=deal_stage), 409)
    assert "stage_id" in error.field_errors  # type: ignore[attr-defined]
    raises_api(leads.toolkit, MOVE, {**leads.args(stage_id=leads.stage("New lead")), "lead_id": MISSING}, 404)
    deal_pipeline = pipeline(leads.toolkit)["pipeline_id"]
    error = raises_api(
        leads.toolkit, MOVE, {**leads.args(stage_id=leads.stage("New lead")), "pipeline_id": deal_pipeline}, 404
    )
    assert error.body == {"object_type": "pipeline", "object_id": deal_pipeline}  # a deal pipeline is not a lead one
    next(s for s in leads.pipeline["stages"] if s["name"] == "New lead")["archived_at"] = "2024-01-01T00:00:00.000Z"
    error = raises_api(leads.toolkit, MOVE, leads.args(stage_id=leads.stage("New lead")), 406)
    assert error.body["type"] == "stage_archived"
    error = refused_before_sending(leads.toolkit, lambda: leads.toolkit.call(MOVE, leads.args()))
    assert isinstance(error, InvalidArgumentsError) and error.errors == [("stage_id", "required, but missing")]


def test_win_edit_and_undo(leads: Leads) -> None:
    leads.call(MOVE, stage_id=leads.stage("New lead"))
    before = next(i for i in leads.call(MOVE, stage_id=leads.stage("Qualified"))["stages_info"])["entered_data"]
    won = leads.call(WIN, notes="Signed", actual_exit_date="2024-05-31T15:00:00+02:00")
    assert leads.where(won) == ("Won", True)
    info = next(i for i in won["stages_info"] if i["pipeline_id"] == leads.pipeline["pipeline_id"])
    assert info["entered_data"] == "2024-05-31T13:00:00.000Z"  # the actual exit date, in UTC
    edited = leads.call(EDIT_WIN, actual_exit_date="2024-06-01T09:00:00Z")
    assert next(i for i in edited["stages_info"])["entered_data"] == "2024-06-01T09:00:00.000Z"
    undone = leads.call(UNDO)
    assert leads.where(undone) == ("Qualified", False)
    assert next(i for i in undone["stages_info"])["entered_data"] == before


def test_exit_refusals(leads: Leads) -> None:
    error = raises_api(leads.toolkit, WIN, leads.args(), 406)
    assert error.body["type"] == "lead_not_in_pipeline"
    raises_api(leads.toolkit, LOSE, leads.args(), 406)
    error = raises_api(leads.toolkit, UNDO, leads.args(), 406)
    assert error.body["type"] == "lead_not_in_pipeline"
    leads.call(MOVE, stage_id=leads.stage("New lead"))
    error = raises_api(leads.toolkit, UNDO, leads.args(), 406)
    assert error.body["type"] == "no_exit"
    error = raises_api(leads.toolkit, EDIT_WIN, leads.args(notes="x"), 406)
    assert error.body["type"] == "no_successful_exit"
    leads.call(WIN)
    error = raises_api(leads.toolkit, WIN, leads.args(), 406)
    assert error.body["type"] == "lead_already_exited"
    raises_api(leads.toolkit, LOSE, leads.args(), 406)
    raises_api(leads.toolkit, MOVE, leads.args(stage_id=leads.stage("New lead")), 406)  # undo or clear first
    error = raises_api(leads.toolkit, EDIT_LOSS, leads.args(notes="x"), 406)
    assert error.body["type"] == "no_unsuccessful_exit"  # it was won, not lost
    for name, extra in ((EDIT_WIN, {}), (EDIT_LOSS, {}), (WIN, {"actual_exit_date": "yesterday"})):
        refused_before_sending(leads.toolkit, lambda n=name, e=extra: leads.toolkit.call(n, leads.args(**e)))


def test_lose_with_a_reason_and_change_it(leads: Leads) -> None:
    leads.call(MOVE, stage_id=leads.stage("New lead"))
    reason_id = next(r["id"] for r in leads.pipeline["lost_reasons"] if r["text"] == "Too expensive")
    lost = leads.call(LOSE, lost_reason="No budget", notes="Next year")
    assert leads.where(lost) == ("Lost", True)
    run = leads.state.table("lead_runs")[f"{leads.contact}:{leads.pipeline['pipeline_id']}"]
    assert (run["exit"]["lost_reason"], run["exit"]["notes"]) == ("No budget", "Next year")
    leads.call(EDIT_LOSS, lost_reason=reason_id)  # the reason's id works as well as its text
    assert run["exit"]["lost_reason"] == "Too expensive" and run["exit"]["notes"] == "Next year"
    error = raises_api(leads.toolkit, EDIT_LOSS, leads.args(lost_reason="Too tall"), 409)
    assert "lost_reason" in error.field_errors  # type: ignore[attr-defined]
    assert leads.where(leads.call(UNDO)) == ("New lead", False)
    raises_api(leads.toolkit, LOSE, leads.args(lost_reason="Too tall"), 409)
    assert leads.where(fetch_contact(leads.toolkit, leads.contact)) == ("New lead", False)  # nothing changed


def test_clear_removes_the_lead_from_the_pipeline(leads: Leads) -> None:
    leads.call(MOVE, stage_id=leads.stage("New lead"))
    leads.call(MOVE, stage_id=leads.stage("Qualified"))
    cleared = leads.call(CLEAR)
    assert leads.where(cleared) is None
    error = raises_api(leads.toolkit, CLEAR, leads.args(), 406)
    assert error.body["type"] == "lead_not_in_pipeline"
    assert leads.where(leads.call(MOVE, stage_id=leads.stage("New lead"))) == ("New lead", False)  # a fresh run
    raises_api(leads.toolkit, CLEAR, {**leads.args(), "lead_id": MISSING}, 404)


def test_runs_in_two_pipelines_are_independent(leads: Leads) -> None:
    partners = new_lead_pipeline(
        leads.state, "Partnerships", [("Identified", "open", None), ("In talks", "open", 30), ("Partner", "won", None)]
    )
    leads.call(MOVE, stage_id=leads.stage("New lead"))
    both = leads.toolkit.call(
        MOVE,
        {
            "lead_id": leads.contact,
            "pipeline_id": partners["pipeline_id"],
            "stage_id": partners["stages"][1]["stage_id"],
        },
    ).result
    assert sorted(i["pipeline_name"] for i in both["stages_info"]) == ["Partnerships", "Sales leads"]
    assert leads.where(leads.call(CLEAR)) is None
    remaining = fetch_contact(leads.toolkit, leads.contact)
    assert [i["stage_name"] for i in remaining["stages_info"]] == ["In talks"]


def test_seeded_leads_continue_from_their_stages_info(deal_toolkit: NimbleToolkit) -> None:
    # The contacts side seeds two leads by their stages_info alone; transitions adopt that state.
    leads = Leads(deal_toolkit)
    people = deal_toolkit.call("list_all_nimble_contacts", {"limit": 100}).result
    staged = {c["id"]: leads.where(c) for c in people if c["stages_info"]}
    priya = next(c["id"] for c in people if c["fields"]["first name"][0]["value"] == "Priya")
    assert staged[priya] == ("Qualified", False)
    leads.contact = priya
    assert leads.where(leads.call(WIN)) == ("Won", True)
    assert leads.where(leads.call(UNDO)) == ("Qualified", False)  # back where the seed had her
    assert leads.where(leads.call(MOVE, stage_id=leads.stage("New lead"))) == ("New lead", False)
    assert leads.where(leads.call(CLEAR)) is None
