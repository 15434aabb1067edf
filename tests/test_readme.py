"""The README stays true: its marked Python examples run and print what they say, its commands parse."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import re
import shlex
import time
from pathlib import Path
from typing import Any

import click
import httpx2
import openai
import pytest
from click.testing import CliRunner

from nimble_tools.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
MARKED = dict(re.findall(r"<!-- readme-test: (\w+) -->\n```python\n(.*?)```", README, flags=re.S))


def run_example(name: str) -> str:
    """Run the README's example ``name`` as a script; return what it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(MARKED[name], f"README:{name}", "exec"), {"__name__": "__main__"})
    return printed.getvalue()


def test_the_marked_examples_are_found() -> None:
    assert set(MARKED) >= {
        "quickstart",
        "agent",
        "plugin",
        "langchain",
        "agents_sdk",
        "side_by_side",
        "faults",
        "contacts",
        "deals",
        "import_leads",
        "toolsets",
        "tool_search",
        "oauth",
        "adapter",
        "approval",
        "prometheus",
        "json_logs",
    }


def _python_blocks_outside(owners: tuple[str, ...]) -> list[tuple[str, str]]:
    """(heading, block) for every Python block, with whether a readme-test marker precedes it."""
    blocks = []
    heading = ""
    for part in re.split(r"(?m)^(## .*)$", README):
        if part.startswith("## "):
            heading = part
            continue
        if heading.startswith(owners):
            continue
        # (the Observability section's own examples are run by tests/test_observability_readme.py)
        pattern = r"(<!-- (?:readme-test|observability-example): \w+ -->\n)?```python\n(.*?)```"
        for marker, block in re.findall(pattern, part, flags=re.S):
            blocks.append((heading, marker + block))
    return blocks


def test_every_python_example_is_a_whole_program_that_a_test_runs() -> None:
    blocks = _python_blocks_outside(())
    assert len(blocks) >= 12
    unmarked = [(heading, block[:60]) for heading, block in blocks if not block.startswith("<!--")]
    assert not unmarked, unmarked
    for name, source in MARKED.items():
        if name == "plugin":
            continue
        assert re.search(r"^(from|import) ", source, flags=re.M), f"{name}: no imports"
        assert "NimbleToolkit" in source, f"{name}: makes no toolkit"


def _claims(name: str) -> list[str]:
    return [
        line.split("  # ", 1)[1] for line in MARKED[name].splitlines() if line.startswith("print(") and "  # " in line
    ]


@pytest.mark.parametrize(
    "name", ["side_by_side", "faults", "contacts", "deals", "toolsets", "tool_search", "oauth", "approval"]
)
def test_offline_examples_run_and_print_what_they_say(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    if name == "faults":  # the retries' backoff is recorded instead of slept (seconds of waiting)
        monkeypatch.setattr(time, "sleep", waits.append)
    printed = run_example(name).splitlines()
    for claim in _claims(name):
        assert any(line.startswith(claim.split(":")[0].removesuffix("...")) for line in printed), (claim, printed)
    if name == "faults":
        assert waits and all(wait > 0 for wait in waits), "reads were retried after a backoff"


def test_json_logs_example_logs_one_json_line_per_call() -> None:
    logger = logging.getLogger("nimble_tools")
    handlers, level = list(logger.handlers), logger.level
    try:
        printed = run_example("json_logs").splitlines()
    finally:
        logger.handlers[:], logger.level = handlers, level
    events = [json.loads(line) for line in printed]
    assert [e["tool"] for e in events if e.get("event") == "nimble_tools.call"] == ["list_all_nimble_me"]


def test_prometheus_example_serves_the_call_counter() -> None:
    assert run_example("prometheus").strip() == "True"


def test_import_leads_example_matches_the_known_lead_and_creates_the_other() -> None:
    printed = run_example("import_leads").splitlines()
    assert printed[-1] == "1 1 0 0"  # created, matched, ambiguous, failed
    assert sorted(printed[:2]) == ["1 / 2", "2 / 2"]


def test_quickstart_runs() -> None:
    printed = run_example("quickstart")
    assert printed.startswith('{"result": [{') or printed.startswith("{'result': [")


@pytest.mark.parametrize(("name", "lines"), [("plugin", 5), ("adapter", 3)])
def test_example_prints_what_its_comments_say(name: str, lines: int) -> None:
    printed = run_example(name).splitlines()
    claims = [
        line.split("  # ", 1)[1] for line in MARKED[name].splitlines() if line.startswith(("print(", "    print("))
    ]
    assert len(printed) == len(claims) == lines
    for shown, claim in zip(printed, claims, strict=True):
        assert shown.startswith(claim.removesuffix("...")), (shown, claim)


def test_agent_example_runs_a_whole_conversation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The agent script, with the OpenAI client pointed at a scripted model instead of the real one."""
    requests: list[dict[str, Any]] = []

    def model(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        requests.append(body)
        turn = len(requests)
        if turn == 1:
            call = ("search_nimble_tools", {"query": "find a contact by name", "limit": 5})
        elif turn == 2:
            arguments = json.dumps({"keyword": "Lovelace"})
            call = (
                "call_nimble_tool",
                {"name": "list_all_nimble_contacts", "arguments": arguments, "confirm_token": None},
            )
        else:
            message = {"role": "assistant", "content": "Ada Lovelace is at Analytical Engines."}
            return httpx2.Response(200, json=_completion(message, "stop"))
        tool_call = {
            "id": f"call_{turn}",
            "type": "function",
            "function": {"name": call[0], "arguments": json.dumps(call[1])},
        }
        return httpx2.Response(
            200, json=_completion({"role": "assistant", "content": None, "tool_calls": [tool_call]}, "tool_calls")
        )

    real_client = openai.OpenAI

    def scripted_client(**kwargs: Any) -> openai.OpenAI:
        transport = httpx2.MockTransport(model)
        return real_client(
            api_key="sk-test", base_url="http://scripted.invalid/v1", http_client=httpx2.Client(transport=transport)
        )

    monkeypatch.setattr(openai, "OpenAI", scripted_client)
    monkeypatch.setattr("sys.argv", ["agent.py", "Where does Ada Lovelace work?"])
    printed = run_example("agent")

    assert printed == "Ada Lovelace is at Analytical Engines.\n"
    assert [t["function"]["name"] for t in requests[0]["tools"]] == ["search_nimble_tools", "call_nimble_tool"]
    found = requests[2]["messages"][-1]
    assert found["role"] == "tool" and "Analytical Engines" in found["content"]


def _completion(message: dict[str, Any], finish: str) -> dict[str, Any]:
    choice = {"index": 0, "finish_reason": finish, "message": message}
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "scripted", "choices": [choice]}


def _command_lines() -> list[str]:
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            command = line.split("  #", 1)[0].strip()
            command = re.sub(r"^(\w+=\S+ )+", "", command)  # leading VAR=value assignments
            if command.startswith("nimble-tools "):
                lines.append(command)
    return lines


COMMAND_LINES = _command_lines()


def test_the_readme_shows_commands() -> None:
    assert len(COMMAND_LINES) >= 10


@pytest.mark.parametrize("line", COMMAND_LINES)
def test_every_command_line_in_the_readme_parses(line: str) -> None:
    args = shlex.split(line)[1:]
    command: click.Command = main
    path = ["nimble-tools"]
    if args and args[0] == "serve":  # forwarded to the hosted package's own command group
        from nimble_tools_hosted.cli import serve

        command, path, args = serve, [*path, args[0]], args[1:]
        if not args or args[0] not in serve.commands:
            serve.make_context(" ".join(path), list(args))
            return
    while isinstance(command, click.Group) and args and args[0] in command.commands:
        path.append(args[0])
        command = command.commands[args.pop(0)]
    assert not isinstance(command, click.Group), f"{line!r} names no command"
    command.make_context(" ".join(path), list(args))  # raises on an unknown option or a missing argument
    offline = path[1] in ("describe", "schema", "list", "targets") or (path[1] == "call" and "--sandbox" in args)
    if offline:  # and those that need neither an account nor a file run, and succeed
        outcome = CliRunner().invoke(main, [*path[1:], *args], env={"NIMBLE_API_KEY": ""})
        assert outcome.exit_code == 0, outcome.output


# -- the framework examples, offline with scripted models ------------------------------------------


def test_langchain_example_runs_with_a_scripted_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import langchain.chat_models
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
    from langchain_core.outputs import ChatGeneration, ChatResult

    seen: list[list[BaseMessage]] = []
    bound: list[str] = []
    search = {"field": "company_name", "operator": "is", "value": "Globex"}
    replies = [
        AIMessage(
            content="",
            tool_calls=[{"name": "list_all_nimble_contacts_search", "args": {"query": search}, "id": "call_1"}],
        ),
        AIMessage(content="Jane Smith and John Doe work at Globex."),
    ]

    class Scripted(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "scripted"

        def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
            seen.append(list(messages))
            return ChatResult(generations=[ChatGeneration(message=replies[len(seen) - 1])])

        def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
            bound.extend(tool.name for tool in tools)
            return self

    def init_chat_model(model: str, **kwargs: Any) -> BaseChatModel:
        assert model == "openai:gpt-4.1"
        return Scripted()

    monkeypatch.setattr(langchain.chat_models, "init_chat_model", init_chat_model)
    printed = run_example("langchain")

    assert printed == "Jane Smith and John Doe work at Globex.\n"
    assert "list_all_nimble_contacts_search" in bound and "list_all_nimble_deals" not in bound
    answer = seen[1][-1]
    assert isinstance(answer, ToolMessage) and answer.status == "success"
    names = {item["name"] for item in json.loads(str(answer.content))["result"]}
    assert {"Jane Smith", "John Doe"} <= names


def test_agents_sdk_example_sends_the_model_json(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Agents SDK stringifies a tool's result: the model must read JSON, not a Python repr."""
    import agents

    requests: list[dict[str, Any]] = []

    def model(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        requests.append(body)
        if len(requests) == 1:
            arguments = {"keyword": "Globex", "record_type": None, "limit": None, "next_cursor": None}
            arguments = {k: v for k, v in arguments.items() if k in _parameters(body, "list_all_nimble_contacts")}
            tool_call = {
                "id": "call_1",
                "type": "function",
                "function": {"name": "list_all_nimble_contacts", "arguments": json.dumps(arguments)},
            }
            message = {"role": "assistant", "content": None, "tool_calls": [tool_call]}
            return httpx2.Response(200, json=_completion(message, "tool_calls"))
        return httpx2.Response(200, json=_completion({"role": "assistant", "content": "Jane and John."}, "stop"))

    client = openai.AsyncOpenAI(
        api_key="sk-test",
        base_url="http://scripted.invalid/v1",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(model)),
    )
    agents.set_default_openai_client(client, use_for_tracing=False)
    agents.set_default_openai_api("chat_completions")
    agents.set_tracing_disabled(True)
    try:
        printed = run_example("agents_sdk")
    finally:
        agents.set_default_openai_api("responses")
        from agents.models import _openai_shared

        _openai_shared.set_default_openai_client(None)  # type: ignore[arg-type]
        # run_sync leaves its event loop open on purpose (for its sessions): close it, with the client.
        loop = asyncio.get_event_loop_policy().get_event_loop()
        loop.run_until_complete(client.close())
        loop.close()
        asyncio.set_event_loop(None)

    assert printed == "Jane and John.\n"
    result = requests[1]["messages"][-1]
    assert result["role"] == "tool"
    envelope = json.loads(result["content"])  # JSON, not "{'result': [...], 'next_cursor': None}"
    assert {"result", "next_cursor"} <= set(envelope)
    assert any("Globex" in json.dumps(item) for item in envelope["result"])


def _parameters(body: dict[str, Any], name: str) -> set[str]:
    for tool in body.get("tools", []):
        if tool["function"]["name"] == name:
            return set(tool["function"]["parameters"]["properties"])
    raise AssertionError(f"{name} was not offered")
