"""Lead transitions in contact pipelines (``/api/v2/leads/{lead_id}/{pipeline_id}/...``).

Each answers with the updated contact, whose ``stages_info`` shows where the lead now is. The rules
are in ``_lead_transitions``.
"""

from __future__ import annotations

from typing import Any

from .._contacts import render_contact
from .._http import Router, SandboxRequest
from .._lead_transitions import clear, edit_exit, exit_lead, load, move, undo
from .._payload import json_object, user_of

router = Router()

BASE = "/api/v2/leads/{lead_id}/{pipeline_id}"


def _load(request: SandboxRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    return load(request.st, request.path_params["lead_id"], request.path_params["pipeline_id"])


@router.route("POST", BASE + "/move")
def move_lead(request: SandboxRequest) -> Any:
    contact, pipeline = _load(request)
    move(request.st, contact, pipeline, json_object(request).get("stage_id"), user_of(request))
    return render_contact(request.st, contact)


@router.route("POST", BASE + "/successful")
def exit_successfully(request: SandboxRequest) -> Any:
    contact, pipeline = _load(request)
    exit_lead(request.st, contact, pipeline, json_object(request), won=True)
    return render_contact(request.st, contact)


@router.route("PUT", BASE + "/successful")
def edit_successful_exit(request: SandboxRequest) -> Any:
    contact, pipeline = _load(request)
    edit_exit(request.st, contact, pipeline, json_object(request), won=True)
    return render_contact(request.st, contact)


@router.route("POST", BASE + "/unsuccessful")
def exit_unsuccessfully(request: SandboxRequest) -> Any:
    contact, pipeline = _load(request)
    exit_lead(request.st, contact, pipeline, json_object(request), won=False)
    return render_contact(request.st, contact)


@router.route("PUT", BASE + "/unsuccessful")
def edit_unsuccessful_exit(request: SandboxRequest) -> Any:
    contact, pipeline = _load(request)
    edit_exit(request.st, contact, pipeline, json_object(request), won=False)
    return render_contact(request.st, contact)


@router.route("POST", BASE + "/undo")
def undo_exit(request: SandboxRequest) -> Any:
    contact, pipeline = _load(request)
    undo(request.st, contact, pipeline)
    return render_contact(request.st, contact)


@router.route("DELETE", BASE)
def clear_transitions(request: SandboxRequest) -> Any:
    contact, pipeline = _load(request)
    clear(request.st, contact, pipeline)
    return render_contact(request.st, contact)
