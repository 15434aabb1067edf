"""Approval: a person says yes or no to a destructive call before it runs.

Every adapter takes the same ``approve`` option (see :data:`Approval`), and every model-facing call
goes through :meth:`ToolView.run <nimble_tools.toolsets.ToolView.run>`, which asks it:

* ``None``: nobody can be asked from here. The held call answers with a preview and a token (see
  :mod:`nimble_tools.confirmation`); the model shows the preview to the user and repeats the call
  with ``confirm_token`` once they agreed.
* a function ``(ApprovalRequest) -> bool`` (or an awaitable of it, for async calls): a person is
  asked for each held call. The model never sees a token, and a token it sends is ignored.
* ``True`` / ``False``: the application already decided for every held call (approve / decline).
* a host's own mechanism, by name: ``"interrupt"`` (LangChain/LangGraph: the run pauses with
  ``interrupt()`` until a person answers) or ``"elicit"`` (MCP: the client asks its user through
  elicitation; clients that cannot elicit get the token conversation).

Approved, the call runs once; declined, it raises :class:`ApprovalDeclinedError`, whose message
tells the model not to try again.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._errors import PolicyViolationError, UsageError

if TYPE_CHECKING:
    from ._result import Result
    from ._toolkit import NimbleToolkit
    from ._view import ToolView

__all__ = [
    "ELICIT",
    "INTERRUPT",
    "MECHANISMS",
    "TOKEN_FALLBACK",
    "Approval",
    "ApprovalDeclinedError",
    "ApprovalRequest",
    "Approver",
    "acall_with_approval",
    "call_with_approval",
    "check_approval",
    "is_approval",
]

INTERRUPT = "interrupt"
ELICIT = "elicit"
MECHANISMS: Mapping[str, str] = {
    INTERRUPT: "LangChain/LangGraph: the run pauses with interrupt() until a person answers",
    ELICIT: "MCP: the client asks its user through elicitation (the token conversation where it cannot)",
}
"""Hosts' own ways of asking a person, by the name ``approve`` takes."""
TOKEN_FALLBACK = frozenset({ELICIT})
"""Mechanisms that fall back to the preview-and-token conversation when the host cannot ask."""


@dataclass(frozen=True)
class ApprovalRequest:
    """What the person is asked to approve.

    Attributes:
        tool: the tool's name, as the model called it.
        arguments: the arguments, as plain JSON data.
        preview: what the call would do, with a count of the affected records where it is known.
        account: the connected account the call is made for.
        count: how many records the call would remove, where known.
    """

    tool: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    preview: str = ""
    account: str | None = None
    count: int | None = None

    @property
    def question(self) -> str:
        """The question to show: the tool and its preview."""
        return f"Allow {self.tool}? {self.preview}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (for a LangGraph interrupt payload, a queue, a web form)."""
        return {
            "type": "nimble_approval",
            "tool": self.tool,
            "arguments": dict(self.arguments),
            "preview": self.preview,
            "count": self.count,
            "account": self.account,
            "question": self.question,
        }


Approver = Callable[[ApprovalRequest], "bool | Awaitable[bool]"]
"""Asks a person; returns (or resolves to) True to approve, False to decline."""
Approval = Approver | bool | str | None
"""What ``approve=`` takes, in every adapter: see the module docstring."""


class ApprovalDeclinedError(PolicyViolationError):
    """The person declined a call that needed their approval; nothing was sent."""

    def __init__(self, request: ApprovalRequest) -> None:
        super().__init__(
            f"The user declined {request.tool}: {request.preview}",
            tool=request.tool,
            explanation="Nothing was changed. Do not repeat the call; ask the user what they want instead.",
        )
        self.request = request


def is_approval(answer: Any) -> bool:
    """Read a person's answer: True, ``{"approved": True}`` or yes/approve/approved (any case) approve."""
    if isinstance(answer, Mapping):
        answer = answer.get("approved", answer.get("approve"))
    if isinstance(answer, str):
        return answer.strip().lower() in {"yes", "y", "approve", "approved"}
    return answer is True


def check_approval(target: str, approve: Any, mechanisms: Iterable[str] = ()) -> None:
    """Refuse an ``approve`` value the target cannot use, naming the ones it can.

    Args:
        target: the adapter's target name, for the message.
        approve: the value given.
        mechanisms: the names of :data:`MECHANISMS` this target supports.

    Raises:
        UsageError: for anything but None, a bool, a function or a supported mechanism name.
    """
    supported = tuple(mechanisms)
    if approve is None or isinstance(approve, bool) or (callable(approve) and not isinstance(approve, str)):
        return
    if isinstance(approve, str) and approve in supported:
        return
    names = "".join(f", {name!r}" for name in supported)
    raise UsageError(
        f"emit({target!r}): approve takes None (the preview-and-token conversation), True, False, a function "
        f"(ApprovalRequest) -> bool{names}; got {approve!r}."
    )


def ask(approver: Approver | bool, request: ApprovalRequest) -> None:
    """Ask ``approver`` synchronously; raise :class:`ApprovalDeclinedError` unless it approves.

    Raises:
        UsageError: when an async approver is given to a synchronous call.
    """
    answer: Any = approver if isinstance(approver, bool) else approver(request)
    if inspect.isawaitable(answer):
        if inspect.iscoroutine(answer):
            answer.close()
        raise UsageError(
            f"{request.tool}: an async approver cannot answer a synchronous call; use the async call "
            "(arun, acall, adispatch, ainvoke) or give a plain function."
        )
    if not is_approval(answer):
        raise ApprovalDeclinedError(request)


async def aask(approver: Approver | bool, request: ApprovalRequest) -> None:
    """Async twin of :func:`ask`; the approver may be sync or async."""
    answer: Any = approver if isinstance(approver, bool) else approver(request)
    if inspect.isawaitable(answer):
        answer = await answer
    if not is_approval(answer):
        raise ApprovalDeclinedError(request)


def _view_of(toolkit: NimbleToolkit | ToolView, name: str) -> ToolView:
    from ._view import ToolView
    from .toolsets import resolve

    return toolkit if isinstance(toolkit, ToolView) else resolve(toolkit, [name])


def call_with_approval(
    toolkit: NimbleToolkit | ToolView,
    name: str,
    arguments: Mapping[str, Any],
    approve: Approver | bool,
    *,
    account: str | None = None,
) -> Result:
    """Run tool ``name`` the way a model's call runs, asking ``approve`` if it is destructive.

    ``toolkit`` may be a toolkit or a toolset view. This is :meth:`ToolView.run` with an approver.

    Raises:
        ApprovalDeclinedError: the approver declined.
        NimbleToolsError: anything else the call raises.
    """
    return _view_of(toolkit, name).run(name, arguments, account=account, approve=approve)


async def acall_with_approval(
    toolkit: NimbleToolkit | ToolView,
    name: str,
    arguments: Mapping[str, Any],
    approve: Approver | bool,
    *,
    account: str | None = None,
) -> Result:
    """Async twin of :func:`call_with_approval`; the approver may be sync or async."""
    return await _view_of(toolkit, name).arun(name, arguments, account=account, approve=approve)
