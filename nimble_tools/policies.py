"""Safety policies, built on the call-lifecycle hooks.

* :class:`ReadOnlyPolicy` refuses every operation that is not read-only.
* :class:`ConfirmDestructivePolicy` holds back destructive operations until they are confirmed.
  The first call raises :class:`ConfirmationRequiredError` carrying a preview (for mass and
  cascading deletes, how many records would go) and a confirmation token bound to the exact
  operation and arguments; the same call made again with ``confirm_token=<token>`` runs. Adapters
  map this onto their framework's own approval mechanism.

Register them like any plugin: ``toolkit.register_plugin(ReadOnlyPolicy())``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from ._errors import NimbleToolsError, PolicyViolationError
from ._operation import Operation
from ._toolkit import CallContext
from .hookspecs import hookimpl
from .toolsets import META_TAG

__all__ = [
    "MASS_DELETE_PREVIEWS",
    "ConfirmDestructivePolicy",
    "ConfirmationRequiredError",
    "ReadOnlyPolicy",
    "preview_of",
]

Preview = Callable[[CallContext], str]


class ConfirmationRequiredError(PolicyViolationError):
    """A destructive call waits for confirmation; repeat it with ``confirm_token``.

    Attributes:
        preview: what the call would do, in words (with a record count where it can be known).
        confirm_token: pass it back as the ``confirm_token`` call option to proceed.
    """

    def __init__(self, tool: str, preview: str, confirm_token: str) -> None:
        super().__init__(
            f"{tool} needs confirmation: {preview}",
            tool=tool,
            explanation=(
                "Ask the user to confirm. Only if they agree, repeat the same call with "
                f"confirm_token={confirm_token!r}."
            ),
        )
        self.preview = preview
        self.confirm_token = confirm_token


class ReadOnlyPolicy:
    """Offers and runs read-only operations only: writes are neither emitted as tools nor callable."""

    def __repr__(self) -> str:
        return "ReadOnlyPolicy()"

    @hookimpl
    def offer_operation(self, operation: Operation) -> bool | None:
        """Hide writes from every target."""
        return None if operation.read_only else False

    @hookimpl
    def before_call(self, context: CallContext) -> None:
        """Refuse writes."""
        operation = context.operation
        # Meta-tools (call_nimble_tool) run other operations, and each of those is checked here itself.
        if not operation.read_only and META_TAG not in operation.tags:
            raise PolicyViolationError(
                f"{operation.name} changes data, and this toolkit is read-only.",
                tool=operation.name,
                explanation="Use a read operation, or ask the user to make this change themselves.",
            )


class ConfirmDestructivePolicy:
    """Holds back destructive operations until the same call comes back with its token.

    Args:
        secret: key for the confirmation tokens (random per policy by default, so tokens do not
            outlive the process).
        previews: per-operation functions that describe what a call would destroy.
    """

    def __init__(self, *, secret: bytes | None = None, previews: Mapping[str, Preview] | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)
        self._previews = dict(MASS_DELETE_PREVIEWS if previews is None else previews)

    def __repr__(self) -> str:
        return f"ConfirmDestructivePolicy(previews={sorted(self._previews)})"

    def token_for(self, context: CallContext) -> str:
        """The token that confirms exactly this operation with exactly these arguments."""
        arguments = context.params.model_dump(mode="json", exclude_none=True)
        payload = json.dumps([context.operation.name, context.account, arguments], sort_keys=True, default=str)
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()[:32]

    @hookimpl
    def before_call(self, context: CallContext) -> None:
        """Let confirmed or non-destructive calls through; hold the others with a preview."""
        if not context.operation.destructive:
            return
        expected = self.token_for(context)
        given = context.options.get("confirm_token")
        if isinstance(given, str) and hmac.compare_digest(given, expected):
            return
        raise ConfirmationRequiredError(context.operation.name, preview_of(context, self._previews), expected)


def preview_of(context: CallContext, previews: Mapping[str, Preview] | None = None) -> str:
    """Describe what a destructive call would do, counting affected records where possible."""
    table = MASS_DELETE_PREVIEWS if previews is None else previews
    describe = table.get(context.operation.name)
    if describe is not None:
        try:
            return describe(context)
        except NimbleToolsError as error:  # a preview must never hide the question
            return f"it is a mass deletion, and the affected records could not be counted ({error.message})."
    arguments = context.params.model_dump(mode="json", exclude_none=True)
    shown = ", ".join(f"{k}={v!r}" for k, v in arguments.items()) or "no arguments"
    return f"{context.operation.description.split('.')[0]} ({shown}). This cannot be undone."


def _count_bulk_contacts(context: CallContext) -> str:
    arguments = context.params.model_dump(exclude_none=True)
    filters: dict[str, Any] = {k: arguments[k] for k in ("keyword", "query", "record_type") if k in arguments}
    page = context.call("nimble_contacts_contact_ids", {**filters, "limit": 1})
    total = _total(page.raw)
    what = "every contact" if not filters else "the contacts matching " + json.dumps(filters, ensure_ascii=False)
    return f"this deletes {what}: {total} contact(s). This cannot be undone."


def _count_pipeline_deals(context: CallContext) -> str:
    pipeline_id = getattr(context.params, "id", None) or getattr(context.params, "pipeline_id", None)
    pipeline = context.call("get_single_nimble_deals_pipeline_by_id", {"id": pipeline_id}).result
    total = 0
    # The board lists active stages only and pages each stage on its own: walk every stage, archived
    # ones included (their deals go too), to the end of its pages. Stage meta carries no deal count
    # (total_new_count counts only deals that entered the stage in the last 3 days).
    for stage in _list(pipeline, "stages"):
        arguments: dict[str, Any] = {"pipeline_id": pipeline_id, "stage_id": stage["stage_id"], "limit": 100}
        while True:
            page = context.call("list_all_nimble_pipeline_deals_by_stages", arguments)
            total += sum(len(_list(group, "deals")) for group in page.result)
            if not page.next_cursor:
                break
            arguments["next_cursor"] = page.next_cursor
    return f"deleting pipeline {pipeline_id} also deletes all its deals: {total} deal(s). This cannot be undone."


def _total(raw: Any) -> int:
    meta = raw.get("meta") if isinstance(raw, Mapping) else None
    total = meta.get("total") if isinstance(meta, Mapping) else None
    return int(total) if isinstance(total, int) else 0


def _list(raw: Any, key: str) -> list[Any]:
    value = raw.get(key) if isinstance(raw, Mapping) else None
    return value if isinstance(value, list) else []


MASS_DELETE_PREVIEWS: dict[str, Preview] = {
    "nimble_contacts_bulk": _count_bulk_contacts,
    "delete_a_nimble_deals_pipeline_by_id": _count_pipeline_deals,
}
"""Previews that count what a mass or cascading delete would remove."""
