"""Each framework's users meet the conventions they know, and no mistake is silently accepted (issue 17).

One test (or a few) per item: phone matching in every install and no adapter crashing on it; plain
JSON LangGraph interrupts under strict msgpack; unknown call options, resources, patterns and
accounts refused with the fix; targets that say what is installed; the LangChain ``BaseToolkit``
spelling; typed ``emit``; MCP titles and did-you-mean; one search language in the docs; ``describe``
expanding nested types; ``import-leads`` lines, rejects and progress in logs; the notebooks command.
"""

from __future__ import annotations

import asyncio
import csv
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import anyio
import pytest
from click.testing import CliRunner
from mcp import Client

from nimble_tools import ConfigurationError, NimbleToolkit, UsageError, toolsets
from nimble_tools.cli import main

ROOT = Path(__file__).parent.parent
FIND = "nimble_find_or_create_contact"
NO_ACCOUNT = {"NIMBLE_API_KEY": "", "NIMBLE_CLIENT_ID": "", "NIMBLE_CLIENT_SECRET": ""}


def cli(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(main, list(args), input=input, env=NO_ACCOUNT)


# -- 1. phone matching everywhere, and no adapter crashes on a missing library ---------------------


def test_phone_matching_is_a_core_dependency() -> None:
    requirements = importlib.metadata.requires("nimble-tools") or []
    core = [r for r in requirements if "extra ==" not in r]
    assert any(r.startswith("phonenumberslite") for r in core), core


def test_find_or_create_matches_by_phone_through_langchain(toolkit: NimbleToolkit) -> None:
    (tool,) = toolkit.get_tools([FIND])
    first = json.loads(tool.invoke({"first_name": "Zed", "last_name": "Quill", "phone": "+1 415 555 0199"}))
    again = json.loads(tool.invoke({"first_name": "Zed", "phone": "(415) 555-0199", "country": "US"}))
    assert first["result"]["decision"] == "created"
    assert again["result"]["decision"] == "matched" and again["result"]["contact_id"] == first["result"]["contact_id"]


@pytest.fixture
def no_phone_library(monkeypatch: pytest.MonkeyPatch) -> None:
    from nimble_tools_action_support import _keys

    monkeypatch.setitem(sys.modules, "phonenumbers", None)
    _keys.try_normalise_phone.cache_clear()
    _keys.phone_search_forms.cache_clear()


PHONE_LEAD = {"first_name": "Zed", "phone": "+1 415 555 0199"}


@pytest.mark.usefixtures("no_phone_library")
def test_a_broken_install_reaches_the_model_as_a_tool_error_in_every_adapter(toolkit: NimbleToolkit) -> None:
    (tool,) = toolkit.get_tools([FIND])
    message = tool.invoke({"type": "tool_call", "id": "c1", "name": FIND, "args": PHONE_LEAD})
    assert message.status == "error" and "phonenumbers" in message.content
    assert "phonenumbers" in tool.invoke(PHONE_LEAD)  # a plain invoke returns the error text too

    toolset = toolkit.emit("openai", tools=[FIND], strict=False)
    call = {"id": "c2", "type": "function", "function": {"name": FIND, "arguments": json.dumps(PHONE_LEAD)}}
    (answer,) = toolset.dispatch({"choices": [{"message": {"role": "assistant", "tool_calls": [call]}}]})
    assert answer["content"].startswith("Error:") and "phonenumbers" in answer["content"]

    async def over_mcp() -> Any:
        async with Client(toolkit.emit("mcp", tools=[FIND])) as client:
            return await client.call_tool(FIND, PHONE_LEAD)

    result = anyio.run(over_mcp)
    assert result.is_error and "phonenumbers" in result.content[0].text

    (function,) = toolkit.emit("callables", tools=[FIND], on_error="return")
    assert "phonenumbers" in function(**PHONE_LEAD)["error"]
    (raising,) = toolkit.emit("callables", tools=[FIND])
    with pytest.raises(ConfigurationError):
        raising(**PHONE_LEAD)


# -- 2. LangGraph interrupts are plain JSON, accepted by the strict checkpoint serializer ------------

STRICT_GRAPH = """
import json, warnings
warnings.simplefilter("error")  # "Deserializing unregistered type" must not appear
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from langgraph.types import Command
from nimble_tools import NimbleToolkit

toolkit = NimbleToolkit.sandbox()
ids = toolkit.call("nimble_contacts_contact_ids", {"record_type": "person", "limit": 2}).result
for contact_id in ids:
    toolkit.call("nimble_contacts_assign_tags", {"id": contact_id, "tags": ["purge"]})
graph = StateGraph(MessagesState)
graph.add_node("tools", ToolNode(toolkit.get_tools(["nimble_contacts_bulk"], approve="interrupt")))
graph.add_edge(START, "tools")
graph.add_edge("tools", END)
app = graph.compile(checkpointer=InMemorySaver())
config = {"configurable": {"thread_id": "strict"}}
query = {"join": "and", "conditions": [{"field": "tag", "operator": "is", "value": "purge"}]}
call = {"name": "nimble_contacts_bulk", "args": {"query": query}, "id": "c1"}
paused = app.invoke({"messages": [AIMessage(content="", tool_calls=[call])]}, config)
payload = paused["__interrupt__"][0].value
app.get_state(config)  # the checkpoint, read back through the strict serializer
done = app.invoke(Command(resume=True), config)
print(json.dumps({"payload": payload, "status": done["messages"][-1].status, "left": [
    i for i in ids if i in toolkit.emulator.state.table("contacts")]}))
"""


def _plain_json(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_json(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


def test_langgraph_interrupt_payload_passes_strict_msgpack() -> None:
    env = {**os.environ, "LANGGRAPH_STRICT_MSGPACK": "true"}
    done = subprocess.run(
        [sys.executable, "-c", STRICT_GRAPH], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    payload = outcome["payload"]
    assert _plain_json(payload) and payload["type"] == "nimble_approval" and payload["count"] == 2
    assert outcome["status"] == "success" and outcome["left"] == []


# -- 3. silent no-ops are refused with the fix ---------------------------------------------------------


def test_call_refuses_unknown_keyword_options(toolkit: NimbleToolkit) -> None:
    sent = toolkit.emulator.request_count  # type: ignore[union-attr]
    with pytest.raises(UsageError) as refused:
        toolkit.call("list_all_nimble_contacts", limit=5)
    message = refused.value.message
    assert "unknown keyword option(s) limit" in message
    assert "call('list_all_nimble_contacts', {'limit': 5})" in message  # arguments go in the mapping
    assert "account, confirm_token, on_progress" in message  # the valid ones
    with pytest.raises(UsageError, match="limit"):
        asyncio.run(toolkit.acall("list_all_nimble_contacts", limit=5))
    with pytest.raises(UsageError, match="keword"):
        toolkit.resolve_view = None  # type: ignore[attr-defined]
        toolsets.named("list_all_nimble_me").bind(toolkit).call("list_all_nimble_me", keword="x")
    assert toolkit.emulator.request_count == sent  # type: ignore[union-attr]
    assert toolkit.call("list_all_nimble_contacts", {"limit": 5}).result  # the right spelling works


def test_plugins_announce_the_options_they_read(toolkit: NimbleToolkit) -> None:
    from nimble_tools import CallContext, hookimpl

    class Audit:
        reasons: list[str] = []

        @hookimpl
        def register_call_options(self, register: Any) -> None:
            register("reason", "why the application makes this call, for the audit log")

        @hookimpl
        def before_call(self, context: CallContext) -> None:
            self.reasons.append(context.options.get("reason", ""))

    toolkit.register_plugin(Audit(), name="audit")
    toolkit.call("list_all_nimble_me", reason="nightly check")
    assert Audit.reasons == ["nightly check"]
    with pytest.raises(UsageError, match=r"account, confirm_token, on_progress, reason"):
        toolkit.call("list_all_nimble_me", reasons="typo")


def test_an_unknown_resource_is_refused_with_the_close_ones(toolkit: NimbleToolkit) -> None:
    with pytest.raises(UsageError, match=r"No operation has the resource 'contact'\. Did you mean 'contacts'"):
        toolkit.emit("openai", tools=toolsets.resource("contact"))
    with pytest.raises(UsageError, match="'dael'"):
        toolkit.get_tools(toolsets.read_only().resources("dael"))
    assert len(toolkit.emit("openai", tools=toolsets.resource("contacts"))) > 5


@pytest.mark.parametrize("tools", ["*deal*", ["*deal*"], ["list_all_nimble_me", "create_*"]])
def test_a_pattern_where_names_go_says_toolsets_matching(toolkit: NimbleToolkit, tools: Any) -> None:
    with pytest.raises(UsageError) as refused:
        toolkit.emit("openai", tools=tools)
    pattern = tools if isinstance(tools, str) else tools[-1]
    assert f"toolsets.matching({pattern!r})" in refused.value.message
    assert "['*deal*']" not in refused.value.message  # the old advice, which failed too


def test_an_account_a_single_key_toolkit_cannot_choose_is_refused(toolkit: NimbleToolkit) -> None:
    keyed = NimbleToolkit("a-key")  # nothing is sent: the account is refused first
    for attempt in (
        lambda: toolkit.call("list_all_nimble_me", account="acme"),
        lambda: toolkit.emit("callables", account="acme"),
        lambda: toolkit.get_tools(account="acme"),
        lambda: keyed.call("list_all_nimble_me", account="acme"),
    ):
        with pytest.raises(UsageError, match=r"account='acme' cannot be chosen: this toolkit holds one API key"):
            attempt()
    (tool,) = toolkit.get_tools(["list_all_nimble_me"])  # a run's config naming an account: a tool error
    message = tool.invoke(
        {"type": "tool_call", "id": "c1", "name": "list_all_nimble_me", "args": {}},
        config={"configurable": {"nimble_account": "acme"}},
    )
    assert message.status == "error" and "cannot be chosen" in message.content


def test_a_sandbox_can_answer_as_named_accounts() -> None:
    toolkit = NimbleToolkit.sandbox(accounts=["acme"])
    assert toolkit.call("list_all_nimble_me", account="acme").result == toolkit.call("list_all_nimble_me").result
    with pytest.raises(ConfigurationError, match="'globex'"):
        toolkit.call("list_all_nimble_me", account="globex")


def test_list_refuses_an_unknown_resource_and_says_when_nothing_matches() -> None:
    wrong = cli("list", "--resource", "contact")
    assert wrong.exit_code == 2 and "Did you mean 'contacts'" in wrong.output
    plugin = cli("list", "--plugin", "dedupe")
    assert plugin.exit_code == 2 and "nimble_tools_dedupe" in plugin.output
    empty = cli("list", "--resource", "me", "--search", "no such words")
    assert empty.exit_code == 0 and "No operation matches these filters" in empty.stderr


# -- 4. targets say which can be used ------------------------------------------------------------------


@pytest.fixture
def without_mcp(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in sys.modules if n == "mcp" or n.startswith("mcp.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "mcp", None)  # find_spec and import both fail, as without the extra


@pytest.mark.usefixtures("without_mcp")
def test_targets_say_which_are_installed(toolkit: NimbleToolkit) -> None:
    details = toolkit.target_details()
    assert details["openai"].installed and details["langchain"].installed
    assert not details["mcp"].installed and details["mcp"].missing == "pip install 'nimble-tools[mcp]'"
    listed = json.loads(cli("targets", "--json").stdout)
    assert listed["mcp"] == {
        "description": details["mcp"].description,
        "installed": False,
        "install": "pip install 'nimble-tools[mcp]'",
    }
    text = cli("targets")
    assert re.search(r"mcp\s+needs pip install 'nimble-tools\[mcp\]'", text.stdout)
    assert re.search(r"openai\s+ready", text.stdout) and "Not usable until installed: mcp" in text.stderr


@pytest.mark.usefixtures("without_mcp")
def test_the_demo_skips_a_target_that_is_not_installed() -> None:
    from nimble_tools_demo import run_demo

    facts = run_demo(sections=["adapters"], quiet=True)["adapters"]
    assert set(facts["ids"]) == {"langchain", "openai"} and facts["same"]
    assert facts["skipped"] == {"mcp": "pip install 'nimble-tools[mcp]'"}


# -- conventions: LangChain's BaseToolkit, typed emit ----------------------------------------------------


def test_the_langchain_basetoolkit_convention(monkeypatch: pytest.MonkeyPatch) -> None:
    from langchain_core.tools import BaseTool, BaseToolkit
    from nimble_tools_langchain import NimbleLangChainToolkit

    kit = NimbleLangChainToolkit.sandbox(tools=toolsets.resource("contacts").read_only())
    assert isinstance(kit, BaseToolkit)
    tools = kit.get_tools()
    assert tools and all(isinstance(t, BaseTool) for t in tools)
    assert all(t.metadata and t.metadata["read_only"] and t.metadata["resource"] == "contacts" for t in tools)

    monkeypatch.setenv("NIMBLE_API_KEY", "key-from-env")  # the default toolkit, as LangChain toolkits read keys
    assert len(NimbleLangChainToolkit().get_tools()) == len(NimbleToolkit.sandbox().get_tools())
    monkeypatch.delenv("NIMBLE_API_KEY")
    with pytest.raises(ConfigurationError, match="NIMBLE_API_KEY"):
        NimbleLangChainToolkit()


TYPED = """
from collections.abc import Callable
from typing import Any

from nimble_tools import NimbleToolkit

toolkit = NimbleToolkit.sandbox()
reveal_type(toolkit.emit("langchain"))
reveal_type(toolkit.emit("openai"))
reveal_type(toolkit.emit("callables"))
reveal_type(toolkit.emit("mcp"))
reveal_type(toolkit.emit("markdown"))
reveal_type(toolkit.get_tools())
toolkit.emit("openai").no_such_method()
"""


def test_emit_is_typed_per_target(tmp_path: Path) -> None:
    from mypy import api

    snippet = tmp_path / "snippet.py"
    snippet.write_text(TYPED)
    skipped = "langchain_core.*,langchain.*,langgraph.*,mcp.*,anyio.*,starlette.*,uvicorn.*,httpx.*,pydantic_core.*"
    config = tmp_path / "mypy.ini"
    config.write_text(
        textwrap.dedent(f"""
        [mypy]
        mypy_path = {ROOT / "adapters"}:{ROOT / "plugins"}:{ROOT / "demo"}
        ignore_missing_imports = True
        [mypy-{skipped}]
        follow_imports = skip
        """)
    )
    cache = ROOT / ".mypy_cache" / "emit-typing"  # kept between runs: later runs take seconds
    stdout, _, _ = api.run([str(snippet), "--config-file", str(config), "--cache-dir", str(cache)])
    revealed = re.findall(r"snippet\.py:\d+: note: Revealed type is \"(.*)\"", stdout)
    assert [r.replace("builtins.", "") for r in revealed] == [
        "list[nimble_tools_langchain._tool.NimbleTool]",
        "nimble_tools_openai._toolset.OpenAIToolset",
        "list[def (*Any, **Any) -> Any]",
        "nimble_tools_mcp._server.NimbleMCPServer",
        "Any",
        "list[nimble_tools_langchain._tool.NimbleTool]",
    ], stdout
    errors = [line for line in stdout.splitlines() if "snippet.py:" in line and ": error:" in line]
    assert len(errors) == 1 and '"OpenAIToolset" has no attribute "no_such_method"' in errors[0], stdout


# -- conventions: plain callables return JSON where a host stringifies -----------------------------------


def test_callables_results_are_json_where_a_host_stringifies(toolkit: NimbleToolkit) -> None:
    from agents.items import ItemHelpers
    from openai.types.responses import ResponseFunctionToolCall

    (function,) = toolkit.emit("callables", tools=["list_all_nimble_contacts"])
    result = function(keyword="Globex")
    assert isinstance(result, dict) and result["result"]
    assert json.loads(str(result)) == result  # str() is JSON, not Python's repr
    call = ResponseFunctionToolCall(arguments="{}", call_id="c1", name="list_all_nimble_contacts", type="function_call")
    sent = ItemHelpers.tool_call_output_item(call, result)["output"]  # what the Agents SDK sends the model
    assert isinstance(sent, str) and json.loads(sent) == result and "None" not in sent


# -- conventions: MCP titles and did-you-mean ------------------------------------------------------------


def test_mcp_tools_carry_human_titles_and_mistyped_names_are_suggested(toolkit: NimbleToolkit) -> None:
    from mcp.shared.exceptions import MCPError

    async def session() -> tuple[dict[str, Any], str]:
        async with Client(toolkit.emit("mcp")) as client:
            listed = await client.list_tools()
            try:
                await client.call_tool("list_contacts", {})
            except MCPError as error:
                refused = str(error)
            else:
                refused = ""
            return {tool.name: tool for tool in listed.tools}, refused

    tools, refused = anyio.run(session)
    assert tools["nimble_contacts_bulk"].annotations.title == "Delete contacts in bulk"
    assert tools["nimble_contacts_standard"].annotations.title == "Read contacts by id"
    assert tools["list_all_nimble_me"].annotations.title == "Who am I"
    assert tools["create_a_nimble_deals_tag"].annotations.title == "Tag deals"
    assert all(tool.annotations.title and "nimble" not in tool.annotations.title.lower() for tool in tools.values())
    assert re.search(r"Did you mean: list_all_nimble_contacts\b", refused), refused
    assert "nimble_contacts_bulk" not in refused


def test_every_catalog_operation_has_a_title(toolkit: NimbleToolkit) -> None:
    catalog = [op for op in toolkit.operations.values() if op.plugin == "nimble_tools.catalog"]
    assert catalog and all(op.title for op in catalog)  # written for people, not made from the name
    titles = [op.title for op in catalog]
    assert len(set(titles)) == len(titles), "two catalog tools share a title"


# -- conventions: one search language in the docs ---------------------------------------------------------

# Nimble's own query JSON: {"and": [...]} groups, {"tag": {"is": ...}} conditions (the fields map,
# {"email": [{"value": ...}]}, is another matter: its values are lists).
NSE_FORM = re.compile(
    r"""\{\s*\\?["'](?:(?:and|or|not)\\?["']\s*:\s*\[|(?:tag|names|email|company_name)\\?["']\s*:\s*\{)"""
)


def documentation() -> str:
    """The README and every page of the docs site."""
    pages = sorted((ROOT / "docs").rglob("*.md"))
    return "\n".join(path.read_text(encoding="utf-8") for path in [ROOT / "README.md", *pages])


def test_the_docs_teach_one_search_language() -> None:
    docs = documentation()
    mentions = [line for line in docs.splitlines() if NSE_FORM.search(line)]
    assert len(mentions) == 1  # the one mention of Nimble's own form
    assert "Nimble's own forms are accepted too" in docs
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert not NSE_FORM.search(notebook.read_text(encoding="utf-8")), notebook.name
    for example in (ROOT / "plugins").glob("*/README.md"):
        assert not NSE_FORM.search(example.read_text(encoding="utf-8")), example
    assert '"field": "tag", "operator": "is"' in docs


# -- conventions: describe expands nested types -----------------------------------------------------------


def test_describe_expands_nested_parameter_types() -> None:
    described = json.loads(cli("describe", "create_a_nimble_contact", "--json").stdout)
    rows = {row["name"]: row for row in described["parameters"]}
    assert rows["fields"]["type"] == "ContactFields"
    assert rows["fields.first_name"]["type"] == "string | null"
    assert rows["fields.emails[].value"]["required"] and rows["fields.emails[].value"]["location"] == "body"
    text = cli("describe", "list_all_nimble_contacts_search").stdout
    assert re.search(r"query\.operator\s+one of 'is'", text) and "query.conditions[].field" in text


# -- conventions: import-leads ----------------------------------------------------------------------------

LEADS = (
    "first_name,last_name,email,phone\n"
    "Ada,Lovelace,ada@new.example,\n"
    "\n"
    ",,,\n"
    "Bob,,not-an-email,\n"
    "Cy,Dee,cy@new.example,12\n"
    "Di,Eve,di@new.example,+1 415 555 0177\n"
)


def test_import_leads_errors_name_the_csv_line(tmp_path: Path) -> None:
    file = tmp_path / "leads.csv"
    file.write_text(LEADS)
    outcome = cli("import-leads", str(file), "--sandbox")
    assert outcome.exit_code == 1
    assert "2 of 4 leads are invalid; nothing was imported" in outcome.stderr
    assert "leads.csv, line 5: email 'not-an-email' is not an email address" in outcome.stderr
    assert "leads.csv, line 6: phone '12' is not a valid phone number" in outcome.stderr
    assert "--skip-invalid" in outcome.stderr and not (tmp_path / "leads.rejected.csv").exists()


def test_import_leads_skip_invalid_writes_a_reject_file(tmp_path: Path) -> None:
    file = tmp_path / "leads.csv"
    file.write_text(LEADS)
    outcome = cli("import-leads", str(file), "--sandbox", "--skip-invalid", "--json")
    assert outcome.exit_code == 0, outcome.output
    report = json.loads(outcome.stdout)
    assert report["created"] == 2 and report["total"] == 2
    assert [lead["where"] for lead in report["leads"]] == ["line 2", "line 7"]
    assert [r["where"] for r in report["rejected"]] == ["line 5", "line 6"]
    rejects = tmp_path / "leads.rejected.csv"
    assert report["rejects_file"] == str(rejects)
    rows = list(csv.DictReader(rejects.read_text().splitlines()))
    assert [(r["first_name"], r["line"]) for r in rows] == [("Bob", "5"), ("Cy", "6")]
    assert "not an email address" in rows[0]["reason"] and "not a valid phone number" in rows[1]["reason"]


def test_import_leads_shows_progress_lines_when_not_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nimble_tools import _console

    monkeypatch.setattr(_console, "PROGRESS_INTERVAL", 0.0)  # a line per lead instead of every 5 seconds
    file = tmp_path / "leads.jsonl"
    file.write_text("\n".join(json.dumps({"last_name": f"P{i}", "email": f"p{i}@x.example"}) for i in range(3)))
    outcome = cli("import-leads", str(file), "--sandbox")
    assert outcome.exit_code == 0, outcome.output
    lines = [line for line in outcome.stderr.splitlines() if line.startswith("nimble_import_leads:")]
    assert lines[0] == "nimble_import_leads: 0/3"
    assert lines[-1].startswith("nimble_import_leads: 3/3 (100%)") and len(lines) >= 4


def test_progress_lines_wait_between_reports(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from nimble_tools import _console

    monkeypatch.setattr(_console, "PROGRESS_INTERVAL", 3600.0)  # nothing between the first and the last line
    with _console._progress_lines(100, "import") as update:
        for done in range(1, 101):
            update(done, "")
    assert capsys.readouterr().err.splitlines() == ["import: 0/100", "import: 100/100 (100%)"]


# -- conventions: the notebooks open with one command -----------------------------------------------------


def test_one_command_opens_the_notebooks() -> None:
    assert "`make notebooks`" in (ROOT / "README.md").read_text(encoding="utf-8")
    plan = subprocess.run(
        ["make", "-n", "notebooks"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert 'pip install --quiet "jupyterlab' in plan and "jupyter lab notebooks/" in plan
