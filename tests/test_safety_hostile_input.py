"""Hostile input stays a project error, on every surface.

1. A forged or tampered ``next_cursor`` is refused with ``InvalidArgumentsError`` naming
   ``next_cursor``, before anything is sent: through every adapter, the command line (one JSON
   document with ``--json``) and the MCP server (a tool error, not a protocol crash). A cursor the
   toolkit issued is sealed, and the values read from it are checked even then.
2. Argument JSON nested absurdly deep, or holding a number of thousands of digits, is refused with a
   clear error naming the field; so is arguments text of the meta-tool ``call_nimble_tool``.
3. A malformed ``tool_calls`` structure is a ``UsageError`` for the application, never an
   ``AttributeError``.
4. The MCP server answers every malformed line over stdio with a JSON-RPC error.
5. Every ``--json`` error of the command line is one JSON document, usage errors included.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hardening_support import ADAPTERS, Wire, adapters_for

from nimble_tools import InvalidArgumentsError, NimbleToolkit, UsageError, encode_cursor, toolsets

LIST = "list_all_nimble_contacts"
BOARD = "list_all_nimble_pipeline_deals_by_stages"
CLI = str(Path(sys.executable).with_name("nimble-tools"))


def raw(state: Any, operation: str = LIST) -> str:
    """A cursor in the toolkit's own inner format, unsealed (what a forger can make)."""
    payload = json.dumps({"op": operation, "s": state}).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def forged_cursors(toolkit: NimbleToolkit) -> dict[str, str]:
    real = toolkit.call(LIST, {"limit": 2}).next_cursor
    assert real is not None
    inner, _, mac = real.rpartition(".")
    sealed = toolkit._cursors.seal  # as if the key had leaked: the values are still checked
    return {
        "garbage": "not a cursor at all",
        "unsealed": raw({"page": 2, "per_page": 2}),
        "tampered mac": f"{inner}.{mac[:-2]}AA",
        "other tool's": toolkit.call("nimble_contacts_contact_ids", {"limit": 1}).next_cursor or "",
        "page as text": sealed(LIST, raw({"page": "abc"})),
        "negative page": sealed(LIST, raw({"page": -5})),
        "huge page": sealed(LIST, raw({"page": 10**30})),
        "page not a number": sealed(LIST, raw({"page": [1]})),
        "infinite per_page": sealed(LIST, raw({"per_page": 1e999})),
        "extra key": sealed(LIST, raw({"page": 2, "access_token": "x"})),
        "deep": sealed(LIST, raw(json.loads("[" * 300 + "]" * 300))),
        "huge": "A" * 100_000,
    }


@pytest.mark.parametrize("target", ADAPTERS)
def test_forged_cursors_are_refused_through_every_adapter(wired: tuple[NimbleToolkit, Wire], target: str) -> None:
    toolkit, wire = wired
    with adapters_for(toolkit, [target]) as adapters:
        for how, cursor in forged_cursors(toolkit).items():
            wire.clear()
            outcome = adapters.call(target, LIST, {"limit": 2, "next_cursor": cursor})
            assert not outcome.ok, f"{how}: {outcome.text}"
            assert "next_cursor" in outcome.text and "nothing was sent" in outcome.text, f"{how}: {outcome.text}"
            assert wire.sent == [], how


def test_a_cursor_works_in_another_process_for_the_same_account_only() -> None:
    from nimble_tools.sandbox import SANDBOX_BASE_URL, Sandbox

    box = Sandbox()

    def toolkit_for(key: str) -> NimbleToolkit:  # as a second command-line run would build it
        return NimbleToolkit(key, base_url=SANDBOX_BASE_URL, transport=box.transport())

    cursor = toolkit_for(box.api_key).call(LIST, {"limit": 2}).next_cursor
    assert toolkit_for(box.api_key).call(LIST, {"limit": 2, "next_cursor": cursor}).result
    with pytest.raises(InvalidArgumentsError, match="next_cursor"):
        toolkit_for("another-accounts-key").call(LIST, {"limit": 2, "next_cursor": cursor})


def test_a_real_cursor_still_pages(toolkit: NimbleToolkit) -> None:
    first = toolkit.call(LIST, {"limit": 2})
    second = toolkit.call(LIST, {"limit": 2, "next_cursor": first.next_cursor})
    assert second.result and {c["id"] for c in first.result}.isdisjoint(c["id"] for c in second.result)


@pytest.mark.parametrize(
    "query",
    [[["Access_Token", "x"]], [["include_deleted", "true"]], [["page", "-1"]], [["page", "99999999999"]]],
    ids=["credential", "switch", "negative", "huge"],
)
def test_forged_board_cursors_are_refused(toolkit: NimbleToolkit, query: list[list[str]]) -> None:
    # The finding: board cursors were unsigned, so a forged one added any query argument.
    pipeline = next(p for p in toolkit.call("list_all_nimble_deals_pipelines").result if p["name"] == "Sales")
    path = f"/api/v2/deals/pipelines/{pipeline['pipeline_id']}/deals"
    cursor = encode_cursor(BOARD, {"pending": [{"path": path, "query": query}]})
    assert toolkit.emulator is not None
    before = toolkit.emulator.request_count
    with pytest.raises(InvalidArgumentsError) as refused:
        toolkit.call(BOARD, {"pipeline_id": pipeline["pipeline_id"], "next_cursor": cursor})
    assert refused.value.errors[0][0] == "next_cursor" and toolkit.emulator.request_count == before


def test_a_forged_cursor_on_the_command_line_prints_one_json_document() -> None:
    done = subprocess.run(
        [CLI, "call", LIST, json.dumps({"next_cursor": raw({"page": "abc"})}), "--sandbox", "--json"],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=120,
    )
    error = json.loads(done.stdout)["error"]
    assert done.returncode == 1 and error["type"] == "InvalidArgumentsError"
    assert error["fields"][0]["field"] == "next_cursor" and "Traceback" not in done.stderr


# -- 2. absurd argument JSON ----------------------------------------------------------------------------------

DEEP = '{"keyword": ' + "[" * 1000 + "]" * 1000 + "}"
HUGE_NUMBER = '{"limit": ' + "9" * 5000 + "}"
NAN = '{"limit": NaN}'


def dispatch(toolset: Any, name: str, arguments: str) -> str:
    call = {"id": "c", "type": "function", "function": {"name": name, "arguments": arguments}}
    [result] = toolset.dispatch({"role": "assistant", "tool_calls": [call]})
    return str(result["content"])


@pytest.mark.parametrize(
    ("text", "problem"),
    [(DEEP, "nested more than 64 levels"), (HUGE_NUMBER, "5000 digits"), (NAN, "NaN")],
    ids=["deep", "huge-number", "nan"],
)
def test_openai_dispatch_refuses_absurd_argument_json(toolkit: NimbleToolkit, text: str, problem: str) -> None:
    answer = dispatch(toolkit.emit("openai"), LIST, text)
    assert answer.startswith("Error: Invalid arguments for tool") and problem in answer and "arguments" in answer


@pytest.mark.parametrize("text", [DEEP, HUGE_NUMBER], ids=["deep", "huge-number"])
def test_call_nimble_tool_refuses_absurd_argument_text(toolkit: NimbleToolkit, text: str) -> None:
    toolset = toolkit.emit("openai", tools=toolsets.tool_search(), strict=False)
    answer = dispatch(toolset, "call_nimble_tool", json.dumps({"name": LIST, "arguments": text}))
    assert answer.startswith("Error: Invalid arguments for tool 'call_nimble_tool'") and "arguments" in answer


# (The MCP SDK's own client refuses to serialise such a request; the stdio test below sends one raw.)
@pytest.mark.parametrize("target", ["langchain", "openai", "callables"])
def test_deeply_nested_values_are_refused_through_every_adapter(toolkit: NimbleToolkit, target: str) -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(500):
        node["a"] = {}
        node = node["a"]
    with adapters_for(toolkit, [target]) as adapters:
        outcome = adapters.call(target, "create_a_nimble_contact", {"fields": deep})
    assert not outcome.ok and "nested more than 64 levels" in outcome.text


# -- 3. malformed tool_calls -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        {"role": "assistant", "tool_calls": "not a list"},
        {"role": "assistant", "tool_calls": [42]},
        {"role": "assistant", "tool_calls": {"id": "c"}},
    ],
    ids=["string", "item-not-object", "object"],
)
def test_malformed_tool_calls_are_a_usage_error(toolkit: NimbleToolkit, message: dict[str, Any]) -> None:
    with pytest.raises(UsageError, match=r"tool.call"):
        toolkit.emit("openai").dispatch(message)


def test_a_tool_call_without_a_usable_function_answers_the_model(toolkit: NimbleToolkit) -> None:
    calls = [
        {"id": "a", "type": "function", "function": "not an object"},
        {"id": "b", "type": "function", "function": {"name": 7, "arguments": "{}"}},
    ]
    results = toolkit.emit("openai").dispatch({"role": "assistant", "tool_calls": calls})
    assert [r["tool_call_id"] for r in results] == ["a", "b"]
    assert all(r["content"].startswith("Error: Unknown tool") for r in results)


# -- 4. the MCP server over stdio ------------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("NIMBLE_")}


def test_the_mcp_server_answers_every_malformed_line() -> None:
    command = [CLI, "mcp", "--sandbox"]
    pipes: dict[str, Any] = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    with subprocess.Popen(command, text=True, env=child_env(), **pipes) as process:
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None

        def send(line: str) -> None:
            assert process.stdin is not None
            process.stdin.write(line + "\n")
            process.stdin.flush()

        def ask(line: str) -> dict[str, Any]:
            assert process.stdout is not None
            send(line)
            answer: dict[str, Any] = json.loads(process.stdout.readline())
            return answer

        def request(number: int, method: str, params: dict[str, Any]) -> str:
            return json.dumps({"jsonrpc": "2.0", "id": number, "method": method, "params": params})

        hello = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
        assert "result" in ask(request(1, "initialize", hello))
        send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        deep = '{"a": ' * 1000 + "1" + "}" * 1000
        call = '{"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "x", "arguments": %s}}'
        for line in ["{not json", call % deep, call % ('{"limit": ' + "9" * 5000 + "}")]:
            assert ask(line)["error"]["code"] == -32700, line[:60]
        assert ask(request(2, "no/such", {}))["error"]["code"] == -32601
        assert ask(request(3, "tools/call", {"name": "list_all_nimble_me", "arguments": [1, 2]}))["error"]
        forged = ask(request(4, "tools/call", {"name": LIST, "arguments": {"next_cursor": "forged"}}))["result"]
        assert forged["isError"] and "next_cursor" in forged["content"][0]["text"]
        fine = ask(request(5, "tools/call", {"name": "list_all_nimble_me"}))
        assert not fine["result"].get("isError"), "still serving"
        process.stdin.close()
        assert "Traceback" not in process.stderr.read()


# -- 5. the command line's --json -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["call", "--json"],
        ["call", "--json", "--bogus"],
        ["schema", "--json"],
        ["call", "x", "{bad", "--sandbox", "--json"],
    ],
    ids=["missing-argument", "unknown-option", "missing-target", "bad-json"],
)
def test_every_json_error_is_one_json_document(args: list[str]) -> None:
    done = subprocess.run([CLI, *args], capture_output=True, text=True, env=child_env(), timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    error = json.loads(done.stdout)["error"]
    assert error["type"] == "UsageError" and error["message"]
