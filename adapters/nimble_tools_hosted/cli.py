"""``nimble-tools serve``: the hosted server's command line (``nimble_tools.cli`` forwards to it).

::

    nimble-tools serve --sandbox --host 127.0.0.1 --port 8080     # try it: offline, no setting needed
    nimble-tools serve --public-url https://mcp.example.com --store redis://redis:6379/0 --workers 4
    nimble-tools serve people                                     # who connected
    nimble-tools serve revoke ann@acme.example                    # cut one person off, on every worker
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from nimble_tools import ConfigurationError, NimbleToolsError
from nimble_tools.cli_support import CommandFailed, NimbleGroup, json_option

from ._settings import SETTINGS, HostedSettings, default_store_path

__all__ = ["serve"]

STORE_ENV = "NIMBLE_HOSTED_STORE"
STORE_SECRET_ENV = "NIMBLE_HOSTED_SECRET_KEY"

_TYPES: dict[str, Any] = {"port": int, "workers": int, "access_token_ttl": int, "refresh_token_ttl": int}


def _setting_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """One option per setting that has a flag; unset options leave the environment's value."""
    for setting in reversed([s for s in SETTINGS if s.flag]):
        if setting.name == "tool_search":
            option = click.option(setting.flag, "tool_search", is_flag=True, default=None, help=setting.help)
        else:
            option = click.option(
                setting.flag,
                setting.name,
                type=_TYPES.get(setting.name, str),
                default=None,
                metavar=setting.env,
                help=f"{setting.help} [env {setting.env}; default {setting.default}]",
            )
        function = option(function)
    return function


@click.group(
    cls=NimbleGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
)
@_setting_options
@click.option("--sandbox", is_flag=True, help="Offline: the embedded sandbox as Nimble, a throwaway key and store.")
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
    help="uvicorn's log level.",
)
@json_option
@click.pass_context
def serve(ctx: click.Context, /, sandbox: bool, log_level: str, as_json: bool, **overrides: Any) -> None:
    """A hosted MCP server for a whole team: each person connects and acts as their own Nimble user.

    \b
    People add PUBLIC_URL/mcp as a remote MCP server (custom connector) in Claude, ChatGPT,
    Cursor or their agent; the app sends them to a consent page where they connect their own
    Nimble account (sign in with Nimble, or a personal API key). OAuth 2.1 with dynamic client
    registration and PKCE; Nimble credentials encrypted at rest; tokens stored as hashes.
    With --json the first line on stdout is {"url": ..., "sandbox": ...}.
    """
    if ctx.invoked_subcommand is not None:
        return
    from ._serve import run_server, sandbox_nimble

    try:
        settings = HostedSettings.from_env(**overrides) if not sandbox else _sandbox_base(overrides)
    except ConfigurationError as problem:
        raise CommandFailed(problem.message, kind="ConfigurationError") from None
    if not sandbox:
        run_server(settings, log_level=log_level, announce=lambda s: _announce(s, None, as_json))
        return
    with sandbox_nimble(settings) as (served, info):
        run_server(served, log_level=log_level, announce=lambda s: _announce(s, info, as_json))


def _sandbox_base(overrides: dict[str, Any]) -> HostedSettings:
    """The settings for --sandbox: no secret or store is required (throwaway ones are made)."""
    from ._settings import throwaway_secret

    values = {k: v for k, v in overrides.items() if v is not None}
    if not (values.get("secret_key") or os.environ.get(STORE_SECRET_ENV)):
        values["secret_key"] = throwaway_secret()
    return HostedSettings.from_env(**values)


def _announce(settings: HostedSettings, sandbox: Any, as_json: bool) -> None:
    facts: dict[str, Any] = {
        "url": settings.resource_url,
        "public_url": settings.public_url,
        "workers": settings.workers,
    }
    if sandbox is not None:
        facts["sandbox"] = {
            "base_url": sandbox.base_url,
            "api_key": sandbox.api_key,
            "personal_keys": sandbox.personal_keys,
        }
    if as_json:
        click.echo(json.dumps(facts))
    else:
        click.echo(f"Nimble MCP server for your team: add {settings.resource_url} in Claude, ChatGPT, Cursor...")
        if sandbox is not None:
            click.echo(f"Sandbox Nimble at {sandbox.base_url}; personal API keys to paste on the consent page:")
            for email, key in sandbox.personal_keys.items():
                click.echo(f"  {email}: {key}")
    sys.stdout.flush()


def _people_store(store: str | None) -> Any:
    from ._people import People
    from ._store import open_store

    location = store or os.environ.get(STORE_ENV) or str(default_store_path())
    records = open_store(location)
    # Listing and revoking never read a credential, so they need no secret key.
    return People(records, records.token_store(cipher=_NoCipher()), ""), records


class _NoCipher:
    """Listing and revoking read no credential; a sealed one met by mistake fails loudly."""

    def seal(self, plaintext: bytes) -> bytes:
        raise ConfigurationError("This command does not write credentials.")

    def open(self, sealed: bytes) -> bytes:
        raise ValueError("this command cannot open credentials")


_STORE_OPTION = click.option(
    "--store", default=None, metavar="NIMBLE_HOSTED_STORE", help="The server's store (default: the environment's)."
)


@serve.command("people")
@_STORE_OPTION
@json_option
def people(store: str | None, as_json: bool) -> None:
    """The people who connected their Nimble account."""
    directory, records = _people_store(store)
    try:
        everyone = directory.all()
    except NimbleToolsError as failure:
        raise CommandFailed.from_error(failure) from None
    finally:
        records.close()
    rows = [
        {
            "id": p.id,
            "email": p.email,
            "name": p.name,
            "via": "Nimble sign-in" if p.kind == "oauth" else "API key",
            "connected": p.connected,
        }
        for p in everyone
    ]
    if as_json:
        click.echo(json.dumps({"people": rows}))
        return
    if not rows:
        click.echo("Nobody has connected yet.")
    for row in rows:
        state = "connected" if row["connected"] else "revoked"
        click.echo(f"{row['id']}  {row['email'] or '-'}  {row['name'] or '-'}  ({row['via']}, {state})")


@serve.command("revoke")
@click.argument("person")
@_STORE_OPTION
@json_option
def revoke(person: str, store: str | None, as_json: bool) -> None:
    """Cut PERSON (an email or a person id) off at once: every token stops working, on every worker.

    Their Nimble credential is deleted too. They can connect again later, through consent.
    """
    directory, records = _people_store(store)
    try:
        matches = directory.find(person)
        if not matches:
            raise CommandFailed(f"No connected person has the email or id {person!r}; see `nimble-tools serve people`.")
        if len(matches) > 1:
            ids = ", ".join(p.id for p in matches)
            raise CommandFailed(f"Several people have the email {person!r} ({ids}); revoke one by id.")
        revoked = directory.revoke(matches[0].id)
    except NimbleToolsError as failure:
        raise CommandFailed.from_error(failure) from None
    finally:
        records.close()
    if as_json:
        click.echo(json.dumps({"revoked": {"id": revoked.id, "email": revoked.email}}))
    else:
        click.echo(f"Revoked {revoked.email or revoked.id}: their tokens stop working now, on every worker.")
