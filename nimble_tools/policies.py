"""Safety policies, built on the call-lifecycle hooks.

* :class:`ReadOnlyPolicy` hides every write from models and refuses every write, whoever makes it
  (a model, a composite action's step, the application, a raw ``toolkit.request``).
* :class:`ConfirmDestructivePolicy` extends confirmation to the application's own calls: with it
  registered, ``toolkit.call`` and ``toolkit.request`` hold destructive calls (DELETE, for raw
  requests) until they are repeated with ``confirm_token=<token>``, and every adapter confirms even
  where it was told not to (``confirm_destructive=False``).

Models' calls do not need it: every adapter confirms destructive calls by default (see
:mod:`nimble_tools.confirmation` and :mod:`nimble_tools.approval`).

Register them like any plugin: ``toolkit.register_plugin(ReadOnlyPolicy())``.
"""

from __future__ import annotations

from ._errors import PolicyViolationError
from ._operation import Operation
from ._toolkit import CallContext
from ._view import META_TAG
from .confirmation import CONFIRM_TOKEN, ConfirmationRequiredError, preview_of
from .hookspecs import hookimpl

__all__ = ["ConfirmDestructivePolicy", "ConfirmationRequiredError", "ReadOnlyPolicy", "preview_of"]


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
            what = f"{context.method} {context.path}" if operation.resource == "raw" else operation.name
            raise PolicyViolationError(
                f"{what} changes data, and this toolkit is read-only.",
                tool=operation.name,
                explanation="Use a read operation, or ask the user to make this change themselves.",
            )


class ConfirmDestructivePolicy:
    """Holds every destructive call, the application's own too, until it comes back with its token.

    A held call raises :class:`ConfirmationRequiredError` with a preview and a token from the
    toolkit's :class:`~nimble_tools.confirmation.Confirmations`; the same call made again with the
    option ``confirm_token=<token>`` runs. Steps of a composite action are not held (the action
    itself is what a person confirms), nor calls a model makes through an adapter (the adapter
    confirms them its own way, after this hook).
    """

    def __repr__(self) -> str:
        return "ConfirmDestructivePolicy()"

    @hookimpl
    def before_call(self, context: CallContext) -> None:
        """Let confirmed or non-destructive calls through; hold the others with a preview."""
        if context.parent is not None or context.confirm is not None or not context.is_destructive:
            return
        book = context.toolkit.confirmations
        token = context.options.get(CONFIRM_TOKEN)
        if not isinstance(token, str) or not token:
            raise book.hold(context, preview_of(context))
        book.redeem(context, token, lambda: preview_of(context))
