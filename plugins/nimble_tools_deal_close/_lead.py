"""Closing a lead: record the file as a note on the contact, exit it successfully, undo the note if that fails.

Nimble has no file attachment for contacts through this API, so the file's link is kept as a
note (with a ``File: <url>`` line that finds it again) and named in the exit's comment.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from nimble_tools_action_support import Steps, plain_text

from nimble_tools import NimbleAPIError, ServerError, TransportError
from nimble_tools.readers import single_record

from ._outcome import Subject, undo
from ._params import CloseWonParams

__all__ = ["close_lead"]

GET_CONTACT = "get_single_nimble_contact_by_id"
PIPELINES = "list_all_nimble_contact_pipelines"
LIST_NOTES = "list_all_nimble_contact_notes"
ADD_NOTE = "create_a_nimble_contact_note"
DELETE_NOTE = "delete_a_nimble_contact_note_by_id"
EXIT_WON = "create_a_nimble_pipeline_transition"
MAX_NOTE_PAGES = 5

Record = Mapping[str, Any]


LEAD = Subject(
    "lead_id",
    failed="Exiting the lead failed",
    made="the note made for it",
    kept="the file note existed before",
)
_result = LEAD.result


def _where(contact: Record, pipeline_id: str) -> Record | None:
    return next((s for s in contact.get("stages_info") or [] if s.get("pipeline_id") == pipeline_id), None)


def _contact(lead_id: str) -> Steps[Record]:
    answer = (yield GET_CONTACT, {"id": lead_id}).result
    return single_record(answer, "contact", lead_id)  # a missing lead: NotFoundError, whatever the server


def _file_note(lead_id: str, url: str) -> Steps[Record | None]:
    marker = re.compile(re.escape(f"File: {url}") + r"(?!\S)")
    arguments: dict[str, Any] = {"contact_id": lead_id, "limit": 100}
    for _ in range(MAX_NOTE_PAGES):
        page = yield LIST_NOTES, arguments
        for note in page.result:
            if marker.search(plain_text(str(note.get("note") or ""))):
                found: Record = note
                return found
        if not page.next_cursor:
            return None
        arguments = {**arguments, "next_cursor": page.next_cursor}
    return None


def close_lead(params: CloseWonParams) -> Steps[dict[str, Any]]:
    """Note the file (once), exit the lead as won (once); if the exit fails, delete the note made for it."""
    assert params.lead_id is not None and params.pipeline_id is not None and params.file_name is not None
    lead_id, pipeline_id, url = params.lead_id, params.pipeline_id, str(params.file_url)
    contact = yield from _contact(lead_id)
    where = _where(contact, pipeline_id)
    if where is None:
        return _result("failed", "The contact is not a lead in that pipeline; nothing was changed.", lead_id)
    pipelines = (yield PIPELINES, {}).result
    listed = pipelines.get("pipelines", []) if isinstance(pipelines, Mapping) else pipelines
    pipeline: Mapping[str, Any] = next((p for p in listed if p.get("pipeline_id") == pipeline_id), {})
    won = next((s for s in pipeline.get("stages") or [] if (s.get("role") or {}).get("name") == "won"), None)
    if won is None:
        return _result("failed", "That pipeline has no won stage; nothing was changed.", lead_id)
    already = bool(where.get("is_final")) and where.get("stage_name") == won.get("name")

    note = yield from _file_note(lead_id, url)
    noted_now = False
    if note is None:
        body = (
            f'<p>Won with <a href="{html.escape(url)}">{html.escape(params.file_name)}</a></p>'
            f"<p>{html.escape(f'File: {url}')}</p>"
        )
        try:
            created = yield (
                ADD_NOTE,
                {"contact_ids": [lead_id], "note": body, "note_preview": f"Won: {params.file_name}"},
            )
            note = created.result
        except (ServerError, TransportError):
            note = yield from _file_note(lead_id, url)  # the answer may be lost with the note made
            if note is None:
                return _result(
                    "failed", "Recording the file failed; nothing was changed. Running again is safe.", lead_id
                )
        noted_now = True
    file = {"note_id": note.get("id") if note else None, "file_name": params.file_name, "noted_now": noted_now}
    if already:
        return _result("already_won", "The lead was already won; the file is noted on it.", lead_id, file=file)
    comment = f"Won. File: {params.file_name} {url}"
    try:
        yield EXIT_WON, {"lead_id": lead_id, "pipeline_id": pipeline_id, "notes": comment}
    except NimbleAPIError as error:
        exited = False
        try:  # a lost answer may hide an exit that happened
            now = _where((yield from _contact(lead_id)), pipeline_id) or {}
            exited = bool(now.get("is_final")) and now.get("stage_name") == won.get("name")
        except NimbleAPIError:
            pass
        if not exited:
            what = f"note {file['note_id']} with the file link on contact {lead_id}"
            delete = (DELETE_NOTE, {"id": file["note_id"]})
            return (
                yield from undo(
                    LEAD, lead_id, made_now=bool(file["noted_now"]), what=what, step=delete, file=file, error=error
                )
            )
    return _result("won", f"Lead exited as {won.get('name')!r}; the file is noted on the contact.", lead_id, file=file)
