"""Confirmation of destructive calls: previews, and tokens that mean exactly what the preview said.

A destructive call (a delete, a mass or cascading delete, an overwrite that cannot be undone) is
held until a person agrees to it. How that person is asked depends on the host (see
:mod:`nimble_tools.approval`); when the host cannot ask, the held call answers with
:class:`ConfirmationRequiredError`: a *preview* of what it would destroy, with a count of the
records where one can be known, and a *token*. The model shows the preview to the user and, if
they agree, repeats the call with ``confirm_token``.

A token from :class:`Confirmations` is

* bound to the operation, the account and the exact arguments it was issued for;
* bound to the records the preview counted: if a mass delete would now match other records, the
  repeated call answers with a fresh preview instead of deleting;
* single use, and expiring (five minutes by default);
* a random key into a per-toolkit book of pending confirmations, so it carries nothing a client
  could forge, and it never appears anywhere but in the preview that asks for it.

What the token conversation protects against, and what it does not: it stops a destructive call
made by accident, or on a misread request, from running before a preview with its count has been
shown; it cannot tell a person's "yes" from a model (or a prompt injected into it) that decides to
repeat the call by itself. Where that matters, give the adapter an approver: then a person answers,
and a token from the model is never consulted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._errors import NimbleToolsError, PolicyViolationError
from .approval import ApprovalDeclinedError

if TYPE_CHECKING:
    from ._operation import Operation
    from ._toolkit import CallContext

__all__ = [
    "APPROVED",
    "ASKED",
    "BY_PERSON",
    "BY_TOKEN",
    "CONFIRM_TOKEN",
    "DEFAULT_TOKEN_TTL",
    "REFUSED",
    "ConfirmationRequiredError",
    "Confirmations",
    "PendingConfirmation",
    "Preview",
    "arguments_of",
    "describe_call",
    "digest_of",
    "person_asked",
    "preview_of",
    "report_confirmation",
]

CONFIRM_TOKEN = "confirm_token"
"""The argument through which a model confirms a held call, where no person can be asked directly."""
DEFAULT_TOKEN_TTL = 300.0
"""Seconds a confirmation token stays valid."""
MAX_PENDING = 1000
"""Most confirmations a toolkit keeps waiting at once (the oldest are dropped first)."""

# What observers are told (the ``on_confirmation`` hook): the outcome, and who was asked.
ASKED = "asked"
"""Outcome of a confirmation: the call was held and a preview (or a person's question) went out."""
APPROVED = "approved"
"""Outcome of a confirmation: the held call was confirmed and runs."""
REFUSED = "refused"
"""Outcome of a confirmation: a person declined the held call."""
BY_TOKEN = "token"
"""Confirmed through the preview's token, repeated by the model."""
BY_PERSON = "person"
"""Confirmed by a person, through the host's approver."""


@dataclass(frozen=True, slots=True)
class Preview:
    """What a destructive call would do.

    Attributes:
        text: the preview in words, shown to the person who decides.
        count: how many records it would remove, where that can be known.
        matched: a digest of the records it would remove (see :func:`digest_of`); a token is bound
            to it, so a repeated call that would remove other records is previewed again.
    """

    text: str
    count: int | None = None
    matched: str | None = None


PreviewFunction = Callable[["CallContext"], Preview]
"""An operation's preview: may read Nimble through ``context.call`` to count what would go."""


class ConfirmationRequiredError(PolicyViolationError):
    """A destructive call waits for confirmation; nothing was sent.

    Attributes:
        preview: what the call would do, in words (with a record count where it can be known).
        count: the number of records it would remove, where known.
        confirm_token: pass it back as ``confirm_token`` to proceed, once the user agreed.
    """

    def __init__(self, tool: str, preview: Preview | str, confirm_token: str, *, reason: str = "") -> None:
        shown = preview if isinstance(preview, Preview) else Preview(preview)
        lead = f"{reason} " if reason else ""
        super().__init__(
            f"{lead}{tool} needs confirmation: {shown.text}",
            tool=tool,
            explanation=(
                "Show this to the user and ask them to confirm. Only if they agree, repeat the same call "
                f"with confirm_token={confirm_token!r} (valid once, for a few minutes)."
            ),
        )
        self.preview = shown.text
        self.count = shown.count
        self.confirm_token = confirm_token


@dataclass(frozen=True, slots=True)
class PendingConfirmation:
    """A token's record: the digest of the call it confirms, of the records it previewed, and its expiry."""

    call: str
    matched: str | None
    expires: float


class Confirmations:
    """The book of confirmations a toolkit is waiting for: issues tokens and redeems them once.

    Args:
        ttl: seconds a token stays valid.
        max_pending: most tokens kept at once; the oldest go first.
        clock: monotonic seconds (tests pass a fake one).
    """

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TOKEN_TTL,
        max_pending: int = MAX_PENDING,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if ttl <= 0:
            from ._errors import UsageError

            raise UsageError(f"Confirmations(ttl=...) takes a positive number of seconds, got {ttl!r}.")
        self.ttl = ttl
        self._max = max_pending
        self._clock = clock or time.monotonic
        self._pending: OrderedDict[str, PendingConfirmation] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Confirmations(ttl={self.ttl}, pending={len(self._pending)})"

    def hold(self, context: CallContext, preview: Preview, *, reason: str = "") -> ConfirmationRequiredError:
        """Record a pending confirmation for this exact call; return the error that asks for it."""
        token = secrets.token_urlsafe(18)
        self._keep(token, PendingConfirmation(call_key(context), preview.matched, self._clock() + self.ttl))
        report_confirmation(context, ASKED, BY_TOKEN)
        return ConfirmationRequiredError(context.operation.name, preview, token, reason=reason)

    def redeem(self, context: CallContext, token: str, preview: Callable[[], Preview]) -> None:
        """Spend ``token`` for this call, or raise a fresh :class:`ConfirmationRequiredError`.

        The token is spent whatever the outcome. It confirms the call only when it was issued for
        this operation, account and arguments, has not expired, and (for previews that name the
        records they counted) the call would still remove exactly those records.
        """
        now = self._clock()
        pending = self._take(token) if isinstance(token, str) else None
        if pending is None or pending.expires < now:
            raise self.hold(context, preview(), reason="That confirmation token is unknown, used or expired.")
        if pending.call != call_key(context):
            raise self.hold(context, preview(), reason="That confirmation token was given for a different call.")
        if context.operation.preview is not None:  # it counts records: they must be the ones it counted
            current = preview()
            if current.matched != pending.matched:
                raise self.hold(
                    context, current, reason="The records this call would delete changed since the preview."
                )
        report_confirmation(context, APPROVED, BY_TOKEN)

    # -- where pending confirmations are kept: this process's memory (a subclass may share them) --

    def _keep(self, token: str, pending: PendingConfirmation) -> None:
        """Remember a pending confirmation under its token."""
        with self._lock:
            self._forget_expired(self._clock())
            while len(self._pending) >= self._max:
                self._pending.popitem(last=False)
            self._pending[token] = pending

    def _take(self, token: str) -> PendingConfirmation | None:
        """Remove and return the pending confirmation of ``token``: a token is spent once."""
        with self._lock:
            return self._pending.pop(token, None)

    def _forget_expired(self, now: float) -> None:
        for token in [t for t, p in self._pending.items() if p.expires < now]:
            del self._pending[token]


def report_confirmation(context: CallContext, outcome: str, via: str) -> None:
    """Tell observers (the ``on_confirmation`` hook) how the confirmation of ``context`` went."""
    context.toolkit.plugins.hook.on_confirmation(context=context, outcome=outcome, via=via)


@contextlib.contextmanager
def person_asked(context: CallContext) -> Iterator[None]:
    """Around asking a person about ``context``: reports it asked, then approved, or refused if declined."""
    report_confirmation(context, ASKED, BY_PERSON)
    try:
        yield
    except ApprovalDeclinedError:
        report_confirmation(context, REFUSED, BY_PERSON)
        raise
    report_confirmation(context, APPROVED, BY_PERSON)


def call_key(context: CallContext) -> str:
    """What a token is bound to: the operation, the account and the arguments, as one digest."""
    payload = json.dumps([context.operation.name, context.account, arguments_of(context)], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def digest_of(ids: Iterable[Any]) -> str:
    """A digest of a set of record ids (order does not matter)."""
    joined = "\n".join(sorted(str(i) for i in ids))
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


def describe_call(operation: Operation, arguments: dict[str, Any]) -> str:
    """The generic preview text: the operation's first sentence and its arguments."""
    shown = ", ".join(f"{key}={value!r}" for key, value in arguments.items()) or "no arguments"
    return f"{operation.description.split('.')[0]} ({shown}). This cannot be undone."


def preview_of(context: CallContext) -> Preview:
    """The preview of a held call: the operation's own (counting records), or the generic one.

    A preview that fails to count says so instead of hiding the question.
    """
    operation = context.operation
    if operation.preview is not None:
        try:
            return operation.preview(context)
        except NimbleToolsError as error:
            return Preview(
                f"{describe_call(operation, arguments_of(context))} The affected records could not be counted "
                f"({error.message})."
            )
    return Preview(describe_call(operation, arguments_of(context)))


def arguments_of(context: CallContext) -> dict[str, Any]:
    """The arguments of a call as plain JSON data, without ``None`` values and never the confirm token."""
    dumped: dict[str, Any] = context.params.model_dump(mode="json", exclude_none=True, exclude={CONFIRM_TOKEN})
    return dumped
