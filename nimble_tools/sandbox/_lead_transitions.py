"""The rules of leads moving through contact pipelines, and the contact's ``stages_info`` they produce.

A contact's journey through one pipeline (a "run") is kept in table ``lead_runs``, one record per
contact and pipeline: the current stage, when it was entered, the moves so far and, once the lead
has left the pipeline, the exit. The contact record only carries the derived ``stages_info`` list,
so the contact endpoints need to know nothing about runs. A contact that shows a stage without a
run (seeded data) gets a run adopted from its ``stages_info`` the first time a transition needs it.

Transitions Nimble refuses are answered with its 406 rule-violation shape ``{message, type}``:
moving into a final stage (that is what the exits are for), moving or exiting a lead that has
already exited, exiting or clearing a lead that is not in the pipeline, editing or undoing an exit
that does not exist, and any transition in an archived pipeline or into an archived stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..readers import parse_timestamp
from ._http import ApiError
from ._lead_pipelines import LOST, TABLE, WON, final_stage, find_stage, stage_named
from ._state import SandboxState, iso_millis

__all__ = ["RUNS", "clear", "edit_exit", "exit_lead", "load", "move", "refresh_stages_info", "undo"]

RUNS = "lead_runs"
Record = dict[str, Any]


def _key(contact_id: str, pipeline_id: str) -> str:
    return f"{contact_id}:{pipeline_id}"


def load(state: SandboxState, contact_id: str, pipeline_id: str) -> tuple[Record, Record]:
    """The contact and the contact pipeline of a transition request (404 when either is missing)."""
    contact = state.table("contacts").get(contact_id)
    if contact is None:
        raise ApiError.not_found("contact", contact_id)
    pipeline = state.table(TABLE).get(pipeline_id)
    if pipeline is None:
        raise ApiError.not_found("pipeline", pipeline_id)
    if pipeline["archived_at"] is not None:
        raise ApiError.not_acceptable(f"Pipeline '{pipeline['name']}' is archived", "pipeline_archived")
    return contact, pipeline


def move(state: SandboxState, contact: Record, pipeline: Record, stage_id: Any, user: Mapping[str, Any]) -> None:
    """Move the lead to an in-progress stage, entering the pipeline if it is not in it yet."""
    if not isinstance(stage_id, str) or not stage_id:
        raise ApiError.validation("stage_id is required", {"stage_id": {"message": "Pass the id of the target stage"}})
    stage = find_stage(pipeline, stage_id)
    if stage is None:
        raise ApiError.validation(
            "Unknown stage", {"stage_id": {"message": f"Stage {stage_id} is not in pipeline '{pipeline['name']}'"}}
        )
    if stage["archived_at"] is not None:
        raise ApiError.not_acceptable(f"Stage '{stage['name']}' is archived", "stage_archived")
    if stage["role"]["is_final"]:
        raise ApiError.not_acceptable(
            f"'{stage['name']}' is a final stage: exit the lead successfully or unsuccessfully instead of moving it",
            "final_stage",
        )
    runs = state.table(RUNS)
    run = _run(state, contact, pipeline)
    now = state.timestamp()
    if run is None:
        run = {
            "contact_id": contact["id"],
            "pipeline_id": pipeline["pipeline_id"],
            "stage_id": None,
            "entered": now,
            "history": [],
            "exit": None,
        }
        runs[_key(contact["id"], pipeline["pipeline_id"])] = run
    elif run["exit"] is not None:
        raise ApiError.not_acceptable(
            "The lead has already exited this pipeline; undo the exit or clear its transitions first",
            "lead_already_exited",
        )
    if run["stage_id"] == stage_id:
        return  # already there: nothing changes, like repeating the same drag in Nimble's board
    run["history"].append({"from": run["stage_id"], "to": stage_id, "when": now, "who": user["user_id"]})
    run["stage_id"], run["entered"] = stage_id, now
    refresh_stages_info(state, contact, pipeline)


def exit_lead(state: SandboxState, contact: Record, pipeline: Record, body: Mapping[str, Any], *, won: bool) -> None:
    """Exit the lead successfully (won) or unsuccessfully (lost, with an optional lost reason)."""
    run = _active_run(state, contact, pipeline)
    if run["exit"] is not None:
        raise ApiError.not_acceptable(
            "The lead has already exited this pipeline; edit or undo that exit instead", "lead_already_exited"
        )
    target = final_stage(pipeline, WON if won else LOST)
    if target is None:
        raise ApiError.not_acceptable("The pipeline has no final stage for this exit", "no_final_stage")
    exit_date = _exit_date(state, body.get("actual_exit_date"))
    run["exit"] = {
        "won": won,
        "previous_stage_id": run["stage_id"],
        "previous_entered": run["entered"],
        "actual_exit_date": exit_date,
        "notes": _text(body.get("notes"), "notes"),
        "lost_reason": None if won else _lost_reason(pipeline, body.get("lost_reason")),
    }
    run["history"].append({"from": run["stage_id"], "to": target["stage_id"], "when": exit_date, "who": None})
    run["stage_id"], run["entered"] = target["stage_id"], exit_date
    refresh_stages_info(state, contact, pipeline)


def edit_exit(state: SandboxState, contact: Record, pipeline: Record, body: Mapping[str, Any], *, won: bool) -> None:
    """Change the notes, date (and lost reason) of the lead's existing exit of that kind."""
    run = _active_run(state, contact, pipeline)
    exit_ = run["exit"]
    if exit_ is None or exit_["won"] != won:
        kind = "successful" if won else "unsuccessful"
        raise ApiError.not_acceptable(f"The lead has no {kind} exit in this pipeline to update", f"no_{kind}_exit")
    if "actual_exit_date" in body:
        exit_["actual_exit_date"] = run["entered"] = _exit_date(state, body["actual_exit_date"])
    if "notes" in body:
        exit_["notes"] = _text(body["notes"], "notes")
    if not won and "lost_reason" in body:
        exit_["lost_reason"] = _lost_reason(pipeline, body["lost_reason"])
    refresh_stages_info(state, contact, pipeline)


def undo(state: SandboxState, contact: Record, pipeline: Record) -> None:
    """Take back the lead's exit: it returns to the stage it was in before."""
    run = _active_run(state, contact, pipeline)
    exit_ = run["exit"]
    if exit_ is None:
        raise ApiError.not_acceptable("The lead has not been won or lost in this pipeline; nothing to undo", "no_exit")
    if exit_["previous_stage_id"] is None:
        raise ApiError.not_acceptable(
            "The stage the lead was in before this exit is not known; move it to a stage after clearing instead",
            "no_previous_stage",
        )
    run["stage_id"], run["entered"] = exit_["previous_stage_id"], exit_["previous_entered"]
    run["exit"] = None
    if run["history"]:
        run["history"].pop()
    refresh_stages_info(state, contact, pipeline)


def clear(state: SandboxState, contact: Record, pipeline: Record) -> None:
    """Erase the lead's transitions in this pipeline's current run: the lead leaves the pipeline."""
    _active_run(state, contact, pipeline)
    del state.table(RUNS)[_key(contact["id"], pipeline["pipeline_id"])]
    refresh_stages_info(state, contact, pipeline)


def refresh_stages_info(state: SandboxState, contact: Record, pipeline: Mapping[str, Any]) -> None:
    """Update the contact's ``stages_info`` entry (``Contacts.LeadInStageInfo``) for one pipeline."""
    pipeline_id = pipeline["pipeline_id"]
    info = [i for i in contact.get("stages_info") or [] if i.get("pipeline_id") != pipeline_id]
    run = state.table(RUNS).get(_key(contact["id"], pipeline_id))
    stage = find_stage(pipeline, run["stage_id"]) if run else None
    if run is not None and stage is not None:
        info.append(
            {
                "pipeline_id": pipeline_id,
                "pipeline_name": pipeline["name"],
                "stage_name": stage["name"],
                "entered_data": run["entered"],
                "is_final": stage["role"]["is_final"],
                "days_limit": stage["days_limit"],
            }
        )
    contact["stages_info"] = info
    contact["updated"] = state.contact_timestamp()


def _run(state: SandboxState, contact: Record, pipeline: Mapping[str, Any]) -> Record | None:
    """The lead's run in ``pipeline``, adopted from its ``stages_info`` when only that records it."""
    runs = state.table(RUNS)
    key = _key(contact["id"], pipeline["pipeline_id"])
    if key in runs:
        return runs[key]
    info = next((i for i in contact.get("stages_info") or [] if i.get("pipeline_id") == pipeline["pipeline_id"]), None)
    stage = stage_named(pipeline, str(info["stage_name"])) if info else None
    if info is None or stage is None:
        return None
    run: Record = {
        "contact_id": contact["id"],
        "pipeline_id": pipeline["pipeline_id"],
        "stage_id": stage["stage_id"],
        "entered": info["entered_data"],
        "history": [],
        "exit": None,
    }
    if stage["role"]["is_final"]:
        run["exit"] = {
            "won": stage["role"]["name"] == WON,
            "previous_stage_id": None,
            "previous_entered": None,
            "actual_exit_date": info["entered_data"],
            "notes": None,
            "lost_reason": None,
        }
    runs[key] = run
    return run


def _active_run(state: SandboxState, contact: Record, pipeline: Record) -> Record:
    run = _run(state, contact, pipeline)
    if run is None:
        raise ApiError.not_acceptable(
            f"The lead is not in pipeline '{pipeline['name']}'; move it to a stage first", "lead_not_in_pipeline"
        )
    return run


def _exit_date(state: SandboxState, raw: Any) -> str:
    if raw is None:
        return state.timestamp()
    if isinstance(raw, str):
        moment = parse_timestamp(raw)
        if moment is not None:
            return iso_millis(moment)
    raise ApiError.validation(
        "actual_exit_date is not a date", {"actual_exit_date": {"message": f"Can't parse value {raw!r} as DATE-TIME"}}
    )


def _text(raw: Any, name: str) -> str | None:
    if raw is None or isinstance(raw, str):
        return raw
    raise ApiError.validation(f"{name} must be a string", {name: {"message": "must be a string"}})


def _lost_reason(pipeline: Mapping[str, Any], raw: Any) -> str | None:
    """The reason's text; Nimble does not say whether it takes the id or the text, so both are accepted."""
    if raw is None:
        return None
    for reason in pipeline["lost_reasons"]:
        if raw in (reason["id"], reason["text"]):
            return str(reason["text"])
    known = ", ".join(repr(r["text"]) for r in pipeline["lost_reasons"]) or "none"
    raise ApiError.validation(
        "Unknown lost reason", {"lost_reason": {"message": f"{raw!r} is not a lost reason of this pipeline ({known})"}}
    )
