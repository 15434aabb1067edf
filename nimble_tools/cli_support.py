"""What every ``nimble-tools`` command shares, built-in or added by a plugin (``register_commands``).

``--json``, ``--sandbox``, how a failure is shown, the command's toolkit, a progress bar.

With ``--json`` a command prints exactly one JSON document on stdout, its answer or
``{"error": {"type", "message", ...}}``; the exit status says which (0, or 1 when the command
failed; 2 stays click's for a wrong command line).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ._console import Console, ProgressUpdate, dumps
from ._errors import ConfigurationError, InvalidArgumentsError, NimbleAPIError, NimbleToolsError, UnknownOperationError

if TYPE_CHECKING:
    from ._operation import Operation
    from ._toolkit import NimbleToolkit

__all__ = [
    "JSON_MODE",
    "CommandFailed",
    "NimbleGroup",
    "bulk_progress",
    "catalog_toolkit",
    "command_toolkit",
    "json_option",
    "operation_of",
    "require_connected",
    "sandbox_option",
]

F = TypeVar("F", bound=Callable[..., Any])
JSON_MODE = "nimble_tools.json"
"""Key in ``click.Context.meta`` (shared by nested commands) set when ``--json`` is given."""


class CommandFailed(click.ClickException):
    """A command that ran but failed: shown as ``error: ...`` (or as JSON with ``--json``); exit status 1."""

    exit_code = 1

    def __init__(self, message: str, *, kind: str = "Error", details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.details = details or {}
        context = click.get_current_context(silent=True)
        self.as_json = bool(context and context.meta.get(JSON_MODE))

    @classmethod
    def from_error(cls, error: NimbleToolsError, hint: str = "") -> CommandFailed:
        """The command-line form of a toolkit error (its model-facing text, plus a hint for people)."""
        details: dict[str, Any] = {}
        if isinstance(error, NimbleAPIError) and error.status_code is not None:
            details["status_code"] = error.status_code
        if isinstance(error, InvalidArgumentsError):
            details["fields"] = [{"field": field, "problem": problem} for field, problem in error.errors]
        for attribute in ("tool", "suggestions"):
            value = getattr(error, attribute, None)
            if value:
                details[attribute] = value
        message = error.for_model() + (f" {hint}" if hint else "")
        return cls(message, kind=type(error).__name__, details=details)

    def show(self, file: Any = None) -> None:
        """Print the failure: one JSON document with ``--json``, a line on stderr otherwise."""
        if self.as_json:
            click.echo(dumps({"error": {"type": self.kind, "message": self.message, **self.details}}))
        else:
            Console().error(self.message)


class NimbleGroup(click.Group):
    """Turns a toolkit error escaping any command into a clean message instead of a traceback.

    With ``--json`` anywhere on the command line, a wrong command line (an unknown option, a
    missing argument, a bad value) is printed as one JSON document too, exit status 2.
    """

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; with ``--json``, usage errors too are printed as JSON."""
        argv = list(sys.argv[1:] if args is None else args)
        if "--json" not in argv or not standalone_mode:
            return super().main(argv, prog_name, complete_var, standalone_mode, **extra)
        try:
            return super().main(argv, prog_name, complete_var, False, **extra)
        except click.UsageError as error:
            click.echo(dumps({"error": {"type": "UsageError", "message": error.format_message()}}))
            sys.exit(error.exit_code)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except click.Abort:
            click.echo(dumps({"error": {"type": "Aborted", "message": "Aborted."}}))
            sys.exit(1)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the chosen command; a toolkit error becomes a clean failure."""
        try:
            return super().invoke(ctx)
        except NimbleToolsError as error:
            raise CommandFailed.from_error(error) from None


def _remember_json(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta[JSON_MODE] = True  # read by CommandFailed, also for errors raised before the command body
    return value


def json_option(function: F) -> F:
    """The ``--json`` flag every command shares."""
    option = click.option(
        "--json",
        "as_json",
        is_flag=True,
        callback=_remember_json,
        help='Print one JSON document on stdout (errors too, as {"error": ...}).',
    )
    return option(function)


def sandbox_option(function: F) -> F:
    """The ``--sandbox`` flag of commands that would use a live account."""
    option = click.option(
        "--sandbox",
        is_flag=True,
        help="Use a fresh embedded sandbox (seeded demo data) instead of the account of NIMBLE_API_KEY.",
    )
    return option(function)


# -- the command's toolkit and operation ----------------------------------------------------------


def command_toolkit(
    sandbox: bool, *, seed: bool = True, account: str | None = None, store: Path | None = None
) -> NimbleToolkit:
    """The toolkit of a command, closed (with its connections) when the command ends.

    With ``account`` (and no ``--sandbox``) it calls Nimble with the OAuth tokens that
    ``nimble-tools auth login --account NAME`` stored, refreshing them as needed.
    """
    from ._toolkit import NimbleToolkit

    if sandbox:  # --account names the sandbox's one account, so that a command line runs unchanged offline
        toolkit = NimbleToolkit.sandbox(seed=seed, accounts=[account] if account else ())
    elif account is not None:
        toolkit = _oauth_toolkit(store)
    else:
        try:
            toolkit = NimbleToolkit.from_env()
        except ConfigurationError:
            raise CommandFailed(
                "NIMBLE_API_KEY is not set: create a key in Nimble (Settings > API Token) and export it, "
                "add --account NAME to use an account connected with `nimble-tools auth login`, "
                "or add --sandbox to use the embedded sandbox.",
                kind="ConfigurationError",
            ) from None
    click.get_current_context().call_on_close(toolkit.close)
    return toolkit


def require_connected(toolkit: NimbleToolkit, account: str) -> None:
    """Refuse to serve an account that ``auth login`` never connected (or that was logged out)."""
    accounts = getattr(toolkit.client.auth, "accounts", None)
    if callable(accounts) and account not in accounts():
        raise CommandFailed(
            f"The account {account!r} is not connected. Connect it with: nimble-tools auth login --account {account}",
            kind="ReauthorizationRequiredError",
        )


def _oauth_toolkit(store: Path | None) -> NimbleToolkit:
    from ._toolkit import NimbleToolkit
    from .auth import OAuthApp, OAuthProvider, SQLiteTokenStore
    from .auth._cli import DEFAULT_REDIRECT_URI

    try:
        app = OAuthApp.from_env(redirect_uri=os.environ.get("NIMBLE_REDIRECT_URI") or DEFAULT_REDIRECT_URI)
    except ConfigurationError as error:
        raise CommandFailed.from_error(error) from None
    provider = OAuthProvider(app, SQLiteTokenStore(store))
    click.get_current_context().call_on_close(provider.close)
    return NimbleToolkit(auth=provider, base_url=app.base_url)


def catalog_toolkit() -> NimbleToolkit:
    """A toolkit for reading the catalog (operations, schemas): no account, and no data, is needed for that."""
    return command_toolkit(sandbox=True, seed=False)


def operation_of(toolkit: NimbleToolkit, name: str) -> Operation:
    """The operation ``name``, or a clean command failure naming close ones."""
    try:
        return toolkit.operations[name]
    except UnknownOperationError as error:
        raise CommandFailed.from_error(error, "Run `nimble-tools list` to see every operation.") from None


@contextlib.contextmanager
def bulk_progress(console: Console, op: Operation, *, enabled: bool) -> Iterator[Callable[[Any], None] | None]:
    """An ``on_progress`` callback drawing a bar, for bulk operations (tagged ``bulk``)."""
    if not enabled or "bulk" not in op.tags:
        yield None
        return
    with contextlib.ExitStack() as stack:
        bar: ProgressUpdate | None = None

        def on_progress(progress: Any) -> None:
            nonlocal bar
            if bar is None:  # the first report tells the total; the action serialises its reports
                bar = stack.enter_context(console.progress(progress.total, op.name))
            counts = " ".join(f"{name} {count}" for name, count in progress.counts.items())
            bar(progress.done, counts)

        yield on_progress
