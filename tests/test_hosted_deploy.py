"""Deployment: the Dockerfile (checked without a Docker engine), the command it runs, the settings.

There is no Docker engine here, so the image is not built: the Dockerfile is parsed and held to its
promises (a non-root user, a health check, the hosted extra), and the command and health check it
runs are run outside Docker with the environment it sets.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from nimble_tools_hosted._settings import SETTINGS, HostedSettings

from benchmarks._local_servers import free_port
from nimble_tools import ConfigurationError
from nimble_tools.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
NIMBLE_TOOLS = [sys.executable, "-c", "from nimble_tools.cli import main; main()"]


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)  # continuation lines
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def _exec_form(value: str) -> list[str]:
    words = json.loads(value) if value.startswith("[") else shlex.split(value)
    assert isinstance(words, list)
    return [str(w) for w in words]


def _docker_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in _instructions():
        if keyword == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def test_the_dockerfile_runs_as_a_non_root_user_with_a_health_check() -> None:
    instructions = _instructions()
    keywords = [k for k, _ in instructions]
    assert keywords[0] == "FROM" and instructions[0][1].startswith("python:3.11")
    users = [rest for k, rest in instructions if k == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert keywords.index("USER") < keywords.index("CMD")  # the server never starts as root
    installs = " ".join(rest for k, rest in instructions if k == "RUN")
    assert '".[hosted' in installs and f"--home-dir {_docker_env()['XDG_DATA_HOME']}" in installs
    health = next(rest for k, rest in instructions if k == "HEALTHCHECK")
    assert "CMD" in health and "nimble_tools_hosted.healthcheck" in health
    assert _exec_form(next(rest for k, rest in instructions if k == "CMD")) == ["nimble-tools", "serve"]
    assert next(rest for k, rest in instructions if k == "EXPOSE") == _docker_env()["NIMBLE_HOSTED_PORT"]


def test_the_image_command_and_health_check_work_outside_docker(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        **_docker_env(),
        # Outside a container: loopback, a free port, a private data directory, a secret.
        "NIMBLE_HOSTED_HOST": "127.0.0.1",
        "NIMBLE_HOSTED_PORT": str(port),
        "XDG_DATA_HOME": str(tmp_path),
        "NIMBLE_HOSTED_SECRET_KEY": "deploy-test-secret-0123456789-abcdefghij",
    }
    health = [sys.executable, "-m", "nimble_tools_hosted.healthcheck"]
    assert subprocess.run(health, env=env, capture_output=True, timeout=30).returncode == 1  # nothing runs yet
    command = _exec_form(next(rest for k, rest in _instructions() if k == "CMD"))
    assert command[0] == "nimble-tools"
    server = subprocess.Popen([*NIMBLE_TOOLS, *command[1:]], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(health, env=env, capture_output=True, timeout=30).returncode != 0:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            assert time.monotonic() < deadline, "the server did not become healthy"
            time.sleep(0.2)
        assert subprocess.run([*health, "--ready"], env=env, capture_output=True, timeout=30).returncode == 0
        store = tmp_path / "nimble-tools" / "hosted.sqlite3"
        assert store.exists() and store.stat().st_mode & 0o077 == 0  # the default store, private
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stderr is not None:
            server.stderr.close()


def test_serve_refuses_to_start_without_a_secret_or_with_a_plain_http_public_url(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIMBLE_HOSTED_")}
    env["XDG_DATA_HOME"] = str(tmp_path)
    missing = subprocess.run([*NIMBLE_TOOLS, "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1
    assert "NIMBLE_HOSTED_SECRET_KEY is not set" in missing.stderr and "Traceback" not in missing.stderr
    plain = subprocess.run(
        [*NIMBLE_TOOLS, "serve", "--public-url", "http://mcp.example.com", "--json"],
        env={**env, "NIMBLE_HOSTED_SECRET_KEY": "x" * 40},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert plain.returncode == 1
    assert "must use https" in json.loads(plain.stdout)["error"]["message"]


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"secret_key": "short"}, "at least 32 characters"),
        ({"port": "eighty"}, "NIMBLE_HOSTED_PORT: expected a whole number"),
        ({"workers": 0}, "NIMBLE_HOSTED_WORKERS must be between 1 and 64"),
        ({"access_token_ttl": 5}, "NIMBLE_HOSTED_ACCESS_TOKEN_TTL"),
        ({"nimble_client_id": "abc"}, "NIMBLE_CLIENT_ID and NIMBLE_CLIENT_SECRET go together"),
        ({"tool_search": "maybe"}, "NIMBLE_HOSTED_TOOL_SEARCH: expected 1 or 0"),
    ],
)
def test_bad_settings_are_refused_naming_the_variable(values: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(problem)):
        HostedSettings.parse({"secret_key": "s" * 40, **values})


def test_settings_round_trip_through_the_environment_and_never_show_the_secret() -> None:
    settings = HostedSettings.parse(
        {"secret_key": "s" * 40 + ",old" + "o" * 40, "port": 9000, "workers": 3, "tool_search": True}
    )
    again = HostedSettings.from_env(settings.to_env())
    assert again == settings and again.public_url == "http://127.0.0.1:9000"
    assert len(again.secret_keys()) == 2 and "s" * 40 not in repr(again)


def test_the_docs_document_every_setting_and_serve_offers_each_flag() -> None:
    section = (ROOT / "docs" / "hosts" / "mcp-hosted.md").read_text()
    help_text = CliRunner().invoke(cli, ["serve", "--help"], terminal_width=200).output
    for setting in SETTINGS:
        assert f"`{setting.env}`" in section, setting.env
        if setting.flag:
            assert setting.flag in help_text and f"`{setting.flag}`" in section
