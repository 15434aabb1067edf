"""What a close reports, and the undo both closes share: remove what this call made if the close failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nimble_tools_action_support import Steps

from nimble_tools import NimbleAPIError, NimbleToolsError

__all__ = ["Subject", "undo"]


@dataclass(frozen=True)
class Subject:
    """What is being closed (a deal or a lead), and how its results and undo read."""

    key: str
    """The result's id field: ``deal_id`` or ``lead_id``."""
    failed: str
    """What failed, as a sentence start: "Moving the deal to won failed"."""
    made: str
    """What the call made for it: "the file attached for it", "the note made for it"."""
    kept: str
    """Why nothing is undone when it was there before: "the file was already attached before"."""

    def result(self, decision: str, explanation: str, subject_id: str, **fields: Any) -> dict[str, Any]:
        """The decision record of one close."""
        base: dict[str, Any] = {"decision": decision, self.key: subject_id, "undone": [], "remains": []}
        return {**base, **fields, "explanation": explanation}


def undo(
    subject: Subject,
    subject_id: str,
    *,
    made_now: bool,
    what: str,
    step: tuple[str, dict[str, Any]],
    file: dict[str, Any],
    error: NimbleAPIError,
) -> Steps[dict[str, Any]]:
    """The close failed: remove what this call made (``step``), or say that it remains."""
    if not made_now:
        return subject.result(
            "failed", f"{subject.failed}; {subject.kept}, so it stays.", subject_id, file=file, error=error.for_model()
        )
    try:
        yield step
    except NimbleToolsError as undo_error:
        return subject.result(
            "failed",
            f"{subject.failed}, and removing {subject.made} failed too: the {what} remains.",
            subject_id,
            remains=[what],
            file=file,
            error=error.for_model(),
            undo_error=undo_error.for_model(),
        )
    return subject.result(
        "failed",
        f"{subject.failed}; {subject.made} was removed again, so nothing changed.",
        subject_id,
        undone=[what],
        error=error.for_model(),
    )
