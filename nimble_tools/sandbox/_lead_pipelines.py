"""Contact (lead) pipelines: the shared data behind ``GET /api/v1/contacts/pipelines`` and lead transitions.

Both the contact-pipeline listing and the ``/api/v2/leads/...`` transitions read table
``contact_pipelines``. A stored pipeline is Nimble's ``Contacts.LeadsPipeline`` plus an ``id`` key
(equal to ``pipeline_id``) on the pipeline and on each stage, so that code can address records the
same way in every table; :func:`public_lead_pipeline` drops those extra keys.

Stage roles: ``in_progress`` stages are where a lead works its way through; every pipeline ends with
one final ``won`` and one final ``lost`` stage, which only the successful/unsuccessful exits reach.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from ._state import SandboxState
from ._users import short_user

__all__ = [
    "LOST",
    "OPEN",
    "TABLE",
    "WON",
    "final_stage",
    "find_stage",
    "new_lead_pipeline",
    "public_lead_pipeline",
    "seed_lead_pipelines",
]

TABLE = "contact_pipelines"
OPEN, WON, LOST = "in_progress", "won", "lost"

Record = dict[str, Any]
StageSpec = tuple[str, str, int | None]
"""``(name, role, days_limit)``."""


def new_lead_pipeline(
    state: SandboxState,
    name: str,
    stages: Iterable[StageSpec],
    *,
    lost_reasons: Iterable[str] = (),
    description: str | None = None,
    color: str = "#2e7d32",
) -> Record:
    """Create and store a contact pipeline; returns the stored record."""
    pipeline_id = state.new_id()
    now = state.timestamp()
    creator = short_user(state, state.me_id)
    stage_records = []
    for position, (stage_name, role, days_limit) in enumerate(stages):
        stage_id = state.new_id()
        stage_records.append(
            {
                "id": stage_id,
                "stage_id": stage_id,
                "pipeline_id": pipeline_id,
                "name": stage_name,
                "description": None,
                "position": position,
                "days_limit": days_limit,
                "role": {"name": role, "is_final": role in (WON, LOST)},
                "archived_at": None,
                "created": now,
                "updated": now,
                "creator": creator,
            }
        )
    record: Record = {
        "id": pipeline_id,
        "pipeline_id": pipeline_id,
        "name": name,
        "description": description,
        "color": color,
        "created": now,
        "updated": now,
        "archived_at": None,
        "creator": creator,
        "fields": [],
        "stages": stage_records,
        "lost_reasons": [{"id": state.new_id(), "text": text} for text in lost_reasons],
    }
    state.table(TABLE)[pipeline_id] = record
    return record


def public_lead_pipeline(record: Mapping[str, Any]) -> Record:
    """The pipeline as Nimble returns it (``Contacts.LeadsPipeline``)."""
    out: Record = copy.deepcopy(dict(record))
    out.pop("id", None)
    for stage in out["stages"]:
        stage.pop("id", None)
    return out


def find_stage(pipeline: Mapping[str, Any], stage_id: str) -> Record | None:
    """The stage of ``pipeline`` with ``stage_id``, or None."""
    return next((s for s in pipeline["stages"] if s["stage_id"] == stage_id), None)


def final_stage(pipeline: Mapping[str, Any], role: str) -> Record | None:
    """The pipeline's (first active) final stage with ``role`` (``won`` or ``lost``)."""
    return next((s for s in pipeline["stages"] if s["role"]["name"] == role and s["archived_at"] is None), None)


def seed_lead_pipelines(state: SandboxState) -> None:
    """The account's contact pipelines; every sandbox has them, seeded or not."""
    new_lead_pipeline(
        state,
        "Sales Leads",
        [
            ("New", OPEN, None),
            ("Contacted", OPEN, 7),
            ("Qualified", OPEN, 14),
            ("Customer", WON, None),
            ("Disqualified", LOST, None),
        ],
        lost_reasons=("No budget", "Chose a competitor", "No response"),
        description="Inbound and outbound sales leads",
    )
    new_lead_pipeline(
        state,
        "Partnerships",
        [
            ("Identified", OPEN, None),
            ("In talks", OPEN, 30),
            ("Partner", WON, None),
            ("Not a fit", LOST, None),
        ],
        lost_reasons=("No strategic fit",),
        color="#6a1b9a",
    )
