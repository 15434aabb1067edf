"""The ``nimble-tools`` command line.

Every command has ``--help``; every command takes ``--json`` and then prints exactly one JSON
document on stdout, the answer or ``{"error": {...}}`` (the exit status tells which). Commands that
would talk to a Nimble account use ``NIMBLE_API_KEY`` (and ``NIMBLE_BASE_URL``), or the embedded
sandbox with ``--sandbox``. Exit status: 0 success, 1 the call failed, 2 the command line was wrong.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import NimbleToolkit, Operation, UsageError
from ._console import Console, dumps
from ._describe import describe_operation, operation_kind
from ._limits import load_json
from ._names import close_names
from ._net import is_loopback
from ._target_schemas import schemas_of
from .adapter_support import operation_metadata
from .auth import ReauthorizationRequiredError
from .auth._cli import auth
from .cli_support import (
    CommandFailed,
    NimbleGroup,
    bulk_progress,
    catalog_toolkit,
    command_toolkit,
    json_option,
    operation_of,
    require_connected,
    sandbox_option,
)
from .toolsets import check_resources

if TYPE_CHECKING:
    from .policies import ConfirmationRequiredError

__all__ = ["main"]

# -- the application -----------------------------------------------------------------------------


class _WithPluginCommands(NimbleGroup):
    """The top-level group: plugins add their commands (``register_commands``) before it reads its arguments."""

    _loaded = False

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            from ._registry import PluginHost

            host = PluginHost()
            host.ensure_loaded()
            host.manager.hook.register_commands(cli=self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load()
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_WithPluginCommands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(package_name="nimble-tools")
def main() -> None:
    """The whole Nimble CRM API as tools for AI agents.

    \b
    Try it offline, against the embedded sandbox:
      nimble-tools demo
      nimble-tools list --search contact
      nimble-tools call list_all_nimble_contacts '{"keyword": "Hopper"}' --sandbox
      nimble-tools schema openai --name create_a_nimble_contact
      nimble-tools mcp --sandbox

    With a live account, set NIMBLE_API_KEY (Nimble: Settings > API Token) and drop --sandbox.
    """


# -- the catalog ---------------------------------------------------------------------------------


@main.command("list")
@click.option("--resource", help="Only operations of this resource (contacts, deals, ...).")
@click.option("--plugin", help="Only operations registered by this plugin.")
@click.option("--search", "text", metavar="TEXT", help="Only operations whose name or description contains TEXT.")
@click.option("--read-only", is_flag=True, help="Only operations that change nothing.")
@json_option
def list_operations(resource: str | None, plugin: str | None, text: str | None, read_only: bool, as_json: bool) -> None:
    """List the operations (the tools an agent gets), with their kind and endpoint."""
    operations = list(catalog_toolkit().operations.values())
    if resource is not None:
        try:
            check_resources([resource], operations)
        except UsageError as error:
            raise click.BadParameter(error.message, param_hint="--resource") from None
    plugins = sorted({op.plugin for op in operations if op.plugin})
    if plugin is not None and plugin not in plugins:
        close = close_names(plugin, plugins)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise click.BadParameter(
            f"no operation comes from plugin {plugin!r}.{hint} Plugins: {', '.join(plugins)}.", param_hint="--plugin"
        )
    chosen = [
        op
        for op in operations
        if (resource is None or op.resource == resource)
        and (plugin is None or op.plugin == plugin)
        and (text is None or text.lower() in f"{op.name} {op.description}".lower())
        and (not read_only or op.read_only)
    ]
    if as_json:
        click.echo(dumps([{**_summary(op), "description": op.description} for op in chosen]))
        return
    console = Console()
    rows = [[op.name, operation_kind(op), _endpoint(op), op.resource] for op in chosen]
    console.table(["operation", "kind", "endpoint", "resource"], rows)
    if not chosen:
        console.note("No operation matches these filters; `nimble-tools list` shows them all.")
        return
    console.note(f"{len(chosen)} operation(s). `nimble-tools describe NAME` shows one in full.")


def _summary(op: Operation) -> dict[str, Any]:
    facts = operation_metadata(op)  # the same facts adapters put in tool metadata
    del facts["nimble_operation"]
    return {"name": op.name, **facts}


def _endpoint(op: Operation) -> str:
    return f"{op.method} {op.path}" if op.path else "composite action"


@main.command("describe")
@click.argument("operation")
@json_option
def describe(operation: str, as_json: bool) -> None:
    """Show one OPERATION: what it does, its flags and every parameter."""
    op = operation_of(catalog_toolkit(), operation)
    described = describe_operation(op)
    if as_json:
        click.echo(dumps({**_summary(op), "description": op.description, **described}))
        return
    console = Console()
    console.heading(op.name)
    console.line(f"{operation_kind(op)} · {_endpoint(op)} · resource {op.resource} · plugin {op.plugin}")
    console.line()
    console.line(op.description)
    console.line()
    rows = [
        [p["name"], p["type"], "yes" if p["required"] else "", p["location"], p["description"]]
        for p in described["parameters"]
    ]
    console.table(["parameter", "type", "required", "sent in", "description"], rows, title="Parameters")
    console.note(f"Full JSON schema: nimble-tools describe {op.name} --json")


@main.command("targets")
@json_option
def targets(as_json: bool) -> None:
    """List the targets adapters announce, and whether each can be used here (its framework installed)."""
    found = catalog_toolkit().target_details()
    if as_json:
        click.echo(
            dumps(
                {
                    name: {"description": t.description, "installed": t.installed, "install": t.missing}
                    for name, t in sorted(found.items())
                }
            )
        )
        return
    console = Console()
    rows = [
        [name, "ready" if t.installed else f"needs {t.missing}", t.description] for name, t in sorted(found.items())
    ]
    console.table(["target", "status", "what it emits"], rows)
    missing = [name for name, t in found.items() if not t.installed]
    if missing:
        console.note(
            f"Not usable until installed: {', '.join(sorted(missing))} (pip install 'nimble-tools[all]' for all)."
        )


@main.command("schema")
@click.argument("target")
@click.option("--name", "names", multiple=True, metavar="OPERATION", help="Only this operation (repeatable).")
@click.option(
    "-o",
    "--option",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="An emit option of the target, VALUE in JSON if it parses (e.g. -o api=responses -o strict=false).",
)
@json_option
def schema(target: str, names: tuple[str, ...], options: tuple[str, ...], as_json: bool) -> None:
    """Print the tool schemas TARGET gets (openai, langchain, callables, mcp): a JSON list.

    \b
    Examples:
      nimble-tools schema openai -o api=responses --name create_a_nimble_contact
      nimble-tools schema mcp --json > tools.json
    """
    emit_options: dict[str, Any] = dict(_key_value(o) for o in options)
    if names:
        emit_options["tools"] = list(names)
    catalog = catalog_toolkit()
    if target not in catalog.targets():
        known = ", ".join(sorted(catalog.targets()))
        raise click.BadParameter(f"no adapter emits {target!r}; installed targets: {known}.", param_hint="TARGET")
    schemas = schemas_of(target, catalog.emit(target, **emit_options))
    if as_json:
        click.echo(dumps(schemas))
    else:
        Console().json(schemas)


def _key_value(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise click.BadParameter(f"expected KEY=VALUE, got {text!r}.", param_hint="--option")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw  # a bare word is a string: -o api=responses
    return key.strip(), value


# -- calling Nimble ------------------------------------------------------------------------------


@main.command("call")
@click.argument("operation")
@click.argument("arguments", default="{}")
@sandbox_option
@click.option(
    "--account",
    default=None,
    help="Call as an account connected with `nimble-tools auth login --account NAME` (OAuth; needs "
    "NIMBLE_CLIENT_ID and NIMBLE_CLIENT_SECRET).",
)
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="NIMBLE_TOOLS_TOKEN_DB",
    default=None,
    help="Token store of --account (default: the one `auth login` uses).",
)
@click.option("--yes", "-y", is_flag=True, help="Confirm a destructive operation without asking.")
@click.option(
    "--trace",
    "show_trace",
    is_flag=True,
    help="Print the call's span tree on stderr: timings, retries, each request (needs the otel extra).",
)
@json_option
def call(
    operation: str,
    arguments: str,
    sandbox: bool,
    account: str | None,
    store_path: Path | None,
    yes: bool,
    show_trace: bool,
    as_json: bool,
) -> None:
    """Call OPERATION with ARGUMENTS: a JSON object, @FILE holding one, or - to read it from stdin.

    \b
    Destructive operations (deletes) first show what they would remove and ask; pass --yes to
    confirm in scripts. Bulk operations show a progress bar on stderr.
    \b
    Examples:
      nimble-tools call list_all_nimble_contacts '{"limit": 3}' --sandbox
      nimble-tools call get_single_nimble_contact_by_id '{"id": "..."}'
      nimble-tools call nimble_import_leads @leads.json --json
      nimble-tools call nimble_find_or_create_contact @lead.json --sandbox --trace
    """
    args = _arguments(arguments)
    toolkit = command_toolkit(sandbox, account=account, store=store_path)
    op = operation_of(toolkit, operation)
    console = Console()
    with _traced(toolkit, console, enabled=show_trace):  # the tree follows the answer, or the error
        with bulk_progress(console, op, enabled=not as_json) as on_progress:
            options: dict[str, Any] = {"on_progress": on_progress} if on_progress else {}
            if account is not None:
                options["account"] = account
            try:
                result = _confirmed_call(toolkit, op, args, yes=yes, as_json=as_json, console=console, **options)
            except ReauthorizationRequiredError as error:
                raise CommandFailed(
                    f"{error.message} Connect it with: nimble-tools auth login --account {account}",
                    kind=type(error).__name__,
                ) from None
        if as_json:
            click.echo(dumps(result.to_dict()))
            return
        console.json(result.result)
        if result.next_cursor:
            console.note(f'More results: add "next_cursor": {json.dumps(result.next_cursor)} to the arguments.')


@contextlib.contextmanager
def _traced(toolkit: NimbleToolkit, console: Console, *, enabled: bool) -> Iterator[None]:
    """Record the spans of the command's calls and print their tree on stderr when it ends (failed too)."""
    if not enabled:
        yield
        return
    from .observability import TraceRecorder, print_tree

    recorder = TraceRecorder().observe(toolkit)
    try:
        yield
    finally:
        print_tree(recorder.spans(), fancy=console.fancy)


def _arguments(text: str) -> dict[str, Any]:
    source = "ARGUMENTS"
    if text == "-":
        text, source = sys.stdin.read(), "standard input"
    elif text.startswith("@"):
        path = Path(text[1:])
        try:
            text, source = path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise click.BadParameter(f"cannot read {path}: {exc.strerror}.", param_hint="ARGUMENTS") from None
    try:
        value = load_json(text or "{}")
    except ValueError as exc:
        raise click.BadParameter(
            f"{source} {exc}; quote it for the shell: '{{\"limit\": 3}}'.", param_hint="ARGUMENTS"
        ) from None
    if not isinstance(value, dict):
        raise click.BadParameter(f"{source} must be a JSON object, got {type(value).__name__}.", param_hint="ARGUMENTS")
    return value


def _confirmed_call(
    toolkit: NimbleToolkit,
    op: Operation,
    args: dict[str, Any],
    *,
    yes: bool,
    as_json: bool,
    console: Console,
    **options: Any,
) -> Any:
    """Call ``op``; a destructive one runs only once confirmed (``--yes`` or an answer at the prompt)."""
    from .policies import ConfirmationRequiredError, ConfirmDestructivePolicy

    toolkit.register_plugin(ConfirmDestructivePolicy(), name="nimble-tools-cli-confirmation")
    try:
        return toolkit.call(op.name, args, **options)
    except ConfirmationRequiredError as held:
        _ask(held, yes=yes, as_json=as_json, console=console)
        return toolkit.call(op.name, args, confirm_token=held.confirm_token, **options)


def _ask(held: ConfirmationRequiredError, *, yes: bool, as_json: bool, console: Console) -> None:
    if yes:
        return
    if as_json or not _interactive():
        raise CommandFailed(
            f"{held.tool} needs confirmation: {held.preview} Run it again with --yes to go ahead.",
            kind="ConfirmationRequiredError",
            details={"preview": held.preview},
        )
    console.line(f"{held.tool}: {held.preview}", style="yellow")
    if not click.confirm("Go ahead?", default=False):
        raise CommandFailed("Not confirmed; nothing was changed.", kind="Cancelled")


def _interactive() -> bool:
    return sys.stdin.isatty()


# -- accounts ------------------------------------------------------------------------------------

main.add_command(auth)


# -- servers -------------------------------------------------------------------------------------


@main.group(cls=NimbleGroup)
def sandbox() -> None:
    """The embedded Nimble sandbox: a stateful emulator of Nimble's API."""


@sandbox.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8765, show_default=True, type=int, help="Port (0 picks a free one).")
@click.option("--no-seed", is_flag=True, help="Start empty instead of with demo data.")
@click.option(
    "--faults",
    default="",
    metavar="SPEC",
    help="Inject faults, e.g. 'server_error=0.1,rate_limit=0.05,timeout=0.05,disconnect=0.02,seed=7'.",
)
@json_option
def sandbox_serve(host: str, port: int, no_seed: bool, faults: str, as_json: bool) -> None:
    """Serve the sandbox over HTTP for any Nimble client, until interrupted.

    Point this toolkit at it with NIMBLE_BASE_URL=<the URL> and NIMBLE_API_KEY=<the key>. With
    --json, the first line is {"base_url": ..., "api_key": ...}.
    """
    from .sandbox import DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET, FaultPlan, Sandbox

    try:
        plan = FaultPlan.parse(faults) if faults else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    box = Sandbox(seed=not no_seed, faults=plan)
    server = box.server(host, port)
    if as_json:
        oauth = {"client_id": DEFAULT_OAUTH_CLIENT_ID, "client_secret": DEFAULT_OAUTH_CLIENT_SECRET}
        click.echo(json.dumps({"base_url": server.base_url, "api_key": box.api_key, "oauth_client": oauth}))
    else:
        click.echo(f"Nimble sandbox listening on {server.base_url}")
        click.echo(f"API key: {box.api_key}   (send it as 'Authorization: Bearer {box.api_key}')")
        click.echo(f"Try: curl -H 'Authorization: Bearer {box.api_key}' {server.base_url}/api/v1/myself")
        click.echo(
            f"Or:  NIMBLE_BASE_URL={server.base_url} NIMBLE_API_KEY={box.api_key} nimble-tools call list_all_nimble_me"
        )
        if plan is not None:
            click.echo(f"Injecting faults into {plan.total_rate:.0%} of requests (seed {plan.seed}).")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


MCP_TOKEN_ENV = "NIMBLE_TOOLS_MCP_TOKEN"


@main.command("mcp")
@sandbox_option
@click.option("--http", "use_http", is_flag=True, help="Serve streamable HTTP instead of stdio.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface for --http.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port for --http.")
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="Another name clients reach the server by, for the Host/Origin check (repeatable).",
)
@click.option(
    "--insecure",
    is_flag=True,
    help=f"Serve --http on a non-loopback interface without {MCP_TOKEN_ENV} (anyone who reaches it acts as you).",
)
@click.option(
    "--account",
    default=None,
    help="Serve an account connected with `nimble-tools auth login --account NAME` (OAuth).",
)
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="NIMBLE_TOOLS_TOKEN_DB",
    default=None,
    help="Token store of --account (default: the one `auth login` uses).",
)
@click.option(
    "--allow-destructive",
    is_flag=True,
    help="Run deletes and overwrites at once, without asking the user first.",
)
@click.option("--name", "names", multiple=True, metavar="OPERATION", help="Serve only this operation (repeatable).")
@json_option
def mcp(
    sandbox: bool,
    use_http: bool,
    host: str,
    port: int,
    allowed_hosts: tuple[str, ...],
    insecure: bool,
    account: str | None,
    store_path: Path | None,
    allow_destructive: bool,
    names: tuple[str, ...],
    as_json: bool,
) -> None:
    """Serve the operations as an MCP server: stdio by default, for Claude Desktop, Cursor and co.

    \b
    Deletes and overwrites ask the user first: through the client's elicitation where it has it,
    else with a preview the model shows before it repeats the call with confirm_token.
    --allow-destructive turns that off.
    \b
    Client configuration (stdio):
      {"mcpServers": {"nimble": {"command": "nimble-tools", "args": ["mcp"],
                                 "env": {"NIMBLE_API_KEY": "..."}}}}
    With --http, every request must carry Authorization: Bearer $NIMBLE_TOOLS_MCP_TOKEN when that
    is set; on an interface other than loopback it must be set (or --insecure given). The Host and
    Origin headers are checked on every interface. With --json, the address is printed on stderr.
    """
    token = os.environ.get(MCP_TOKEN_ENV, "").strip() or None
    if use_http and not token and not insecure and not is_loopback(host):
        raise click.UsageError(
            f"--host {host} serves your Nimble account to anyone who reaches {host}:{port}. Set {MCP_TOKEN_ENV} "
            "to a long random secret (clients then send Authorization: Bearer <it>), serve on 127.0.0.1, or "
            "add --insecure if that is really what you want."
        )
    options: dict[str, Any] = {"account": account, "confirm_destructive": not allow_destructive}
    if names:
        options["tools"] = list(names)
    toolkit = command_toolkit(sandbox, account=account, store=store_path)
    if account is not None and not sandbox:
        require_connected(toolkit, account)
    server = toolkit.emit("mcp", **options)
    if use_http:
        url = f"http://{host}:{port}/mcp"
        # stderr: stdout is the protocol channel in stdio mode, and stays clean in both.
        warning = "" if token or is_loopback(host) else " (no authentication: --insecure)"
        click.echo(
            json.dumps({"url": url, "authenticated": bool(token)})
            if as_json
            else f"Nimble MCP server on {url}{warning}",
            err=True,
        )
    server.serve("http" if use_http else "stdio", host=host, port=port, bearer_token=token, allowed_hosts=allowed_hosts)


# -- the tour ------------------------------------------------------------------------------------


@main.command("demo")
@click.option("--only", "only", multiple=True, metavar="SECTION", help="Run only this section (repeatable).")
@json_option
def demo(only: tuple[str, ...], as_json: bool) -> None:
    """A guided tour of the use cases, against the embedded sandbox (a few seconds)."""
    try:
        from nimble_tools_demo import SECTIONS, run_demo
    except ImportError as exc:  # a partial install: the tour ships with the package, next to the core
        raise CommandFailed(f"The demo is not installed ({exc}); pip install 'nimble-tools[all]'.") from None

    unknown = [name for name in only if name not in SECTIONS]
    if unknown:
        raise click.BadParameter(
            f"unknown section(s) {', '.join(unknown)}; sections: {', '.join(SECTIONS)}.", param_hint="--only"
        )
    outcome = run_demo(Console(), sections=only or None, quiet=as_json)
    if as_json:
        click.echo(dumps(outcome))
