"""Safe by default, the same on every surface.

1. Through every adapter, emitted with its defaults, a destructive call (a delete, a mass delete,
   a pipeline delete that cascades, an overwrite that cannot be undone) changes nothing and
   answers with a preview that counts what would go.
2. A tool offers ``confirm_token`` exactly where something checks it.
3. Turning confirmation off is one explicit option per surface; a registered
   ``ConfirmDestructivePolicy`` wins over it.
4. The application's own ``toolkit.call`` runs what it is told.
5. The command line: ``nimble-tools mcp`` (the README's Claude Desktop setup), over real stdio,
   holds deletes the same way; ``--allow-destructive`` runs them; ``call`` asks first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hardening_support import ADAPTERS, Wire, adapters_for
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from safety_support import BULK, DELETE, DESTRUCTIVE, Destructive, exists, people, token_in, writes

from nimble_tools import NimbleToolkit
from nimble_tools.approval import ApprovalRequest
from nimble_tools.confirmation import CONFIRM_TOKEN
from nimble_tools.policies import ConfirmDestructivePolicy

CLI = [str(Path(sys.executable).with_name("nimble-tools"))]  # the installed command, as users run it


# -- 1. every adapter holds every kind of destructive call ------------------------------------------------


@pytest.mark.parametrize("kind", DESTRUCTIVE, ids=repr)
@pytest.mark.parametrize("target", ADAPTERS)
def test_a_destructive_call_changes_nothing_and_answers_with_a_preview(
    wired: tuple[NimbleToolkit, Wire], target: str, kind: Destructive
) -> None:
    toolkit, wire = wired
    arguments = kind.arguments(toolkit)
    expected = kind.preview(toolkit)
    with adapters_for(toolkit, [target]) as adapters:
        wire.clear()
        outcome = adapters.call(target, kind.name, arguments)
    assert not outcome.ok, outcome.text
    assert f"{kind.name} needs confirmation" in outcome.text and expected in outcome.text, outcome.text
    assert writes(wire) == [], "only reads (the preview's count) may leave"
    assert kind.untouched(toolkit, arguments)


def test_the_findings_mass_delete_no_longer_runs_on_the_first_call(toolkit: NimbleToolkit) -> None:
    # The review deleted 13 people with one call through the MCP server's defaults.
    functions = {f.__name__: f for f in toolkit.emit("callables", on_error="return")}
    before = len(people(toolkit, 100))
    held = functions[BULK](record_type="person")
    assert f"{before} contact(s)" in held["error"] and len(people(toolkit, 100)) == before


# -- 2. confirm_token is offered exactly where something checks it ------------------------------------------


def offered(toolkit: NimbleToolkit, target: str, name: str, **options: Any) -> bool:
    """Whether the tool ``name`` emitted for ``target`` with ``options`` takes ``confirm_token``."""
    if target == "langchain":
        [tool] = toolkit.emit(target, tools=[name], **options)
        return CONFIRM_TOKEN in tool.tool_call_schema.model_json_schema()["properties"]
    if target == "openai":
        [spec] = toolkit.emit(target, tools=[name], **options)
        return CONFIRM_TOKEN in spec["function"]["parameters"]["properties"]
    if target == "callables":
        [function] = toolkit.emit(target, tools=[name], **options)
        return CONFIRM_TOKEN in function.__signature__.parameters
    [mcp_tool] = toolkit.emit(target, tools=[name], **options).tools
    return CONFIRM_TOKEN in mcp_tool.input_schema["properties"]


def ask(request: ApprovalRequest) -> bool:
    return False


@pytest.mark.parametrize("target", ADAPTERS)
def test_confirm_token_is_offered_only_where_it_is_checked(toolkit: NimbleToolkit, target: str) -> None:
    assert offered(toolkit, target, DELETE)  # the default: the model carries the preview to the user
    assert offered(toolkit, target, "update_a_nimble_contact_by_id")  # destructive with replace=true
    assert not offered(toolkit, target, "create_a_nimble_contact")  # nothing to confirm
    assert not offered(toolkit, target, DELETE, approve=ask)  # a person is asked: no token
    assert not offered(toolkit, target, DELETE, approve=True)
    assert not offered(toolkit, target, DELETE, confirm_destructive=False)  # nothing checks it


def test_each_host_mechanism_offers_the_token_only_where_it_falls_back_to_it(toolkit: NimbleToolkit) -> None:
    assert not offered(toolkit, "langchain", DELETE, approve="interrupt")  # LangGraph always asks the person
    assert offered(toolkit, "mcp", DELETE, approve="elicit")  # for clients that cannot elicit
    assert offered(toolkit, "mcp", DELETE)  # elicit is the MCP default


def test_the_search_meta_tool_offers_it_for_the_calls_it_makes(toolkit: NimbleToolkit) -> None:
    from nimble_tools import toolsets

    def takes(scope: Any) -> bool:
        [_, call] = toolkit.emit("openai", tools=toolsets.tool_search(scope))
        return CONFIRM_TOKEN in call["function"]["parameters"]["properties"]

    assert takes(None) and not takes(toolsets.read_only())


# -- 3. one explicit switch per surface, and a registered policy wins ---------------------------------------


@pytest.mark.parametrize("target", ADAPTERS)
def test_confirm_destructive_false_runs_deletes_at_once(toolkit: NimbleToolkit, target: str) -> None:
    victim = people(toolkit, 1)[0]
    with adapters_for(toolkit, [target], confirm_destructive=False) as adapters:
        outcome = adapters.call(target, DELETE, {"id": victim})
    assert outcome.ok, outcome.text
    assert not exists(toolkit, victim)


@pytest.mark.parametrize("target", ADAPTERS)
def test_a_registered_policy_wins_over_switching_confirmation_off(toolkit: NimbleToolkit, target: str) -> None:
    toolkit.register_plugin(ConfirmDestructivePolicy(), name="confirm-everything")
    victim = people(toolkit, 1)[0]
    assert offered(toolkit, target, DELETE, confirm_destructive=False)
    with adapters_for(toolkit, [target], confirm_destructive=False) as adapters:
        held = adapters.call(target, DELETE, {"id": victim})
        assert not held.ok and "needs confirmation" in held.text
        done = adapters.call(target, DELETE, {"id": victim, CONFIRM_TOKEN: token_in(held.text)})
    assert done.ok, done.text
    assert not exists(toolkit, victim)


# -- 4. the application's own calls -------------------------------------------------------------------------


def test_the_applications_own_call_runs_what_it_is_told(toolkit: NimbleToolkit) -> None:
    victim = people(toolkit, 1)[0]
    toolkit.call(DELETE, {"id": victim})
    assert not exists(toolkit, victim)


def test_with_the_policy_the_applications_own_call_waits_for_its_token(toolkit: NimbleToolkit) -> None:
    from nimble_tools.confirmation import ConfirmationRequiredError

    toolkit.register_plugin(ConfirmDestructivePolicy())
    victim = people(toolkit, 1)[0]
    with pytest.raises(ConfirmationRequiredError) as held:
        toolkit.call(DELETE, {"id": victim})
    assert exists(toolkit, victim)
    toolkit.call(DELETE, {"id": victim}, confirm_token=held.value.confirm_token)
    assert not exists(toolkit, victim)


# -- 5. the command line, over real processes ---------------------------------------------------------------


def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("NIMBLE_")}


async def over_stdio(*flags: str, calls: list[tuple[str, dict[str, Any]]]) -> tuple[list[Any], list[Any]]:
    """Start ``nimble-tools mcp --sandbox FLAGS`` as a child process; list the tools; make ``calls`` in order."""
    server = StdioServerParameters(command=CLI[0], args=["mcp", "--sandbox", *flags], env=child_env())
    async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = (await session.list_tools()).tools
        results = [await session.call_tool(name, arguments) for name, arguments in calls]
    return tools, results


def first_person() -> str:
    # The sandbox is seeded the same way every time: its first person has a stable id.
    return people(NimbleToolkit.sandbox(), 1)[0]


@pytest.mark.anyio
async def test_the_mcp_command_holds_deletes_and_runs_the_one_confirmed_with_its_token() -> None:
    # One server process: the holds, then the confirmation the preview's token gives, then its replay.
    victim = first_person()
    server = StdioServerParameters(command=CLI[0], args=["mcp", "--sandbox"], env=child_env())
    async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = (await session.list_tools()).tools
        held = await session.call_tool(DELETE, {"id": victim})
        bulk = await session.call_tool(BULK, {"record_type": "person"})
        check = await session.call_tool("get_single_nimble_contact_by_id", {"id": victim})
        token = token_in(held.content[0].text)
        done = await session.call_tool(DELETE, {"id": victim, CONFIRM_TOKEN: token})
        again = await session.call_tool(DELETE, {"id": victim, CONFIRM_TOKEN: token})
    delete_tool = next(t for t in tools if t.name == DELETE)
    assert delete_tool.annotations.destructive_hint and CONFIRM_TOKEN in delete_tool.input_schema["properties"]
    assert held.is_error and "needs confirmation" in held.content[0].text
    assert bulk.is_error and "contact(s)" in bulk.content[0].text
    assert not check.is_error, "the contact is still there"
    assert not done.is_error, done.content[0].text
    assert again.is_error and "unknown, used or expired" in again.content[0].text


@pytest.mark.anyio
async def test_allow_destructive_is_the_mcp_commands_one_switch() -> None:
    victim = first_person()
    tools, (done, check) = await over_stdio(
        "--allow-destructive", calls=[(DELETE, {"id": victim}), ("get_single_nimble_contact_by_id", {"id": victim})]
    )
    assert CONFIRM_TOKEN not in next(t for t in tools if t.name == DELETE).input_schema["properties"]
    assert not done.is_error and check.is_error and "No contact" in check.content[0].text


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=child_env(), input=stdin, timeout=120)


def test_the_call_command_asks_first_and_json_says_why() -> None:
    victim = first_person()
    done = run_cli("call", DELETE, json.dumps({"id": victim}), "--sandbox", "--json")
    error = json.loads(done.stdout)["error"]
    assert done.returncode == 1 and error["type"] == "ConfirmationRequiredError"
    assert "--yes" in error["message"] and "cannot be undone" in error["preview"]


def test_the_call_command_without_a_terminal_refuses_and_says_why() -> None:
    done = run_cli("call", DELETE, json.dumps({"id": first_person()}), "--sandbox")
    assert done.returncode == 1 and "--yes" in done.stderr and "needs confirmation" in done.stderr


def test_the_call_command_runs_with_yes() -> None:
    victim = first_person()
    done = run_cli("call", DELETE, json.dumps({"id": victim}), "--sandbox", "--yes", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
