"""The README stays true and short: its Python examples run and print what they say, its commands parse.

The README keeps one example per host and links into the docs; the docs' examples are run by
``tests/test_docs_examples.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from docs_examples import check_command_line, command_lines

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
MARKED = dict(re.findall(r"<!-- readme-test: (\w+) -->\n```python\n(.*?)```", README, flags=re.S))


def run_example(name: str) -> str:
    """Run the README's example ``name`` as a script; return what it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(MARKED[name], f"README:{name}", "exec"), {"__name__": "__main__"})
    return printed.getvalue()


def test_the_marked_examples_are_found() -> None:
    assert set(MARKED) == {"quickstart", "agent", "langchain", "agents_sdk"}


def test_the_readme_is_short_and_links_into_the_docs() -> None:
    assert len(README.splitlines()) < 200
    links = re.findall(r"\]\((docs/[^)#]+)(?:#[^)]*)?\)", README)
    assert len(links) >= 10
    for link in links:
        assert (ROOT / link).exists(), f"the README links to {link}, which does not exist"
    for name in ("LICENSE", "CHANGELOG.md", "CONTRIBUTING.md", "SECURITY.md"):
        assert f"]({name})" in README


def test_every_python_example_is_a_whole_program_that_a_test_runs() -> None:
    blocks = re.findall(r"(<!-- readme-test: \w+ -->\n)?```python\n(.*?)```", README, flags=re.S)
    assert len(blocks) == len(MARKED)
    assert all(marker for marker, _ in blocks), "a Python example of the README is not run by a test"
    for name, source in MARKED.items():
        assert re.search(r"^(from|import) ", source, flags=re.M), f"{name}: no imports"
        assert "NimbleToolkit" in source, f"{name}: makes no toolkit"
        assert len(source.strip().splitlines()) <= 16, f"{name}: longer than 15 lines of code"


def test_quickstart_runs() -> None:
    printed = run_example("quickstart")
    assert printed.startswith('{"result": [{') or printed.startswith("{'result': [")


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


COMMAND_LINES = [
    line for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S) for line in command_lines(block)
]


def test_the_readme_shows_commands() -> None:
    assert len(COMMAND_LINES) >= 3


@pytest.mark.parametrize("line", COMMAND_LINES)
def test_every_command_line_in_the_readme_parses(line: str) -> None:
    check_command_line(line)


def test_the_mcp_client_configuration_is_json_that_starts_a_real_command() -> None:
    (block,) = re.findall(r"```json\n(.*?)```", README, flags=re.S)
    server = json.loads(block)["mcpServers"]["nimble"]
    assert server["command"].endswith("/.venv/bin/nimble-tools")
    check_command_line(" ".join(["nimble-tools", *server["args"]]))


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
