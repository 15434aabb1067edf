"""The documentation stays true: every Python example runs and prints what it says, every command parses.

Examples that talk to a language model run against a scripted one (see ``docs_examples``): the
tool calls it makes are written above the example, and each must reach the toolkit and succeed.
"""

from __future__ import annotations

import json
import os
import time
import tomllib

import pytest
from docs_examples import (
    Block,
    ScriptedModel,
    all_blocks,
    check_command_line,
    command_lines,
    langchain_chat_model,
    openai_endpoint,
    run_python,
    run_python_in_subprocess,
)

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
    waits: list[float] = []
    if block.backs_off:  # recorded, not slept: seconds of backoff would only slow the suite
        monkeypatch.setattr(time, "sleep", waits.append)
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
    if block.backs_off:
        assert waits and all(wait > 0 for wait in waits), "the program retried without backing off"


@pytest.mark.parametrize(("block", "line"), COMMANDS, ids=[f"{block.id}:{line[:60]}" for block, line in COMMANDS])
def test_command_line_parses_and_offline_ones_run(block: Block, line: str) -> None:
    check_command_line(line)


@pytest.mark.parametrize("block", [b for b in all_blocks() if b.language in ("json", "toml")], ids=lambda b: b.id)
def test_json_and_toml_examples_parse(block: Block) -> None:
    if block.language == "json":
        json.loads(block.source)
    else:
        tomllib.loads(block.source)
