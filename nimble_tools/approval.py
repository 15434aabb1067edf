"""Approval: a person says yes or no to a call that :class:`~nimble_tools.policies.ConfirmDestructivePolicy` holds.

The policy holds a destructive call and answers with a preview and a token. Without an approver the
model carries the question to the user and repeats the call with ``confirm_token``. With one, the
application asks the person itself, through its framework's own mechanism (a LangGraph interrupt,
a callback of the OpenAI dispatcher, ...), and the model never sees the token:

* approved: the same call is repeated once, with the token;
* declined: :class:`ApprovalDeclinedError`, which tells the model not to try again.

Adapters call :func:`call_with_approval` / :func:`acall_with_approval` instead of ``toolkit.call``
when the application gave them an approver.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ._errors import PolicyViolationError, UsageError
from .policies import ConfirmationRequiredError

if TYPE_CHECKING:
    from ._envelope import Result

__all__ = [
    "ApprovalDeclinedError",
    "ApprovalRequest",
    "Approver",
    "Caller",
    "acall_with_approval",
    "call_with_approval",
    "is_approval",
]


@dataclass(frozen=True)
class ApprovalRequest:
    """What the person is asked to approve.

    Attributes:
        tool: the operation's name.
        arguments: the arguments the model gave.
        preview: what the call would do, with a count of the affected records where it is known.
        account: the connected account the call is made for.
    """

    tool: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    preview: str = ""
    account: str | None = None

    @property
    def question(self) -> str:
        """The question to show: the tool and its preview."""
        return f"Allow {self.tool}? {self.preview}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for a LangGraph interrupt payload, a queue, a web form)."""
        return {
            "type": "nimble_approval",
            "tool": self.tool,
            "arguments": dict(self.arguments),
            "preview": self.preview,
            "account": self.account,
            "question": self.question,
        }


Approver = Callable[[ApprovalRequest], "bool | Awaitable[bool]"]
"""Asks a person; returns (or resolves to) True to approve, False to decline."""


class Caller(Protocol):
    """What calls go through: a :class:`~nimble_tools.NimbleToolkit` or a toolset's ``ToolView``."""

    def call(self, name: str, arguments: Mapping[str, Any] | None = None, **options: Any) -> Result:
        """Run a call."""
        ...

    async def acall(self, name: str, arguments: Mapping[str, Any] | None = None, **options: Any) -> Result:
        """Run a call (async)."""
        ...


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


def call_with_approval(
    toolkit: Caller,
    name: str,
    arguments: Mapping[str, Any],
    approve: Approver,
    *,
    account: str | None = None,
    **options: Any,
) -> Result:
    """``toolkit.call``, asking ``approve`` when a policy holds the call for confirmation.

    ``toolkit`` may be a toolkit or a toolset view: anything with ``call``/``acall``.

    Raises:
        ApprovalDeclinedError: the approver declined.
        NimbleToolsError: anything else the call raises.
    """
    try:
        return toolkit.call(name, arguments, account=account, **options)
    except ConfirmationRequiredError as held:
        request = ApprovalRequest(name, dict(arguments), held.preview, account)
        answer = approve(request)
        if inspect.isawaitable(answer):
            if inspect.iscoroutine(answer):
                answer.close()
            raise UsageError(
                f"{name}: an async approver cannot answer a synchronous call; use the async call "
                "(acall, adispatch, ainvoke) or give a plain function."
            ) from None
        if not is_approval(answer):
            raise ApprovalDeclinedError(request) from None
        return toolkit.call(name, arguments, account=account, **{**options, "confirm_token": held.confirm_token})


async def acall_with_approval(
    toolkit: Caller,
    name: str,
    arguments: Mapping[str, Any],
    approve: Approver,
    *,
    account: str | None = None,
    **options: Any,
) -> Result:
    """Async twin of :func:`call_with_approval`; the approver may be sync or async."""
    try:
        return await toolkit.acall(name, arguments, account=account, **options)
    except ConfirmationRequiredError as held:
        request = ApprovalRequest(name, dict(arguments), held.preview, account)
        answer = approve(request)
        if inspect.isawaitable(answer):
            answer = await answer
        if not is_approval(answer):
            raise ApprovalDeclinedError(request) from None
        return await toolkit.acall(name, arguments, account=account, **{**options, "confirm_token": held.confirm_token})
