"""The whole plugin contract of nimble-tools.

A plugin is any module or object with functions marked ``@hookimpl`` whose names match the hooks
below. Built-in operations, adapters and composite actions are plugins too. Third-party plugins are
found through the ``nimble_tools`` entry-point group (set ``NIMBLE_TOOLS_DISABLE_PLUGIN_AUTOLOAD=1``
to turn that off) or registered by hand with :meth:`NimbleToolkit.register_plugin`.

Hook names follow one rule: ``register_*`` for contributions, ``emit`` to build a target,
``offer_operation`` to choose what targets show, ``before_call``/``after_call``/``on_call_error``
for the call lifecycle, and ``on_*`` for what observers (logs, traces, metrics) are told besides:
``on_call_rejected``, ``on_http_attempt`` and ``on_confirmation``. Observers must not raise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import pluggy

if TYPE_CHECKING:
    import click

    from ._client import HttpAttempt
    from ._errors import ToolInputError
    from ._operation import Operation
    from ._origin import CallOrigin
    from ._toolkit import CallContext, NimbleToolkit

__all__ = ["PROJECT_NAME", "CallOptionRegister", "TargetRegister", "hookimpl", "hookspec"]

PROJECT_NAME = "nimble_tools"
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


class TargetRegister(Protocol):
    """What ``register_targets`` receives: ``register(name, description, missing=None)``."""

    def __call__(self, name: str, description: str, *, missing: str | None = None) -> None:
        """Announce target ``name``; ``missing`` is the command that installs its framework, when absent."""


class CallOptionRegister(Protocol):
    """What ``register_call_options`` receives: ``register(name, description)``."""

    def __call__(self, name: str, description: str) -> None:
        """Announce a keyword option of ``toolkit.call`` that this plugin reads from ``context.options``."""


@hookspec
def register_operations(register: Callable[[Operation], None]) -> None:
    """Contribute operations (tools) to the registry.

    Called once per toolkit, the first time its operations are needed (lazily, not at import).

    :param register: call ``register(operation)`` for each :class:`~nimble_tools.Operation`. It
        records the plugin's name on the operation, and raises
        :class:`~nimble_tools.OperationConflictError` when another plugin already registered the
        same name (rename yours, or register the other plugin's toolkit view with a prefix).

    The return value is ignored.
    """


@hookspec
def register_targets(register: TargetRegister) -> None:
    """Announce the targets an adapter can emit, for listings and error messages.

    Called when a toolkit lists its targets, or when ``emit`` finds no adapter for a target.

    :param register: call ``register(target_name, one_line_description)`` per target; add
        ``missing="pip install ..."`` when the framework the target needs is not installed, so that
        ``nimble-tools targets`` says what to install instead of listing it as usable.

    The return value is ignored.
    """


@hookspec
def register_call_options(register: CallOptionRegister) -> None:
    """Announce the keyword options of ``toolkit.call`` that this plugin reads from ``context.options``.

    ``toolkit.call(name, arguments, **options)`` refuses an option nobody announced (a misplaced
    argument such as ``limit=5`` would otherwise be ignored), naming the ones that are.

    :param register: call ``register(option_name, one_line_description)`` per option.

    The return value is ignored.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``nimble-tools`` command line.

    Called once per run of the command line, before it reads its arguments (as ``llm`` does).
    The dedupe plugin adds ``import-leads`` this way, the hosted server ``serve``.

    :param cli: the top-level click group; ``cli.add_command(command)`` or ``@cli.command()``.
        :mod:`nimble_tools.cli_support` has what the built-in commands share (``--json``,
        ``--sandbox``, errors, the command's toolkit).

    The return value is ignored.
    """


@hookspec(firstresult=True)
def emit(toolkit: NimbleToolkit, target: str, options: dict[str, Any]) -> Any:
    """Build the tools of ``toolkit`` for a framework target (``"langchain"``, ``"openai"``, ...).

    Called by :meth:`NimbleToolkit.emit`. An adapter returns None for targets it does not handle.
    Stops at the first non-None result, which ``emit`` returns to the caller as it is.

    :param toolkit: the toolkit whose operations to convert; adapters call back through
        ``toolkit.call``/``toolkit.acall`` so every call takes the one call path.
    :param target: the requested target name.
    :param options: the keyword options given to ``emit`` (for example ``strict=True``).
    """


@hookspec
def offer_operation(operation: Operation) -> bool | None:
    """Say whether ``operation`` may be offered to models as a tool.

    Called by adapters (through :func:`nimble_tools.adapter_support.select_operations`) for each operation
    they would emit. A policy that refuses some calls hides those tools here too, so that a model
    never sees a tool it cannot use.

    :param operation: the operation an adapter is about to emit.

    Return False to hide it from every target; True or None leave it to the other plugins.
    """


@hookspec
def before_call(context: CallContext) -> None:
    """Inspect, alter or refuse a call after its arguments are validated, before it runs.

    Called on every call (sync and async) in registration order, before any request is sent.

    :param context: the call: ``context.operation``, ``context.params`` (the validated pydantic
        model; replace it to alter the call), ``context.account`` and ``context.options``.

    Raise :class:`~nimble_tools.PolicyViolationError` to refuse the call; the message goes to the
    model. The return value is ignored.
    """


@hookspec
def after_call(context: CallContext) -> None:
    """Observe or reshape the result of a successful call.

    Called after the answer is wrapped in the envelope, before it is returned.

    :param context: the call, with ``context.result`` (a :class:`~nimble_tools.Result`) set;
        assign a new ``Result`` to ``context.result`` to reshape what the caller receives.

    The return value is ignored.
    """


@hookspec
def on_call_error(context: CallContext, error: BaseException) -> None:
    """Observe a failed call (for logging or metrics).

    Called once when a call ends with an error, after retries; the error is then raised to the
    caller. Must not raise.

    :param context: the call.
    :param error: the exception about to be raised: a :class:`~nimble_tools.NimbleToolsError`, or
        whatever else ended the call (a bug in a handler or a plugin, ``asyncio.CancelledError``
        when the task running it was cancelled).
    """


@hookspec
def on_call_rejected(
    toolkit: NimbleToolkit,
    name: str,
    operation: Operation | None,
    account: str | None,
    origin: CallOrigin | None,
    parent: CallContext | None,
    error: ToolInputError,
) -> None:
    """Observe a call refused before it started: an unknown tool, or arguments that fail validation.

    Called once per refused call (sync and async), in place of the other call hooks: no
    :class:`~nimble_tools.CallContext` exists yet, and nothing was sent. Must not raise.

    :param toolkit: the toolkit that refused it.
    :param name: the tool's name as it was called (a view's exposed name, or an operation's).
    :param operation: the registered operation behind that name; None for an unknown name.
    :param account: the connected account the call was made for.
    :param origin: for a model's call through an adapter: the adapter, the host's call id, the tool.
    :param parent: the call this one was a step of (a composite action), if any.
    :param error: the :class:`~nimble_tools.ToolInputError` about to be raised.
    """


@hookspec
def on_http_attempt(context: CallContext, attempt: HttpAttempt) -> None:
    """Observe one HTTP request to Nimble, once its answer (or its failure) is known.

    Called for every attempt, retries included, before the client waits for the next one; the
    toolkit times attempts only while a plugin implements this hook. Must not raise.

    :param context: the call the request belongs to.
    :param attempt: an :class:`~nimble_tools.HttpAttempt`: method, path (never the query),
        attempt number, start and end times, status code, the error, Nimble's ``Retry-After``,
        the wait before the next attempt (None after the last) and the rate limiter's wait.
    """


@hookspec
def on_confirmation(context: CallContext, outcome: str, via: str) -> None:
    """Observe the confirmation of a destructive call.

    Called when a held call is put to someone (``outcome="asked"``), and when it is let through
    (``"approved"``) or declined (``"refused"``). Must not raise.

    :param context: the destructive call.
    :param outcome: ``"asked"``, ``"approved"`` or ``"refused"``.
    :param via: ``"token"`` (a preview and a token, repeated by the model or the application) or
        ``"person"`` (an approver asked directly: a function, LangGraph's interrupt, MCP elicitation).
    """
