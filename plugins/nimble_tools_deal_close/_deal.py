"""Closing a deal: attach the file, move the deal to its pipeline's won stage, undo the file if the move fails."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from nimble_tools_action_support import Steps

from nimble_tools import NimbleAPIError, ServerError, TransportError

from ._outcome import Subject, undo
from ._params import CloseWonParams

__all__ = ["close_deal"]

GET_DEAL = "get_single_nimble_deal_by_id"
GET_PIPELINE = "get_single_nimble_deals_pipeline_by_id"
ATTACH = "create_a_nimble_deal_file"
DETACH = "delete_a_nimble_deal_file_by_id"
MOVE = "update_a_nimble_deal_by_id"

Record = Mapping[str, Any]


def _stage(deal: Record) -> tuple[str | None, dict[str, Any] | None]:
    """The deal's pipeline id and current stage (the last transition's target)."""
    transitions = deal.get("stage_transitions") or {}
    moves = transitions.get("transitions") or []
    current = moves[-1].get("to_stage") if moves else None
    return transitions.get("pipeline_id"), current


def _file_for(deal: Record, url: str) -> Record | None:
    return next((f for f in deal.get("files") or [] if (f.get("metadata") or {}).get("file_url") == url), None)


DEAL = Subject(
    "deal_id",
    failed="Moving the deal to won failed",
    made="the file attached for it",
    kept="the file was already attached before",
)
_result = DEAL.result


def close_deal(params: CloseWonParams) -> Steps[dict[str, Any]]:
    """Attach (once), move to won (once); if the move fails, remove the file this call attached."""
    assert params.deal_id is not None and params.file_name is not None
    deal_id, url = params.deal_id, str(params.file_url)
    deal = (yield GET_DEAL, {"id": deal_id}).result
    pipeline_id, current = _stage(deal)
    if pipeline_id is None:
        return _result("failed", "The deal is in no pipeline; nothing was changed.", deal_id)
    pipeline = (yield GET_PIPELINE, {"id": pipeline_id}).result
    won = next(
        (
            s
            for s in pipeline.get("stages") or []
            if (s.get("role") or {}).get("name") == "won" and not s.get("archived_at")
        ),
        None,
    )
    if won is None:
        return _result("failed", f"Pipeline {pipeline.get('name')!r} has no won stage; nothing was changed.", deal_id)
    stage = {"from": (current or {}).get("name"), "to": won.get("name"), "stage_id": won.get("stage_id")}

    attached = _file_for(deal, url)
    attached_now = False
    if attached is None:
        arguments = {"id": deal_id, "source": params.link_source, "file_url": url, "file_name": params.file_name}
        with contextlib.suppress(ServerError, TransportError):  # the answer may be lost, the file attached:
            yield ATTACH, arguments  # the read below tells
        deal = (yield GET_DEAL, {"id": deal_id}).result
        attached = _file_for(deal, url)
        if attached is None:
            return _result("failed", "Attaching the file failed; nothing was changed. Running again is safe.", deal_id)
        attached_now = True
    file = {"file_id": attached.get("file_id"), "file_name": attached.get("file_name"), "attached_now": attached_now}

    if current is not None and current.get("stage_id") == won.get("stage_id"):
        return _result(
            "already_won", "The deal was already won; the file is attached.", deal_id, stage=stage, file=file
        )
    try:
        yield MOVE, {"id": deal_id, "stage_id": won["stage_id"]}
    except NimbleAPIError as error:
        moved = False
        try:  # a lost answer may hide a move that happened
            _, now = _stage((yield GET_DEAL, {"id": deal_id}).result)
            moved = now is not None and now.get("stage_id") == won.get("stage_id")
        except NimbleAPIError:
            pass
        if not moved:
            what = f"file {file['file_name']!r} ({file['file_id']}) on deal {deal_id}"
            detach = (DETACH, {"deal_id": deal_id, "id": file["file_id"]})
            return (
                yield from undo(
                    DEAL, deal_id, made_now=bool(file["attached_now"]), what=what, step=detach, file=file, error=error
                )
            )
    return _result("won", f"Deal moved to {won.get('name')!r} with the file attached.", deal_id, stage=stage, file=file)
