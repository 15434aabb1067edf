"""The call note: a readable HTML body, a plain preview, and the call-id marker that makes it unique."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from nimble_tools_action_support import plain_text

__all__ = ["MAX_TRANSCRIPT", "has_marker", "marker", "note_body", "note_preview"]

MAX_TRANSCRIPT = 50_000
"""Characters of transcript kept in the note; the rest is cut with a line saying how much."""
PREVIEW_LENGTH = 200


def marker(call_id: str) -> str:
    """The line that ties a note to its call: found again, it means "already logged"."""
    return f"Call ID: {call_id}"


def has_marker(note: Mapping[str, Any], call_id: str) -> bool:
    """True when ``note`` (a Nimble note record) carries the marker of ``call_id``."""
    text = plain_text(str(note.get("note") or ""))
    return re.search(re.escape(marker(call_id)) + r"(?!\S)", text) is not None


def duration_text(seconds: int) -> str:
    """``750`` -> ``"12 min 30 s"``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes else "",
        f"{secs} s" if secs or not seconds else "",
    ]
    return " ".join(p for p in parts if p)


def when_text(moment: datetime) -> str:
    """``2026-11-30T14:05Z`` -> ``"30 Nov 2026, 14:05 UTC"``."""
    return moment.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")


def _paragraphs(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.strip().splitlines())


def note_body(
    *,
    call_id: str,
    direction: str,
    moment: datetime,
    duration_seconds: int,
    outcome: str,
    sentiment: str | None,
    summary: str,
    transcript: str | None,
) -> str:
    """The note's HTML: a headline, outcome and sentiment, the summary, the transcript, the marker."""
    headline = f"{direction.capitalize()} call · {when_text(moment)} · {duration_text(duration_seconds)}"
    facts = f"Outcome: {html.escape(outcome)}" + (f" · Sentiment: {html.escape(sentiment)}" if sentiment else "")
    parts = [
        f"<p><strong>{html.escape(headline)}</strong></p>",
        f"<p>{facts}</p>",
        f"<p><strong>Summary</strong><br>{_paragraphs(summary)}</p>",
    ]
    if transcript and transcript.strip():
        kept = transcript.strip()
        cut = len(kept) - MAX_TRANSCRIPT
        if cut > 0:
            kept = kept[:MAX_TRANSCRIPT] + f"\n[… transcript cut here: {cut:,} more characters]"
        parts.append(f"<p><strong>Transcript</strong><br>{_paragraphs(kept)}</p>")
    parts.append(f"<p>{html.escape(marker(call_id))}</p>")
    return "\n".join(parts)


def note_preview(*, direction: str, duration_seconds: int, outcome: str, summary: str) -> str:
    """One plain line: ``"Outbound call, 12 min 30 s, connected: <summary>"``."""
    text = f"{direction.capitalize()} call, {duration_text(duration_seconds)}, {outcome}: {' '.join(summary.split())}"
    return text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 1].rstrip() + "…"
