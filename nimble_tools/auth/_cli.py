"""``nimble-tools auth``: connect accounts with OAuth 2.0 and look after the stored tokens."""

from __future__ import annotations

import sys
import time
import webbrowser
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from .._console import dumps
from .._errors import NimbleToolsError
from ..cli_support import CommandFailed, json_option
from ._config import DEFAULT_BASE_URL, NIMBLE_SCOPES, OAuthApp
from ._login import CallbackReceiver
from ._provider import DEFAULT_ACCOUNT, OAuthProvider
from ._sqlite_store import TOKEN_DB_ENV, SQLiteTokenStore, default_token_path
from ._tokens import Connection

__all__ = ["auth"]

DEFAULT_REDIRECT_URI = "http://127.0.0.1:8976/callback"

_store_option = click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=TOKEN_DB_ENV,
    default=None,
    help=f"The SQLite token store [env {TOKEN_DB_ENV}; default {default_token_path()}].",
)


@click.group()
def auth() -> None:
    """Connect Nimble accounts with OAuth 2.0 and manage their stored tokens."""


@auth.command("login")
@click.option("--account", default=DEFAULT_ACCOUNT, show_default=True, help="Name to store the connection under.")
@click.option("--client-id", envvar="NIMBLE_CLIENT_ID", help="OAuth client id [env NIMBLE_CLIENT_ID].")
@click.option(
    "--client-secret",
    envvar="NIMBLE_CLIENT_SECRET",
    help="OAuth client secret; prefer the environment variable NIMBLE_CLIENT_SECRET (a command line is visible to other users).",
)
@click.option(
    "--redirect-uri",
    envvar="NIMBLE_REDIRECT_URI",
    default=DEFAULT_REDIRECT_URI,
    show_default=True,
    help="The registered loopback redirect URI; port 0 picks a free port (the sandbox accepts any).",
)
@click.option(
    "--base-url", envvar="NIMBLE_BASE_URL", default=DEFAULT_BASE_URL, show_default=True, help="Nimble's host."
)
@click.option("--scope", default=",".join(NIMBLE_SCOPES), show_default=True, help="Comma-separated scopes.")
@_store_option
@click.option("--no-browser", is_flag=True, help="Only print the URL to open.")
@click.option("--timeout", default=300.0, show_default=True, help="Seconds to wait for the redirect.")
@json_option
def login(
    account: str,
    client_id: str | None,
    client_secret: str | None,
    redirect_uri: str,
    base_url: str,
    scope: str,
    store_path: Path | None,
    no_browser: bool,
    timeout: float,
    as_json: bool,
) -> None:
    """Connect a Nimble account: open the authorize URL and catch the redirect on a loopback port.

    With --json, the instructions go to stderr and stdout gets the connection as JSON.
    """
    if not client_id or not client_secret:
        raise click.UsageError(
            "Set NIMBLE_CLIENT_ID and NIMBLE_CLIENT_SECRET (Nimble issues them on request to "
            "api-support@nimble.com). For a sandbox (`nimble-tools sandbox serve`) use the client it prints."
        )
    store = SQLiteTokenStore(store_path)
    try:
        with (
            CallbackReceiver(redirect_uri) as receiver,
            OAuthProvider(
                OAuthApp(client_id, client_secret, receiver.redirect_uri, scope.split(","), base_url), store
            ) as provider,
        ):
            request = provider.begin_authorization(account)
            receiver.expect(request.state)
            # With --json the person still needs the URL; stdout is kept for the one JSON answer.
            click.echo(f"Open this URL to connect the Nimble account {account!r}:\n\n  {request.url}\n", err=as_json)
            if not no_browser and not webbrowser.open(request.url):
                click.echo("(No browser could be opened: open the URL yourself.)", err=as_json)
            click.echo(f"Waiting for the redirect to {receiver.redirect_uri} ...", err=as_json)
            sys.stdout.flush()
            callback = receiver.wait(timeout)
            try:
                connection = provider.complete_authorization(callback, account=account)
            except NimbleToolsError as exc:
                receiver.reply(False, f"The Nimble login failed: {exc.message}")
                raise
            receiver.reply(True, "Your Nimble account is connected. You can close this tab.")
    except NimbleToolsError as exc:
        raise CommandFailed.from_error(exc) from None
    except TimeoutError as exc:
        raise CommandFailed(str(exc), kind="TimeoutError") from None
    if as_json:
        click.echo(dumps({**_as_dict(connection), "store": str(store.path)}))
        return
    click.echo(f"Connected {_describe(connection)}.\nTokens are stored in {store.path}.")


@auth.command("status")
@_store_option
@json_option
def status(store_path: Path | None, as_json: bool) -> None:
    """List the connected accounts (never their tokens)."""
    store = SQLiteTokenStore(store_path)
    try:
        names = store.accounts()
        tokens = [(name, store.load(name)) for name in names]
    except NimbleToolsError as exc:
        raise CommandFailed(exc.message, kind=type(exc).__name__) from None
    connections = [
        Connection(name, found.scope, found.expires_at, found.refresh_token is not None)
        for name, found in tokens
        if found is not None
    ]
    if as_json:
        click.echo(dumps({"store": str(store.path), "accounts": [_as_dict(c) for c in connections]}))
        return
    if not connections:
        click.echo(f"No account is connected (store: {store.path}).")
    for connection in connections:
        click.echo(_describe(connection))


@auth.command("logout")
@click.option("--account", default=DEFAULT_ACCOUNT, show_default=True, help="The connection to forget.")
@_store_option
@json_option
def logout(account: str, store_path: Path | None, as_json: bool) -> None:
    """Forget an account's tokens (revoke the app in Nimble to end the grant itself)."""
    store = SQLiteTokenStore(store_path)
    try:
        known = store.load(account) is not None
        store.delete(account)
    except NimbleToolsError as exc:
        raise CommandFailed(exc.message, kind=type(exc).__name__) from None
    if as_json:
        click.echo(dumps({"account": account, "forgotten": known}))
        return
    click.echo(f"Forgot account {account!r}." if known else f"Account {account!r} was not connected.")


def _as_dict(connection: Connection) -> dict[str, Any]:
    return {
        "account": connection.account,
        "scope": list(connection.scope),
        "expires_at": connection.expires_at,
        "refreshable": connection.refreshable,
    }


def _describe(connection: Connection) -> str:
    scope = ",".join(connection.scope) or "?"
    if connection.expires_at is None:
        expiry = "expiry unknown"
    else:
        when = datetime.fromtimestamp(connection.expires_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        state = "expires" if connection.expires_at > time.time() else "expired"
        expiry = f"access token {state} {when}"
    refresh = "refreshable" if connection.refreshable else "no refresh token"
    return f"account {connection.account!r} (scope {scope}; {expiry}; {refresh})"
