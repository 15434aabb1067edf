"""The ``nimble-tools`` command line."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from . import NimbleToolkit, NimbleToolsError

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nimble-tools")
def main() -> None:
    """The whole Nimble CRM API as tools for AI agents."""


def _toolkit(sandbox: bool) -> NimbleToolkit:
    return NimbleToolkit.sandbox() if sandbox else NimbleToolkit.from_env()


@main.command("list")
@click.option("--sandbox", is_flag=True, help="Use the embedded sandbox instead of a live account.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_operations(sandbox: bool, as_json: bool) -> None:
    """List every operation with its flags."""
    toolkit = NimbleToolkit.sandbox(seed=False)
    rows = [
        {
            "name": op.name,
            "method": op.method,
            "path": op.path,
            "read_only": op.read_only,
            "destructive": op.destructive,
            "plugin": op.plugin,
        }
        for op in toolkit.operations.values()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        flag = "read" if row["read_only"] else ("DESTRUCTIVE" if row["destructive"] else "write")
        click.echo(f"{row['name']:<55} {flag:<11} {row['method']:<6} {row['path']}")


@main.command("call")
@click.argument("operation")
@click.argument("arguments", default="{}")
@click.option("--sandbox", is_flag=True, help="Use the embedded sandbox instead of a live account.")
def call(operation: str, arguments: str, sandbox: bool) -> None:
    """Call OPERATION with ARGUMENTS given as a JSON object."""
    try:
        args = json.loads(arguments)
    except ValueError as exc:
        raise click.BadParameter(f"not valid JSON: {exc}", param_hint="ARGUMENTS") from None
    try:
        result = _toolkit(sandbox).call(operation, args)
    except NimbleToolsError as exc:
        click.echo(f"error: {exc.for_model()}", err=True)
        sys.exit(1)
    click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))


@main.group()
def sandbox() -> None:
    """The embedded Nimble sandbox."""


@sandbox.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8765, show_default=True, type=int, help="Port (0 picks a free one).")
@click.option("--no-seed", is_flag=True, help="Start empty instead of with demo data.")
def sandbox_serve(host: str, port: int, no_seed: bool) -> None:
    """Serve the sandbox over HTTP for any Nimble client."""
    from .sandbox import Sandbox

    box = Sandbox(seed=not no_seed)
    server = box.server(host, port)
    click.echo(f"Nimble sandbox listening on {server.base_url}")
    click.echo(f"API key: {box.api_key}   (send it as 'Authorization: Bearer {box.api_key}')")
    click.echo(f"Try: curl -H 'Authorization: Bearer {box.api_key}' {server.base_url}/api/v1/myself")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@main.command("mcp")
@click.option("--sandbox", is_flag=True, help="Serve the embedded sandbox instead of a live account.")
@click.option("--http", "use_http", is_flag=True, help="Serve streamable HTTP instead of stdio.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface for --http.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port for --http.")
@click.option("--account", default=None, help="Connected account every call is made for.")
def mcp(sandbox: bool, use_http: bool, host: str, port: int, account: str | None) -> None:
    """Serve every operation as an MCP server (stdio by default)."""
    try:
        server = _toolkit(sandbox).emit("mcp", account=account)
    except NimbleToolsError as exc:
        raise click.ClickException(exc.for_model()) from None
    if use_http:
        click.echo(f"Nimble MCP server on http://{host}:{port}/mcp", err=True)  # stdout stays clean
    server.serve("http" if use_http else "stdio", host=host, port=port)


@main.command("demo")
def demo() -> None:
    """A short tour against the embedded sandbox."""
    from .demo import run_demo

    run_demo(click.echo)


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
