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
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import ConfigurationError, InvalidArgumentsError, NimbleToolkit, Operation, UnknownOperationError, UsageError
from ._cli_support import CommandFailed, NimbleGroup, json_option, sandbox_option
from ._console import Console, ProgressUpdate, dumps
from ._describe import describe_operation, operation_kind
from ._lead_files import LeadFile, LeadRow, read_lead_file, write_rejects
from ._limits import load_json
from ._names import close_names
from ._net import is_loopback
from ._target_schemas import schemas_of
from .adapter_support import operation_metadata
from .auth import ReauthorizationRequiredError
from .auth._cli import auth
from .toolsets import check_resources

if TYPE_CHECKING:
    from .policies import ConfirmationRequiredError

__all__ = ["main"]

IMPORT_LEADS = "nimble_import_leads"


def _toolkit(
    sandbox: bool, *, seed: bool = True, account: str | None = None, store: Path | None = None
) -> NimbleToolkit:
    """The toolkit of a command, closed (with its connections) when the command ends.

    With ``account`` (and no ``--sandbox``) it calls Nimble with the OAuth tokens that
    ``nimble-tools auth login --account NAME`` stored, refreshing them as needed.
    """
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


def _require_connected(toolkit: NimbleToolkit, account: str) -> None:
    """Refuse to serve an account that ``auth login`` never connected (or that was logged out)."""
    accounts = getattr(toolkit.client.auth, "accounts", None)
    if callable(accounts) and account not in accounts():
        raise CommandFailed(
            f"The account {account!r} is not connected. Connect it with: nimble-tools auth login --account {account}",
            kind="ReauthorizationRequiredError",
        )


def _oauth_toolkit(store: Path | None) -> NimbleToolkit:
    from .auth import OAuthApp, OAuthProvider, SQLiteTokenStore
    from .auth._cli import DEFAULT_REDIRECT_URI

    try:
        app = OAuthApp.from_env(redirect_uri=os.environ.get("NIMBLE_REDIRECT_URI") or DEFAULT_REDIRECT_URI)
    except ConfigurationError as error:
        raise CommandFailed.from_error(error) from None
    provider = OAuthProvider(app, SQLiteTokenStore(store))
    click.get_current_context().call_on_close(provider.close)
    return NimbleToolkit(auth=provider, base_url=app.base_url)


def _catalog() -> NimbleToolkit:
    """A toolkit for reading the catalog (operations, schemas): no account, and no data, is needed for that."""
    return _toolkit(sandbox=True, seed=False)


def _operation(toolkit: NimbleToolkit, name: str) -> Operation:
    try:
        return toolkit.operations[name]
    except UnknownOperationError as error:
        raise CommandFailed.from_error(error, "Run `nimble-tools list` to see every operation.") from None


# -- the application -----------------------------------------------------------------------------


@click.group(cls=NimbleGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    operations = list(_catalog().operations.values())
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
    op = _operation(_catalog(), operation)
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
    found = _catalog().target_details()
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
    catalog = _catalog()
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
    toolkit = _toolkit(sandbox, account=account, store=store_path)
    op = _operation(toolkit, operation)
    console = Console()
    with _traced(toolkit, console, enabled=show_trace):  # the tree follows the answer, or the error
        with _bulk_progress(console, op, enabled=not as_json) as on_progress:
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


@contextlib.contextmanager
def _bulk_progress(console: Console, op: Operation, *, enabled: bool) -> Iterator[Callable[[Any], None] | None]:
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


@main.command("import-leads")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True))
@sandbox_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), help="File format (default: its suffix).")
@click.option("--country", help="Two-letter country of phones written without a country code.")
@click.option("--fill-empty", is_flag=True, help="Fill empty fields of contacts that already exist.")
@click.option("--batch-size", type=click.IntRange(1, 200), default=50, show_default=True, help="Leads per lookup.")
@click.option("--concurrency", type=click.IntRange(1, 16), default=4, show_default=True, help="Lookups in flight.")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the valid leads and write the invalid ones, with the reason, to a reject file (see --rejects).",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The reject file of --skip-invalid (default: FILE's name with .rejected before the suffix).",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the full report (one decision per lead) to this JSON file.",
)
@json_option
def import_leads(
    file: Path,
    sandbox: bool,
    fmt: str | None,
    country: str | None,
    fill_empty: bool,
    batch_size: int,
    concurrency: int,
    skip_invalid: bool,
    rejects: Path | None,
    report: Path | None,
    as_json: bool,
) -> None:
    """Import people from FILE (CSV, JSON or JSON Lines) without creating duplicates.

    Each lead is matched on email, then phone, then name + company, and created only when nothing
    matches; running the same import again creates nothing new. CSV headings name the fields:
    first_name, last_name, email, phone, country, company, title, tags (separated by ';'), and
    field:<Nimble field> for other fields. Use --sandbox to try a file first.

    \b
    Every lead is checked before anything is sent; an invalid one stops the import, naming its
    line, unless --skip-invalid imports the others and writes it to a reject file with the reason.
    """
    if str(file) == "-":
        if fmt is None:
            raise click.BadParameter("reading leads from stdin needs --format.", param_hint="FILE")
        leads_file = read_lead_file(Path("stdin"), fmt=fmt, text=sys.stdin.read())
    else:
        leads_file = read_lead_file(file, fmt=fmt)
    toolkit = _toolkit(sandbox)
    op = _operation(toolkit, IMPORT_LEADS)
    arguments: dict[str, Any] = {"fill_empty": fill_empty, "batch_size": batch_size, "concurrency": concurrency}
    if country:
        arguments["country"] = country
    valid, rejected = _check_leads(op, arguments, leads_file)
    rejects_path: Path | None = None
    if rejected:
        if not skip_invalid:
            _refuse_invalid(leads_file, rejected)
        rejects_path = rejects or _rejects_path(file, leads_file)
        write_rejects(rejects_path, leads_file, rejected)
    console = Console()
    outcome: dict[str, Any] = {"total": 0, "calls": 0, "leads": []}
    if valid:
        with _bulk_progress(console, op, enabled=not as_json) as on_progress:
            arguments["leads"] = [row.lead for row in valid]
            outcome = toolkit.call(op.name, arguments, on_progress=on_progress).result
        for lead in outcome["leads"]:  # where each lead is in the file, not in the list sent
            lead["where"] = valid[lead["index"]].where
    outcome["rejected"] = [{"where": row.where, "reason": reason} for row, reason in rejected]
    if rejects_path is not None:
        outcome["rejects_file"] = str(rejects_path)
    if report is not None:
        report.write_text(dumps(outcome) + "\n", encoding="utf-8")
    if as_json:
        click.echo(dumps(outcome))
        return
    _print_import(console, outcome, report)


def _check_leads(
    op: Operation, arguments: dict[str, Any], leads_file: LeadFile
) -> tuple[list[LeadRow], list[tuple[LeadRow, str]]]:
    """Split the rows into valid leads and invalid ones with their reasons, by the operation's own rules."""
    valid: list[LeadRow] = []
    rejected: list[tuple[LeadRow, str]] = []
    for row in leads_file.rows:
        try:
            op.validate_arguments({**arguments, "leads": [row.lead]})
        except InvalidArgumentsError as error:
            if any(not field.startswith("leads.0") for field, _ in error.errors):
                raise  # an option of the command (--country ...), not the lead
            problems = [(field.removeprefix("leads.0").lstrip("."), _plain_problem(p)) for field, p in error.errors]
            rejected.append((row, "; ".join(f"{f}: {p}" if f else p for f, p in problems)))
        else:
            valid.append(row)
    return valid, rejected


def _plain_problem(problem: str) -> str:
    """A validation message without pydantic's "Value error, " and the echo of the input (the row is beside it)."""
    return re.sub(r" \(got .*\)$", "", problem.removeprefix("Value error, "))


def _refuse_invalid(leads_file: LeadFile, rejected: list[tuple[LeadRow, str]]) -> None:
    shown = [f"{leads_file.name}, {row.where}: {reason}" for row, reason in rejected[:10]]
    if len(rejected) > 10:
        shown.append(f"... and {len(rejected) - 10} more")
    raise CommandFailed(
        f"{len(rejected)} of {len(leads_file.rows)} leads are invalid; nothing was imported.\n"
        + "\n".join(shown)
        + "\nFix them, or add --skip-invalid to import the others and write these to a reject file.",
        kind="InvalidArgumentsError",
        details={"rejected": [{"where": row.where, "reason": reason} for row, reason in rejected]},
    )


def _rejects_path(file: Path, leads_file: LeadFile) -> Path:
    suffix = ".csv" if leads_file.headings is not None else ".jsonl"
    if str(file) == "-":
        return Path(f"rejected{suffix}")
    return file.with_name(f"{file.stem}.rejected{suffix}")


def _print_import(console: Console, outcome: dict[str, Any], report: Path | None) -> None:
    decisions = ("created", "matched", "ambiguous", "failed")
    rows = [[d, str(outcome.get(d, 0))] for d in decisions]
    rejected = outcome.get("rejected", [])
    if rejected:
        rows.append(["rejected (invalid)", str(len(rejected))])
    console.table(["decision", "leads"], rows, title="Import")
    console.line(f"{outcome['total']} leads in {outcome['calls']} requests.")
    attention = [lead for lead in outcome["leads"] if lead["decision"] in ("ambiguous", "failed")]
    for lead in attention[:10]:
        console.line(f"  {lead['where']}: {lead['decision']}: {lead.get('explanation', '')}", style="yellow")
    if len(attention) > 10:
        console.line(f"  ... and {len(attention) - 10} more.")
    if rejected:
        console.note(f"{len(rejected)} invalid lead(s) written, with the reason, to {outcome['rejects_file']}.")
    if report is not None:
        console.note(f"Full report in {report}.")


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
    toolkit = _toolkit(sandbox, account=account, store=store_path)
    if account is not None and not sandbox:
        _require_connected(toolkit, account)
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


@main.command(
    "serve", add_help_option=False, context_settings={"ignore_unknown_options": True, "allow_extra_args": True}
)
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
def serve(arguments: tuple[str, ...]) -> None:
    """A hosted MCP server for a team: OAuth, each person's own Nimble account (`serve --help`)."""
    try:  # the hosted package (the `hosted` extra) is imported only here, never by the core
        from nimble_tools_hosted.cli import serve as hosted
    except ImportError as exc:
        raise CommandFailed(f"The hosted server needs {exc.name}: pip install 'nimble-tools[hosted]'.") from None
    hosted.main(list(arguments), prog_name=click.get_current_context().command_path)


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
