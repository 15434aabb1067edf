"""The README stays true: its marked Python examples run and print what they say, its commands parse."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
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
    assert set(MARKED) == {"quickstart", "agent", "plugin", "adapter"}


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
