"""What every ``nimble-tools`` command shares: ``--json``, ``--sandbox``, and how a failure is shown.

With ``--json`` a command prints exactly one JSON document on stdout, its answer or
``{"error": {"type", "message", ...}}``; the exit status says which (0, or 1 when the command
failed; 2 stays click's for a wrong command line).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from ._console import Console, dumps
from ._errors import InvalidArgumentsError, NimbleAPIError, NimbleToolsError

__all__ = ["JSON_MODE", "CommandFailed", "NimbleGroup", "json_option", "sandbox_option"]

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
