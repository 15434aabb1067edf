"""Where a call came from: the adapter, the host's id of the tool call, the name the model used."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CallOrigin"]


@dataclass(frozen=True, slots=True)
class CallOrigin:
    """Facts about a model's tool call that observers (logs, traces, metrics) report.

    Attributes:
        target: the adapter that emitted the tool (``"langchain"``, ``"openai"``, ``"mcp"``, ...).
        call_id: the host's id of the tool call, when it gave one.
        tool: the tool's name as the model called it (a view may rename operations).
    """

    target: str | None = None
    call_id: str | None = None
    tool: str | None = None
