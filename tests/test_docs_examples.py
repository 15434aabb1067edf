"""The documentation stays true: every Python example runs and prints what it says, every command parses.

Examples that talk to a language model run against a scripted one (see ``docs_examples``): the
tool calls it makes are written above the example, and each must reach the toolkit and succeed.
"""

from __future__ import annotations

import json
import os
import shlex
import tomllib

import click
import pytest
from click.testing import CliRunner
from docs_examples import (
    Block,
    ScriptedModel,
    all_blocks,
    command_lines,
    langchain_chat_model,
    openai_endpoint,
    run_python,
    run_python_in_subprocess,
)

from nimble_tools.cli import main

PYTHON = all_blocks("python")
SHELL = [block for block in all_blocks() if block.language in ("bash", "sh", "console")]
COMMANDS = [(block, line) for block in SHELL for line in command_lines(block.source)]


def test_the_docs_have_examples_to_run() -> None:
    assert len(PYTHON) >= 20
    assert len(COMMANDS) >= 15


@pytest.mark.parametrize("block", PYTHON, ids=lambda block: block.id)
def test_python_example_runs_and_prints_what_it_says(
    block: Block, monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory
) -> None:
    model = ScriptedModel(block.scripted_calls())
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NIMBLE_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-docs-test")
    monkeypatch.setenv("OPENAI_AGENTS_DISABLE_TRACING", "1")
    monkeypatch.setattr("sys.argv", [f"{block.page}:{block.line}", *block.argv()])
    import langchain.chat_models

    monkeypatch.setattr(langchain.chat_models, "init_chat_model", lambda *args, **kwargs: langchain_chat_model(model))
    with openai_endpoint(model) as base_url:
        monkeypatch.setenv("OPENAI_BASE_URL", base_url)
        if block.in_subprocess:
            printed = run_python_in_subprocess(block.source, dict(os.environ)).splitlines()
        else:
            printed = run_python(block.source, block.id).splitlines()

    for claim in block.claims():
        assert any(line.startswith(claim) for line in printed), (claim, printed)
    assert model.made == len(model.calls), f"the program stopped before the script's calls: {model.offered}"
    assert not model.errors, model.errors


@pytest.mark.parametrize(("block", "line"), COMMANDS, ids=[f"{block.id}:{line[:60]}" for block, line in COMMANDS])
def test_command_line_parses_and_offline_ones_run(block: Block, line: str) -> None:
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


@pytest.mark.parametrize("block", [b for b in all_blocks() if b.language in ("json", "toml")], ids=lambda b: b.id)
def test_json_and_toml_examples_parse(block: Block) -> None:
    if block.language == "json":
        json.loads(block.source)
    else:
        tomllib.loads(block.source)
