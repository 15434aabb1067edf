"""The examples of the documentation (``docs/**/*.md``) and what runs them.

Every fenced block is found with its page and line (:func:`blocks`). Python blocks are whole
programs: :func:`run_python` runs one in a fresh namespace and returns what it printed. Programs that
talk to a language model get a scripted one (:class:`ScriptedModel`): an OpenAI-compatible HTTP
endpoint on a loopback port (``OPENAI_BASE_URL``), which the OpenAI SDK, the Agents SDK and
pydantic-ai all reach unchanged, and a LangChain chat model behind ``init_chat_model``.

Comments above a block script it:

* ``<!-- docs-test: model calls TOOL {json arguments} -->``: the model's next tool call (one comment
  per call, in order); after the last one it answers ``Done.``;
* ``<!-- docs-test: argv "first argument" ... -->``: ``sys.argv[1:]`` for a script that reads it;
* ``<!-- docs-test: subprocess -->``: run it in a fresh interpreter, for programs that configure
  process-wide state (OpenTelemetry's global providers, logging handlers);
* ``<!-- docs-test: backoff -->``: the program retries through injected faults; its backoff waits
  are recorded instead of slept (the test then checks that it did wait before retrying).

A ``print(...)  # text`` line claims that the program prints a line starting with ``text`` (up to
its first ``...``).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import click
from loopback_support import serving

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

_BLOCK = re.compile(r"((?:^<!-- .*? -->\n)*)^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)
_OPTION = re.compile(r"<!-- docs-test: (.*?) -->")


@dataclass(frozen=True)
class Block:
    """One fenced block of a page."""

    page: str
    line: int
    language: str
    source: str
    options: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    def scripted_calls(self) -> list[tuple[str, dict[str, Any]]]:
        calls = []
        for option in self.options:
            if option.startswith("model calls "):
                name, _, arguments = option.removeprefix("model calls ").partition(" ")
                calls.append((name, json.loads(arguments or "{}")))
        return calls

    @property
    def in_subprocess(self) -> bool:
        return "subprocess" in self.options

    @property
    def backs_off(self) -> bool:
        return "backoff" in self.options

    def argv(self) -> list[str]:
        return next((shlex.split(o.removeprefix("argv ")) for o in self.options if o.startswith("argv ")), [])

    def claims(self) -> list[str]:
        """What the ``print(...)  # text`` lines say the program prints."""
        found = []
        for line in self.source.splitlines():
            if line.lstrip().startswith("print(") and "  # " in line:
                found.append(line.split("  # ", 1)[1].split("...", 1)[0])
        return found


def pages() -> list[Path]:
    return sorted(path for path in DOCS.rglob("*.md") if "_hooks" not in path.parts)


def blocks(text: str, page: str) -> list[Block]:
    """Every fenced block of a Markdown text."""
    found = []
    for match in _BLOCK.finditer(text):
        options = tuple(_OPTION.findall(match[1]))
        line = text.count("\n", 0, match.start(2)) + 1
        found.append(Block(page, line, match[2], match[3], options))
    return found


_INCLUDE = re.compile(r'^--8<-- "(.+?)"$', re.M)


def page_text(path: Path) -> str:
    """A page as the site shows it: files it includes (``--8<-- "path"``, from the repository's root) in place."""
    return _INCLUDE.sub(lambda match: (ROOT / match[1]).read_text("utf-8"), path.read_text("utf-8"))


def all_blocks(language: str | None = None) -> list[Block]:
    found = [block for path in pages() for block in blocks(page_text(path), str(path.relative_to(DOCS)))]
    return [block for block in found if language is None or block.language == language]


def run_python(source: str, name: str) -> str:
    """Run ``source`` as a script (``__name__ == "__main__"``); return what it printed."""
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(source, name, "exec"), {"__name__": "__main__"})
    finally:
        _close_event_loop()
    return printed.getvalue()


def run_python_in_subprocess(source: str, env: dict[str, str]) -> str:
    """Run ``source`` in a fresh interpreter (the repository importable); return what it printed."""
    environment = {**env, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("", "adapters", "plugins", "demo"))}
    done = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, env=environment, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done.stdout


def _close_event_loop() -> None:
    """Close the event loop a framework's ``run_sync`` left open (the Agents SDK keeps its own on purpose)."""
    loop = asyncio.get_event_loop_policy()._local._loop  # type: ignore[attr-defined]
    if loop is not None and not loop.is_closed():
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    asyncio.set_event_loop(None)


def command_lines(source: str) -> list[str]:
    """The ``nimble-tools ...`` command lines of a shell block, without comments or VAR=value prefixes."""
    lines = []
    for line in source.splitlines():
        command = line.split("  #", 1)[0].strip()
        command = re.sub(r"^(\w+=\S+ )+", "", command)
        if command.startswith("nimble-tools "):
            lines.append(command)
    return lines


def check_command_line(line: str) -> None:
    """Parse a documented ``nimble-tools ...`` line as the CLI would; run it when it needs no account or file.

    Raises (and so fails the test) on an unknown command or option, a missing argument, or an offline
    command that does not succeed.
    """
    from click.testing import CliRunner

    from nimble_tools.cli import main

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


# -- a scripted language model ---------------------------------------------------------------------


@dataclass
class ScriptedModel:
    """A model that makes the scripted tool calls one by one, then answers ``Done.``.

    ``offered`` holds the tool names of every request, ``results`` what each tool call answered as
    the model read it, and ``errors`` the results that read as failures.
    """

    calls: list[tuple[str, dict[str, Any]]]
    offered: list[list[str]] = field(default_factory=list)
    results: list[str] = field(default_factory=list)
    made: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _seen: list[Any] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [r for r in self.results if r.startswith(("Error", "An error occurred")) or '"error"' in r[:40]]

    def next_call(self, tools: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]] | None:
        """The next scripted call (with required arguments it leaves out set to null), or None."""
        with self.lock:
            self.offered.append(sorted(tools))
            if self.made >= len(self.calls):
                return None
            name, arguments = self.calls[self.made]
            self.made += 1
        if name not in tools:
            raise AssertionError(f"the script calls {name}, which the program did not offer: {sorted(tools)}")
        schema = tools[name]
        filled = {key: None for key in schema.get("required", []) if key not in arguments}
        return name, {**filled, **arguments}

    # -- the OpenAI protocol: Chat Completions and Responses

    def chat_completion(self, body: dict[str, Any]) -> dict[str, Any]:
        for message in body.get("messages", []):
            if message.get("role") == "tool" and message not in self._seen:
                self._seen.append(message)
                self.results.append(_text_of(message.get("content")))
        tools = {t["function"]["name"]: t["function"].get("parameters", {}) for t in body.get("tools", [])}
        call = self.next_call(tools)
        if call is None:
            message: dict[str, Any] = {"role": "assistant", "content": "Done."}
            finish = "stop"
        else:
            function = {"name": call[0], "arguments": json.dumps(call[1])}
            tool_call = {"id": f"call_{self.made}", "type": "function", "function": function}
            message = {"role": "assistant", "content": None, "tool_calls": [tool_call]}
            finish = "tool_calls"
        return {
            "id": f"chatcmpl-{self.made}",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "scripted"),
            "choices": [{"index": 0, "finish_reason": finish, "message": message}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def response(self, body: dict[str, Any]) -> dict[str, Any]:
        items = body.get("input", [])
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("type") == "function_call_output" and item not in self._seen:
                self._seen.append(item)
                self.results.append(_text_of(item.get("output")))
        tools = {t["name"]: t.get("parameters", {}) for t in body.get("tools", []) if t.get("type") == "function"}
        call = self.next_call(tools)
        if call is None:
            content = [{"type": "output_text", "text": "Done.", "annotations": []}]
            output: dict[str, Any] = {
                "type": "message",
                "id": f"msg_{self.made}",
                "role": "assistant",
                "status": "completed",
                "content": content,
            }
        else:
            output = {
                "type": "function_call",
                "id": f"fc_{self.made}",
                "call_id": f"call_{self.made}",
                "name": call[0],
                "arguments": json.dumps(call[1]),
                "status": "completed",
            }
        usage = {
            "input_tokens": 1,
            "output_tokens": 1,
            "total_tokens": 2,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        }
        return {
            "id": f"resp_{self.made}",
            "object": "response",
            "created_at": 0,
            "model": body.get("model", "scripted"),
            "status": "completed",
            "output": [output],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": usage,
        }


def _text_of(content: Any) -> str:
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return content if isinstance(content, str) else json.dumps(content)


@contextlib.contextmanager
def openai_endpoint(model: ScriptedModel) -> Iterator[str]:
    """Serve ``model`` as an OpenAI-compatible API on a loopback port; yield its base URL (``.../v1``)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
            if self.path.endswith("/chat/completions"):
                answer = model.chat_completion(body)
            elif self.path.endswith("/responses"):
                answer = model.response(body)
            else:
                self.send_error(404, f"the scripted model does not serve {self.path}")
                return
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler) as url:
        yield f"{url}/v1"


def langchain_chat_model(model: ScriptedModel) -> Any:
    """A LangChain chat model that follows ``model``'s script (what ``init_chat_model`` returns in tests)."""
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
    from langchain_core.outputs import ChatGeneration, ChatResult

    class Scripted(BaseChatModel):
        tools: dict[str, dict[str, Any]] = {}

        @property
        def _llm_type(self) -> str:
            return "scripted"

        def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
            for message in messages:
                if isinstance(message, ToolMessage) and message.tool_call_id not in model._seen:
                    model._seen.append(message.tool_call_id)
                    text = str(message.content)
                    model.results.append(f"Error: {text}" if message.status == "error" else text)
            call = model.next_call(self.tools)
            if call is None:
                reply = AIMessage(content="Done.")
            else:
                reply = AIMessage(
                    content="", tool_calls=[{"name": call[0], "args": call[1], "id": f"call_{model.made}"}]
                )
            return ChatResult(generations=[ChatGeneration(message=reply)])

        def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
            schemas = {tool.name: tool.tool_call_schema for tool in tools}
            schemas = {n: s if isinstance(s, dict) else s.model_json_schema() for n, s in schemas.items()}
            return self.model_copy(update={"tools": schemas})

    return Scripted()
