"""Contact (lead) pipelines: the data both ``GET /api/v1/contacts/pipelines`` and lead transitions read.

The pipelines live in table ``lead_pipelines`` (seeded by the contacts side), in Nimble's
``Contacts.LeadsPipeline`` shape except that creators are stored as ``creator_id`` and rendered by
the listing route. Stage roles: a working stage has a non-final role (``open``), and each pipeline
has final ``won`` and ``lost`` stages that only the successful/unsuccessful exits reach.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._state import SandboxState

__all__ = ["LOST", "OPEN", "TABLE", "WON", "final_stage", "find_stage", "new_lead_pipeline"]

TABLE = "lead_pipelines"
OPEN, WON, LOST = "open", "won", "lost"

Record = dict[str, Any]
StageSpec = tuple[str, str, int | None]
"""``(name, role, days_limit)``."""


def find_stage(pipeline: Mapping[str, Any], stage_id: str | None) -> Record | None:
    """The stage of ``pipeline`` with ``stage_id``, or None."""
    return next((s for s in pipeline["stages"] if s["stage_id"] == stage_id), None)


def stage_named(pipeline: Mapping[str, Any], name: str) -> Record | None:
    """The stage of ``pipeline`` called ``name`` (stages_info names stages, not ids), or None."""
    return next((s for s in pipeline["stages"] if s["name"] == name), None)


def final_stage(pipeline: Mapping[str, Any], role: str) -> Record | None:
    """The pipeline's active final stage with ``role`` (``won`` or ``lost``), or None."""
    return next(
        (s for s in pipeline["stages"] if s["role"]["name"] == role and s["role"]["is_final"] and not s["archived_at"]),
        None,
    )


def new_lead_pipeline(
    state: SandboxState,
    name: str,
    stages: Iterable[StageSpec],
    *,
    lost_reasons: Iterable[str] = (),
    description: str = "",
    color: str = "#2e7d32",
) -> Record:
    """Create and store a contact pipeline (the API cannot; the sandbox's seed and tests can)."""
    pipeline_id = state.new_id()
    now = state.timestamp()
    record: Record = {
        "pipeline_id": pipeline_id,
        "name": name,
        "description": description,
        "color": color,
        "created": now,
        "updated": now,
        "archived_at": None,
        "creator_id": state.me_id,
        "fields": [],
        "stages": [
            {
                "stage_id": state.new_id(),
                "pipeline_id": pipeline_id,
                "name": stage_name,
                "description": "",
                "position": position,
                "days_limit": days_limit,
                "role": {"name": role, "is_final": role in (WON, LOST)},
                "archived_at": None,
                "created": now,
                "updated": now,
                "creator_id": state.me_id,
            }
            for position, (stage_name, role, days_limit) in enumerate(stages)
        ],
        "lost_reasons": [{"id": state.new_id(), "text": text} for text in lost_reasons],
    }
    state.table(TABLE)[pipeline_id] = record
    return record
