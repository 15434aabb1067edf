"""The MCP target: the SDK's own client lists and calls the tools, in-process and over stdio/HTTP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import jsonschema
import pytest
from adapter_support import contact_name, recording_toolkit, the_contact
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError
from nimble_tools_mcp import NimbleMCPServer

from benchmarks._local_servers import free_port
from nimble_tools import NimbleToolkit, UsageError
from nimble_tools.toolsets import resolve

SDK_NAME = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
CLI = Path(sys.executable).with_name("nimble-tools")
MISSING_ID = "5f" * 12


def run(coroutine_function: Any) -> Any:
    return anyio.run(coroutine_function)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_tools_are_listed_in_order_with_schemas_and_annotations(toolkit: NimbleToolkit, mode: str) -> None:
    server = toolkit.emit("mcp")
    assert isinstance(server, NimbleMCPServer)

    async def listed() -> Any:
        async with Client(server, mode=mode) as client:
            return (await client.list_tools()).tools

    tools = run(listed)
    view = resolve(toolkit, None)
    assert [t.name for t in tools] == list(view)
    for tool in tools:
        operation = view[tool.name]  # as emitted: list tools say their items are compact
        assert SDK_NAME.match(tool.name) and tool.description == operation.description
        assert tool.input_schema["type"] == "object" and tool.output_schema is not None
        assert tool.output_schema["type"] == "object"
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)
        hints = tool.annotations
        assert hints is not None
        assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint, hints.open_world_hint) == (
            operation.read_only,
            operation.may_destroy,
            operation.idempotent,
            True,
        )
    flags = {t.name: t.annotations for t in tools}
    assert flags["delete_a_nimble_contact_by_id"].destructive_hint is True  # type: ignore[union-attr]
    assert flags["create_a_nimble_contact"].read_only_hint is False  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_read_write_and_failing_calls(toolkit: NimbleToolkit, mode: str) -> None:
    server = toolkit.emit("mcp")

    async def session() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with Client(server, mode=mode) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            out["schema"] = tools["list_all_nimble_contacts"].output_schema
            out["read"] = await client.call_tool("list_all_nimble_contacts", {"keyword": "Turing"})
            fields = {"first name": [{"value": "Katherine"}], "last name": [{"value": "Johnson"}]}
            out["write"] = await client.call_tool("create_a_nimble_contact", {"fields": fields})
            out["invalid"] = await client.call_tool("get_single_nimble_contact_by_id", {"id": "../../myself"})
            out["missing"] = await client.call_tool("get_single_nimble_contact_by_id", {"id": MISSING_ID})
            with pytest.raises(MCPError) as unknown:
                await client.call_tool("get_single_nimble_contact", {})
            out["unknown"] = unknown.value
        return out

    out = run(session)
    read, write = out["read"], out["write"]
    for result in (read, write):
        assert result.is_error is False and isinstance(result.structured_content, dict)
        jsonschema.validate(result.structured_content, out["schema"])
        assert json.loads(result.content[0].text) == result.structured_content  # the text copy
    assert [contact_name(c) for c in read.structured_content["result"]] == ["Alan Turing"]
    created = write.structured_content["result"]
    assert contact_name(created) == "Katherine Johnson"
    stored = the_contact(toolkit.call("get_single_nimble_contact_by_id", {"id": created["id"]}).result)
    assert contact_name(stored) == "Katherine Johnson"
    assert out["invalid"].is_error is True and "is not a Nimble id" in out["invalid"].content[0].text
    assert out["missing"].is_error is True and "No contact with id" in out["missing"].content[0].text
    assert out["unknown"].code == -32602 and "Did you mean" in out["unknown"].error.message


def test_one_account_per_server() -> None:
    toolkit, auth = recording_toolkit()

    async def calls() -> None:
        for account in ("acme", "globex"):
            async with Client(toolkit.emit("mcp", account=account)) as client:
                await client.call_tool("list_all_nimble_me", {})

    run(calls)
    assert auth.accounts == ["acme", "globex"]


def test_names_and_bad_options(toolkit: NimbleToolkit) -> None:
    server = toolkit.emit("mcp", names=["list_all_nimble_me"], name="crm")
    assert server.name == "crm" and [t.name for t in server.tools] == ["list_all_nimble_me"]
    with pytest.raises(UsageError, match="unknown option"):
        toolkit.emit("mcp", port=1)
    with pytest.raises(UsageError, match="transport"):
        server.serve("carrier-pigeon")


def test_cli_serves_the_sandbox_over_stdio() -> None:
    params = StdioServerParameters(command=str(CLI), args=["mcp", "--sandbox"], env=dict(os.environ))

    async def session() -> tuple[list[str], Any]:
        with anyio.fail_after(60):
            async with Client(params) as client:
                names = [t.name for t in (await client.list_tools()).tools]
                return names, await client.call_tool("list_all_nimble_me", {})

    names, me = run(session)
    assert "list_all_nimble_me" in names and "create_a_nimble_contact" in names
    assert me.is_error is False and me.structured_content["result"]["email"] == "admin@sandbox.example"


def test_cli_serves_streamable_http_with_an_option() -> None:
    port = free_port()
    process = subprocess.Popen(
        [str(CLI), "mcp", "--sandbox", "--http", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.1)

        async def session() -> Any:
            with anyio.fail_after(30):
                async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                    return await client.call_tool("list_all_nimble_contacts", {"keyword": "Hopper"})

        found = run(session)
        assert [contact_name(c) for c in found.structured_content["result"]] == ["Grace Hopper"]
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()
