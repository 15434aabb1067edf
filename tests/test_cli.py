"""The command line, command by command, against the sandbox (in-process, served over HTTP, and as a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from nimble_tools_openai import check_strict_schema

from nimble_tools import _console, cli
from nimble_tools.adapter_support import published_schema
from nimble_tools.cli import main
from nimble_tools.sandbox import Sandbox

CLI = Path(sys.executable).with_name("nimble-tools")
NO_ACCOUNT = {"NIMBLE_API_KEY": "", "NIMBLE_BASE_URL": ""}


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, env={**NO_ACCOUNT, **(env or {})})


def run_json(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Any:
    outcome = run(*args, "--json", input=input, env=env)
    assert outcome.exit_code == 0, outcome.output
    return json.loads(outcome.stdout)


@pytest.fixture
def served() -> Iterator[tuple[Sandbox, dict[str, str]]]:
    """A sandbox served over HTTP, and the environment that points the CLI's live mode at it."""
    box = Sandbox()
    with box.server(port=0) as server:
        yield box, {"NIMBLE_API_KEY": box.api_key, "NIMBLE_BASE_URL": server.base_url}


# -- every command -------------------------------------------------------------------------------


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    context = click.Context(group)
    for name in group.list_commands(context):  # the plugins' commands too (register_commands)
        command = group.get_command(context, name)
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


COMMANDS = list(_commands(main))


def test_the_command_set() -> None:
    # import-leads comes from the dedupe plugin, serve from the hosted server's: plugins add commands
    assert set(COMMANDS) >= {
        ("serve",),
        ("list",),
        ("describe",),
        ("targets",),
        ("schema",),
        ("call",),
        ("import-leads",),
        ("sandbox",),
        ("sandbox", "serve"),
        ("mcp",),
        ("demo",),
    }


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_has_help_and_json(path: tuple[str, ...]) -> None:
    outcome = run(*path, "--help")
    assert outcome.exit_code == 0
    assert "Usage: main " + " ".join(path) in outcome.output
    command = main
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    summary = command.get_short_help_str(limit=200)
    assert summary and summary.split()[0] in outcome.output
    if not isinstance(command, click.Group):
        assert "--json" in outcome.output


def test_version_and_top_level_help() -> None:
    assert run("--version").output.startswith("main, version ")
    top = run("--help").output
    assert "nimble-tools demo" in top and "--sandbox" in top


# -- the catalog ---------------------------------------------------------------------------------


def test_list_filters_and_prints_json() -> None:
    everything = run_json("list")
    names = {row["name"] for row in everything}
    assert {"list_all_nimble_contacts", "create_a_nimble_contact", "nimble_find_or_create_contact"} <= names
    reads = run_json("list", "--read-only")
    assert reads and all(row["read_only"] for row in reads) and len(reads) < len(everything)
    tagging = run_json("list", "--resource", "contacts", "--search", "TAG")
    expected = [
        row
        for row in everything
        if row["resource"] == "contacts" and "tag" in f"{row['name']} {row['description']}".lower()
    ]
    assert tagging == expected and len(expected) < len(everything)
    assert {"nimble_contacts_assign_tags", "nimble_sync_contact_tags"} <= {row["name"] for row in tagging}
    by_plugin = run_json("list", "--plugin", "nimble_tools_dedupe")
    assert {row["name"] for row in by_plugin} == {"nimble_find_or_create_contact", "nimble_import_leads"}
    assert all(row["composite"] and row["path"] is None for row in by_plugin)


def test_list_prints_an_aligned_table() -> None:
    outcome = run("list", "--resource", "contacts")
    lines = outcome.stdout.splitlines()
    assert lines[0].split() == ["operation", "kind", "endpoint", "resource"]
    bulk = next(line for line in lines if line.startswith("nimble_contacts_bulk "))
    assert bulk.split()[1:4] == ["DESTRUCTIVE", "DELETE", "/api/v1/contacts"]
    assert lines[0].index("kind") == bulk.index("DESTRUCTIVE")  # columns line up
    assert "operation(s)" in outcome.stderr  # the hint goes to stderr, stdout stays data


def test_describe_names_every_parameter_and_where_it_travels() -> None:
    described = run_json("describe", "get_single_nimble_contact_by_id")
    assert described["method"] == "GET" and described["path"] == "/api/v1/contact/{id}"
    rows = {row["name"]: row for row in described["parameters"]}
    assert rows["id"]["location"] == "path" and rows["id"]["required"] is True
    assert described["parameters_schema"]["required"] == ["id"]

    listing = {row["name"]: row for row in run_json("describe", "list_all_nimble_contacts")["parameters"]}
    assert listing["limit"]["location"] == "paging" and listing["keyword"]["location"] == "query"
    composite = run_json("describe", "nimble_find_or_create_contact")
    assert {row["location"] for row in composite["parameters"]} == {"argument"}

    text = run("describe", "create_a_nimble_contact").stdout
    assert "write · POST /api/v1/contact" in text and "fields" in text and "body" in text


def test_describe_an_unknown_operation_suggests_names() -> None:
    outcome = run("describe", "list_all_nimble_contactz")
    assert outcome.exit_code == 1
    assert "Did you mean: list_all_nimble_contacts" in outcome.stderr and "nimble-tools list" in outcome.stderr
    as_json = run("describe", "list_all_nimble_contactz", "--json")
    error = json.loads(as_json.stdout)["error"]
    assert as_json.exit_code == 1 and error["type"] == "UnknownOperationError"
    assert "list_all_nimble_contacts" in error["suggestions"]


def test_targets() -> None:
    targets = run_json("targets")
    assert set(targets) == {"langchain", "openai", "callables", "mcp"}
    assert "openai" in run("targets").stdout


# -- schemas per target --------------------------------------------------------------------------


def test_schema_openai_is_strict_and_follows_options() -> None:
    tools = run_json("schema", "openai", "--name", "create_a_nimble_contact", "--name", "list_all_nimble_me")
    assert [t["function"]["name"] for t in tools] == ["create_a_nimble_contact", "list_all_nimble_me"]
    assert all(t["function"]["strict"] is True for t in tools)
    assert check_strict_schema(tools[0]["function"]["parameters"]) == []
    responses = run_json(
        "schema", "openai", "-o", "api=responses", "-o", "strict=false", "--name", "list_all_nimble_me"
    )
    assert responses == [
        {
            "type": "function",
            "name": "list_all_nimble_me",
            "description": responses[0]["description"],
            "parameters": responses[0]["parameters"],
            "strict": False,
        }
    ]


def test_schema_of_each_framework_target() -> None:
    (lc,) = run_json("schema", "langchain", "--name", "delete_a_nimble_contact_by_id")
    assert lc["name"] == "delete_a_nimble_contact_by_id" and "destructive" in lc["tags"]
    assert set(lc["parameters"]["properties"]) == {"id", "confirm_token"}

    (mcp,) = run_json("schema", "mcp", "--name", "delete_a_nimble_contact_by_id")
    assert mcp["annotations"]["destructiveHint"] is True and mcp["annotations"]["readOnlyHint"] is False
    # The same parameters model; MCP publishes it without pydantic's titles and null defaults.
    assert mcp["inputSchema"] == published_schema(lc["parameters"])
    assert "next_cursor" in mcp["outputSchema"]["properties"]

    (fn,) = run_json("schema", "callables", "--name", "list_all_nimble_contacts")
    assert fn["signature"].startswith("list_all_nimble_contacts(*, keyword: str | None = None")
    assert "Args:" in fn["docstring"]


def test_schema_refuses_unknown_targets_and_options() -> None:
    unknown = run("schema", "crewai")
    assert unknown.exit_code == 2 and "installed targets: callables, langchain, mcp, openai" in unknown.output
    bad_form = run("schema", "openai", "-o", "strict")
    assert bad_form.exit_code == 2 and "KEY=VALUE" in bad_form.output
    bad_option = run("schema", "openai", "-o", "colour=blue", "--json")
    error = json.loads(bad_option.stdout)["error"]
    assert bad_option.exit_code == 1 and error["type"] == "UsageError" and "colour" in error["message"]
    bad_name = run("schema", "mcp", "--name", "nope")
    assert bad_name.exit_code == 1 and "unknown operation 'nope'" in bad_name.stderr


# -- calls ---------------------------------------------------------------------------------------


def test_call_against_the_sandbox() -> None:
    page = run_json("call", "list_all_nimble_contacts", '{"keyword": "Hopper"}', "--sandbox")
    assert [c["fields"]["last name"][0]["value"] for c in page["result"]] == ["Hopper"]
    assert set(page) == {"result", "next_cursor"}
    human = run("call", "list_all_nimble_contacts", '{"limit": 2}', "--sandbox")
    assert human.exit_code == 0 and len(json.loads(human.stdout)) == 2  # the result itself, as JSON
    assert '"next_cursor":' in human.stderr  # how to get the next page


def test_call_reads_arguments_from_a_file_or_stdin(tmp_path: Path) -> None:
    arguments = tmp_path / "args.json"
    arguments.write_text('{"keyword": "Turing"}')
    from_file = run_json("call", "list_all_nimble_contacts", f"@{arguments}", "--sandbox")
    from_stdin = run_json("call", "list_all_nimble_contacts", "-", "--sandbox", input='{"keyword": "Turing"}')
    assert [c["id"] for c in from_file["result"]] == [c["id"] for c in from_stdin["result"]]
    assert len(from_file["result"]) == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("{keyword: x}", "ARGUMENTS is not valid JSON"),
        ("[1, 2]", "must be a JSON object, got list"),
        ("@/nonexistent/args.json", "cannot read /nonexistent/args.json"),
    ],
)
def test_call_refuses_bad_argument_text(arguments: str, message: str) -> None:
    outcome = run("call", "list_all_nimble_contacts", arguments, "--sandbox")
    assert outcome.exit_code == 2 and message in outcome.output


def test_call_names_the_field_to_fix() -> None:
    outcome = run("call", "get_single_nimble_contact_by_id", '{"id": "../x"}', "--sandbox", "--json")
    error = json.loads(outcome.stdout)["error"]
    assert outcome.exit_code == 1
    assert error["type"] == "InvalidArgumentsError" and error["tool"] == "get_single_nimble_contact_by_id"
    assert [f["field"] for f in error["fields"]] == ["id"] and "nothing was sent" in error["message"]


def test_call_without_an_account_says_how_to_fix_it() -> None:
    outcome = run("call", "list_all_nimble_me")
    assert outcome.exit_code == 1
    assert "NIMBLE_API_KEY" in outcome.stderr and "--sandbox" in outcome.stderr


def test_call_uses_the_account_of_the_environment(served: tuple[Sandbox, dict[str, str]]) -> None:
    box, env = served
    me = run_json("call", "list_all_nimble_me", env=env)
    assert me["result"]["email"] == "admin@sandbox.example" and box.request_count >= 1


def test_a_refused_key_is_reported_without_showing_it(served: tuple[Sandbox, dict[str, str]]) -> None:
    _, env = served
    wrong = "sk-wrong-0123456789abcdef"
    outcome = run("call", "list_all_nimble_me", "--json", env={**env, "NIMBLE_API_KEY": wrong})
    error = json.loads(outcome.stdout)["error"]
    assert outcome.exit_code == 1 and error["type"] == "AuthenticationError" and error["status_code"] == 403
    assert wrong not in outcome.output


def _europe_ids(env: dict[str, str]) -> list[str]:
    ids: list[str] = run_json("call", "nimble_contacts_contact_ids", '{"query": {"tag": {"is": "europe"}}}', env=env)[
        "result"
    ]
    return ids


def test_a_destructive_call_needs_yes_when_nobody_can_be_asked(served: tuple[Sandbox, dict[str, str]]) -> None:
    _, env = served
    selection = '{"query": {"tag": {"is": "europe"}}}'
    assert len(_europe_ids(env)) == 3
    held = run("call", "nimble_contacts_bulk", selection, "--json", env=env)
    error = json.loads(held.stdout)["error"]
    assert held.exit_code == 1 and error["type"] == "ConfirmationRequiredError"
    assert "3 contact(s)" in error["preview"] and "--yes" in error["message"]
    assert len(_europe_ids(env)) == 3  # nothing happened

    done = run_json("call", "nimble_contacts_bulk", selection, "--yes", env=env)
    assert len(done["result"]["data"]["ids"]) == 3
    assert _europe_ids(env) == []


def test_a_destructive_call_asks_at_a_terminal(
    served: tuple[Sandbox, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, env = served
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    contact = _europe_ids(env)[0]
    arguments = json.dumps({"id": contact})
    declined = run("call", "delete_a_nimble_contact_by_id", arguments, input="n\n", env=env)
    assert declined.exit_code == 1 and "Go ahead?" in declined.output and "nothing was changed" in declined.stderr
    assert contact in _europe_ids(env)
    accepted = run("call", "delete_a_nimble_contact_by_id", arguments, input="y\n", env=env)
    assert accepted.exit_code == 0, accepted.output
    assert "This cannot be undone" in accepted.stdout
    assert contact not in _europe_ids(env)


def test_a_bulk_call_draws_a_progress_bar() -> None:
    leads = [{"first_name": f"Lead{i}", "last_name": "Example", "email": f"lead{i}@bulk.example"} for i in range(30)]
    outcome = run("call", "nimble_import_leads", json.dumps({"leads": leads, "batch_size": 10}), "--sandbox")
    assert outcome.exit_code == 0, outcome.output
    assert "nimble_import_leads" in outcome.stderr  # click's bar prints its label when stderr is no terminal
    assert json.loads(outcome.stdout)["created"] == 30


def test_the_rich_progress_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_console, "_decide_fancy", lambda: True)
    leads = [{"first_name": f"Lead{i}", "last_name": "Example", "company": "Bulk Inc"} for i in range(12)]
    outcome = run("call", "nimble_import_leads", json.dumps({"leads": leads}), "--sandbox")
    assert outcome.exit_code == 0, outcome.output
    assert "12/12" in outcome.stderr and "created 12" in outcome.stderr


# -- import-leads --------------------------------------------------------------------------------

CSV = """First Name,Last Name,Email,Phone,Company,Tags,field:LinkedIn
Ada,Lovelace,ADA.LOVELACE@engines.example,,,,
Katherine,Johnson,kj@nasa.example,,NASA,space;pioneer,https://linkedin.example/kj
Dorothy,Vaughan,,+1 757 555 0199,NASA,,
"""


def test_import_leads_from_csv(tmp_path: Path) -> None:
    file = tmp_path / "leads.csv"
    file.write_text(CSV)
    report_file = tmp_path / "report.json"
    report = run_json("import-leads", str(file), "--sandbox", "--report", str(report_file))
    assert (report["total"], report["created"], report["matched"], report["failed"]) == (3, 2, 1, 0)
    assert [lead["decision"] for lead in report["leads"]] == ["matched", "created", "created"]
    assert json.loads(report_file.read_text()) == report

    human = run("import-leads", str(file), "--sandbox")
    assert human.exit_code == 0
    assert human.stdout.splitlines()[1:3] == ["decision   leads", "created    2"] and "3 leads in" in human.stdout


def test_import_leads_sets_tags_and_fields(served: tuple[Sandbox, dict[str, str]], tmp_path: Path) -> None:
    _, env = served
    file = tmp_path / "leads.csv"
    file.write_text(CSV)
    report = run_json("import-leads", str(file), env=env)
    katherine = report["leads"][1]["contact_id"]
    (contact,) = run_json("call", "get_single_nimble_contact_by_id", json.dumps({"id": katherine}), env=env)["result"][
        "resources"
    ]
    assert contact["fields"]["linkedin"][0]["value"] == "https://linkedin.example/kj"
    assert {t if isinstance(t, str) else t["tag"] for t in contact["tags"]} == {"space", "pioneer"}
    again = run_json("import-leads", str(file), env=env)
    assert again["created"] == 0 and again["matched"] == 3  # a re-run creates nothing


def test_import_leads_from_json_lines_on_stdin() -> None:
    lines = "\n".join(json.dumps({"last_name": f"Person{i}", "email": f"p{i}@x.example"}) for i in range(3))
    report = run_json("import-leads", "-", "--format", "jsonl", "--sandbox", input=lines)
    assert report["created"] == 3
    needs_format = run("import-leads", "-", "--sandbox", input=lines)
    assert needs_format.exit_code == 2 and "--format" in needs_format.output


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("leads.txt", "x", "cannot tell the format"),
        ("leads.csv", "first_name,email\nAda,a@x.example,extra\n", "line 2: 3 cells for 2 headings"),
        ("leads.csv", "first_name,\nAda,\n", "column 2 has no heading"),
        ("leads.json", '{"first_name": "Ada"}', "must hold a JSON array"),
        ("leads.jsonl", '{"first_name": "Ada"}\nnope\n', "line 2: not valid JSON"),
        ("leads.csv", "first_name,email\n", "holds no leads"),
        ("leads.csv", "first_name,emial\nAda,a@x.example\n", "leads.csv, line 2: emial: unknown field"),
    ],
)
def test_import_leads_refuses_bad_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    file = tmp_path / name
    file.write_text(content)
    outcome = run("import-leads", str(file), "--sandbox")
    assert outcome.exit_code == 1 and message in outcome.stderr


# -- servers -------------------------------------------------------------------------------------


def test_sandbox_serve_as_a_process_serves_the_cli() -> None:
    command = [str(CLI), "sandbox", "serve", "--port", "0", "--json"]
    env = {**os.environ, **NO_ACCOUNT}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env) as process:
        try:
            assert process.stdout is not None
            started = json.loads(process.stdout.readline())
            account = {"NIMBLE_API_KEY": started["api_key"], "NIMBLE_BASE_URL": started["base_url"]}
            created = run_json(
                "call", "create_a_nimble_contact", '{"fields": {"first name": [{"value": "Served"}]}}', env=account
            )
            arguments = json.dumps({"id": created["result"]["id"]})
            (contact,) = run_json("call", "get_single_nimble_contact_by_id", arguments, env=account)["result"][
                "resources"
            ]
            assert contact["fields"]["first name"][0]["value"] == "Served"  # state lives in the server
        finally:
            process.terminate()


def test_sandbox_serve_prints_how_to_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    from nimble_tools.sandbox._server import SandboxServer

    # Serve in a background thread instead, and return at once: the command then stops the server.
    monkeypatch.setattr(SandboxServer, "serve_forever", SandboxServer.start)
    outcome = run("sandbox", "serve", "--port", "0", "--no-seed")
    assert outcome.exit_code == 0
    assert "Nimble sandbox listening on http://127.0.0.1:" in outcome.stdout
    assert "NIMBLE_BASE_URL=http://127.0.0.1:" in outcome.stdout


def test_mcp_command_builds_the_server_it_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    from nimble_tools_mcp import NimbleMCPServer

    served: list[tuple[Any, str, dict[str, Any]]] = []
    monkeypatch.setattr(NimbleMCPServer, "serve", lambda self, transport, **kw: served.append((self, transport, kw)))
    outcome = run(
        "mcp", "--sandbox", "--name", "list_all_nimble_me", "--account", "acme", "--http", "--port", "9", "--json"
    )
    assert outcome.exit_code == 0, outcome.output
    ((server, transport, options),) = served
    assert [t.name for t in server.tools] == ["list_all_nimble_me"] and server.account == "acme"
    assert (transport, options) == (
        "http",
        {"host": "127.0.0.1", "port": 9, "bearer_token": None, "allowed_hosts": ()},
    )
    assert json.loads(outcome.stderr) == {"url": "http://127.0.0.1:9/mcp", "authenticated": False}
    assert outcome.stdout == ""


def test_mcp_without_an_account_says_how_to_fix_it() -> None:
    outcome = run("mcp", "--json")
    error = json.loads(outcome.stdout)["error"]
    assert outcome.exit_code == 1 and "NIMBLE_API_KEY" in error["message"] and "--sandbox" in error["message"]


# -- the demo ------------------------------------------------------------------------------------


def test_demo_reports_each_use_case() -> None:
    facts = run_json("demo")
    assert facts["dedupe"] == {
        "existing": "matched",
        "new": "created",
        "retry": "matched",
        "same_contact": True,
        "requests": facts["dedupe"]["requests"],
    }
    assert (facts["call-log"]["first"], facts["call-log"]["replay"]) == ("logged", "already_logged")
    assert facts["closed-won"] | {"requests": 0} == {
        "first": "won",
        "repeat": "already_won",
        "stage": "Won",
        "requests": 0,
    }
    assert facts["fields"]["planned"] == facts["fields"]["applied"] > 0 and facts["fields"]["rerun_steps"] == 0
    assert (facts["email-draft"]["decision"], facts["email-draft"]["subject"]) == ("drafted", "Your order, Jane")
    assert facts["tag-sync"]["changed"] == facts["tag-sync"]["contacts"] == facts["tag-sync"]["unchanged_on_rerun"]
    assert facts["safety"]["requests_for_refused_call"] == 0 and facts["safety"]["deleted"] == 3
    assert facts["adapters"]["same"] is True and len(facts["adapters"]["ids"]["mcp"]) == 1


def test_demo_narrates_sections_on_request() -> None:
    outcome = run("demo", "--only", "dedupe", "--only", "safety")
    assert outcome.exit_code == 0
    assert "== Dedupe-then-create" in outcome.stdout and "== Safety defaults" in outcome.stdout
    assert "Tag sync" not in outcome.stdout
    unknown = run("demo", "--only", "nope")
    assert unknown.exit_code == 2 and "sections: dedupe, call-log, closed-won, tag-sync, fields" in unknown.output


# -- output without rich -------------------------------------------------------------------------


def test_plain_output_needs_no_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "rich" or m.startswith("rich.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "rich", None)  # any import of rich now fails
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert _console.rich_available() is False
    assert _console.Console().fancy is False
    outcome = run("demo", "--only", "safety")
    assert outcome.exit_code == 0 and "== Safety defaults" in outcome.stdout


# -- auth ----------------------------------------------------------------------------------------


def test_auth_login_status_logout_in_json(
    served: tuple[Sandbox, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import httpx

    from nimble_tools.sandbox import DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET

    tabs: list[threading.Thread] = []

    def browse(url: str) -> None:  # plays the person who clicks "allow"
        with httpx.Client() as browser:
            browser.get(browser.get(url).headers["location"])

    def open_browser(url: str, *args: object, **kwargs: object) -> bool:
        tabs.append(threading.Thread(target=browse, args=(url,), daemon=True))
        tabs[-1].start()
        return True

    monkeypatch.setattr("webbrowser.open", open_browser)
    _, env = served
    store = str(tmp_path / "tokens.sqlite3")
    oauth = {"NIMBLE_CLIENT_ID": DEFAULT_OAUTH_CLIENT_ID, "NIMBLE_CLIENT_SECRET": DEFAULT_OAUTH_CLIENT_SECRET}
    login = run(
        *("auth", "login", "--account", "alice", "--base-url", env["NIMBLE_BASE_URL"]),
        *("--redirect-uri", "http://127.0.0.1:0/callback", "--store", store, "--timeout", "20", "--json"),
        env=oauth,
    )
    for tab in tabs:
        tab.join(timeout=10)
    assert login.exit_code == 0, login.output
    connected = json.loads(login.stdout)  # the instructions went to stderr
    assert connected["account"] == "alice" and connected["refreshable"] is True and connected["store"] == store
    assert "Open this URL" in login.stderr and DEFAULT_OAUTH_CLIENT_SECRET not in login.output

    status = run_json("auth", "status", "--store", store)
    assert [a["account"] for a in status["accounts"]] == ["alice"]
    assert run_json("auth", "logout", "--account", "alice", "--store", store) == {"account": "alice", "forgotten": True}
    assert run_json("auth", "status", "--store", store)["accounts"] == []
    missing = run("auth", "login", "--store", store, "--json", env={"NIMBLE_CLIENT_ID": "", "NIMBLE_CLIENT_SECRET": ""})
    assert missing.exit_code == 2 and "NIMBLE_CLIENT_ID" in missing.output


# -- schemas of a third party's target -----------------------------------------------------------


def test_a_third_party_target_prints_when_it_emits_json() -> None:
    from nimble_tools import UsageError
    from nimble_tools._target_schemas import schemas_of

    assert schemas_of("yaml-ish", [{"name": "a", "parameters": {"type": "object"}}]) == [
        {"name": "a", "parameters": {"type": "object"}}
    ]
    assert schemas_of("one", {"name": "a"}) == [{"name": "a"}]
    with pytest.raises(UsageError, match="emits object objects, which cannot be printed as JSON"):
        schemas_of("opaque", [object()])


def test_a_third_party_plugin_adds_a_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from nimble_tools import _registry, hookimpl

    class Greeting:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            @cli.command("hello")
            def hello() -> None:
                """Say hello."""
                click.echo("hello from a plugin")

    found = _registry._entry_point_plugins()
    monkeypatch.setattr(_registry, "_entry_point_plugins", lambda: (*found, ("greeting", Greeting())))
    monkeypatch.setattr(main, "_loaded", False)
    monkeypatch.setattr(main, "commands", dict(main.commands))
    outcome = run("hello")
    assert outcome.exit_code == 0 and outcome.stdout == "hello from a plugin\n"
