"""The wheel as a user installs it: a fresh virtual environment, plain, then ``[langchain]``, then ``[mcp]``.

Headline features must work in every install: the tour (``nimble-tools demo``) and phone matching
in a plain install, a find-or-create with a phone through LangChain once ``[langchain]`` is added,
and ``nimble-tools mcp --sandbox`` answering ``tools/list`` once ``[mcp]`` is added. The wheel is
built from this tree; dependencies come from pip's configured index, as for a user. One virtual
environment serves the three steps.

It is kept quick: the environment is made without a pip of its own (this interpreter's pip installs
into it, ``pip --python``, resolving for that environment exactly as its own pip would), and
nothing is byte-compiled at install time: each command compiles what it imports, once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent
ENV = {
    **{
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "NIMBLE_API_KEY", "PYTHONDONTWRITEBYTECODE")
    },
    "NIMBLE_TOOLS_SEMANTIC_SEARCH": "0",
}

FIND_WITH_A_PHONE = """
import json
from nimble_tools import NimbleToolkit

toolkit = NimbleToolkit.sandbox()
(tool,) = toolkit.get_tools(["nimble_find_or_create_contact"])
lead = {"first_name": "Zed", "last_name": "Quill", "phone": "+1 415 555 0199"}
first = tool.invoke({"type": "tool_call", "id": "c1", "name": tool.name, "args": lead})
again = tool.invoke({"first_name": "Zed", "phone": "(415) 555-0199", "country": "US"})
print(json.dumps({"first": first.status, "decisions": [json.loads(first.content)["result"]["decision"],
                                                        json.loads(again)["result"]["decision"]]}))
"""


def run(*command: str | Path, stdin: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command],
        input=stdin,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=timeout,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, f"{command}: {done.stdout[-1500:]}\n{done.stderr[-3000:]}"
    return done


def pip_install(python: Path, requirement: str | Path) -> None:
    """``pip install`` into the environment of ``python``, as its own pip would."""
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-compile", requirement)


def mcp_tools_list(executable: Path) -> dict[str, Any]:
    """Ask ``nimble-tools mcp --sandbox`` over stdio for its tools, as a client does."""
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "wheel-test", "version": "1"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}},
    ]
    server = subprocess.Popen(
        [str(executable), "mcp", "--sandbox"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        answers: dict[int, Any] = {}
        server.stdin.write(json.dumps(messages[0]) + "\n")
        server.stdin.flush()
        while 1 not in answers:
            line = server.stdout.readline()
            assert line, "the server closed before answering initialize"
            message = json.loads(line)
            answers[message.get("id", -1)] = message
        for message in messages[1:]:
            server.stdin.write(json.dumps(message) + "\n")
        server.stdin.flush()
        while 2 not in answers:
            line = server.stdout.readline()
            assert line, "the server closed before answering tools/list"
            message = json.loads(line)
            answers[message.get("id", -1)] = message
        return dict(answers[2])
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()
        assert server.stderr is not None
        server.stderr.close()


def test_plain_then_langchain_then_mcp_installs(tmp_path: Path, distributions: dict[str, Path]) -> None:
    wheel = distributions["wheel"]  # built from the sdist, once per run (conftest.py)
    home = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(home)
    python, cli = home / "bin" / "python", home / "bin" / "nimble-tools"

    # A plain install: the tour runs (phone matching included), the adapters it lacks say so.
    pip_install(python, wheel)
    tour = json.loads(run(cli, "demo", "--json").stdout)
    assert tour["call-log"]["requests"] > 0 and "skipped" not in tour["call-log"]
    assert set(tour["adapters"]["skipped"]) == {"langchain", "mcp"} and tour["adapters"]["same"]
    targets = json.loads(run(cli, "targets", "--json").stdout)
    assert {name for name, t in targets.items() if t["installed"]} == {"openai", "callables"}
    assert targets["langchain"]["install"] == "pip install 'nimble-tools[langchain]'"
    leads = tmp_path / "leads.csv"
    leads.write_text("first_name,last_name,phone\nGrace,Brewster,+1 212 555 0142\n")
    imported = json.loads(run(cli, "import-leads", leads, "--sandbox", "--json").stdout)
    assert imported["created"] == 1

    # [langchain]: a find-or-create with a phone through a LangChain tool, then the same person again.
    pip_install(python, f"{wheel}[langchain]")
    found = json.loads(run(python, "-c", FIND_WITH_A_PHONE).stdout.strip().splitlines()[-1])
    assert found == {"first": "success", "decisions": ["created", "matched"]}

    # [mcp]: the stdio server answers tools/list, with human titles.
    pip_install(python, f"{wheel}[mcp]")
    listed = mcp_tools_list(cli)
    tools = {tool["name"]: tool for tool in listed["result"]["tools"]}
    assert len(tools) > 90
    assert tools["nimble_contacts_bulk"]["annotations"]["title"] == "Delete contacts in bulk"
    assert tools["nimble_contacts_bulk"]["annotations"]["destructiveHint"] is True
