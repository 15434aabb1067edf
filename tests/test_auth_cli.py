"""``nimble-tools auth login/status/logout`` against the sandbox served over HTTP."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from auth_support import clean_env
from click.testing import CliRunner, Result

from nimble_tools.auth import SQLiteTokenStore
from nimble_tools.auth._login import CallbackReceiver
from nimble_tools.cli import main
from nimble_tools.sandbox import DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET, Sandbox

ENV = {"NIMBLE_CLIENT_ID": DEFAULT_OAUTH_CLIENT_ID, "NIMBLE_CLIENT_SECRET": DEFAULT_OAUTH_CLIENT_SECRET}


@pytest.fixture
def server() -> Iterator[Any]:
    with Sandbox().server(port=0) as running:
        yield running


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "tokens.sqlite3"


def login(server: Any, db: Path, *extra: str, env: dict[str, str] | None = None) -> Result:
    args = ["auth", "login", "--base-url", server.base_url, "--redirect-uri", "http://127.0.0.1:0/callback"]
    return CliRunner().invoke(main, [*args, "--store", str(db), "--timeout", "20", *extra], env=env or ENV)


class FakeBrowser:
    """Stands in for ``webbrowser.open``: a thread follows the authorize URL like a browser would."""

    def __init__(self, tamper: Callable[[str], str] = lambda url: url) -> None:
        self.tamper = tamper
        self.pages: list[str] = []
        self.threads: list[threading.Thread] = []

    def open(self, url: str, *args: object, **kwargs: object) -> bool:
        thread = threading.Thread(target=self._browse, args=(url,), daemon=True)
        self.threads.append(thread)
        thread.start()
        return True

    def _browse(self, url: str) -> None:
        with httpx.Client() as browser:
            redirect = browser.get(url)
            assert redirect.status_code == 302, redirect.text
            self.pages.append(browser.get(self.tamper(redirect.headers["location"])).text)

    def closed(self) -> list[str]:
        """The pages shown, once every tab has finished loading."""
        for thread in self.threads:
            thread.join(timeout=10)
        return self.pages


def fake_browser(monkeypatch: pytest.MonkeyPatch, tamper: Callable[[str], str] = lambda url: url) -> FakeBrowser:
    browser = FakeBrowser(tamper)
    monkeypatch.setattr("webbrowser.open", browser.open)
    return browser


def test_login_opens_the_browser_and_stores_the_tokens(monkeypatch: pytest.MonkeyPatch, server: Any, db: Path) -> None:
    browser = fake_browser(monkeypatch)
    result = login(server, db, "--account", "alice")
    assert result.exit_code == 0, result.output
    assert "Open this URL to connect the Nimble account 'alice'" in result.output
    assert "Connected account 'alice' (scope basic,contacts,deals;" in result.output
    assert str(db) in result.output
    assert browser.closed() == [
        "<!doctype html><title>nimble-tools</title><p>Your Nimble account is connected. You can close this tab.</p>"
    ]
    tokens = SQLiteTokenStore(db).load("alice")
    assert tokens is not None and tokens.refresh_token is not None
    assert tokens.access_token.reveal() not in result.output
    assert tokens.refresh_token.reveal() not in result.output
    assert DEFAULT_OAUTH_CLIENT_SECRET not in result.output


def test_login_ignores_a_callback_with_a_forged_state_and_waits_for_its_own(
    monkeypatch: pytest.MonkeyPatch, server: Any, db: Path
) -> None:
    forged: list[httpx.Response] = []

    def forge_first(location: str) -> str:
        # Another page (or an attacker) hits the loopback port first, with a code of its own choice.
        parts = urlsplit(location)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        forged.append(httpx.get(parts._replace(query=urlencode({**query, "state": "forged", "code": "x"})).geturl()))
        return location

    browser = fake_browser(monkeypatch, forge_first)
    result = login(server, db)
    assert result.exit_code == 0, result.output
    assert forged[0].status_code == 400 and "not the callback of the login in progress" in forged[0].text
    assert "Your Nimble account is connected" in browser.closed()[0]
    assert SQLiteTokenStore(db).accounts() == ["default"]


def test_login_reports_a_denied_consent(monkeypatch: pytest.MonkeyPatch, server: Any, db: Path) -> None:
    def deny(url: str, *args: object, **kwargs: object) -> bool:
        return browser.open(url + "&sandbox_consent=deny")

    browser = FakeBrowser()
    monkeypatch.setattr("webbrowser.open", deny)
    result = login(server, db)
    browser.closed()
    assert result.exit_code == 1
    assert "access_denied (User denied access)" in result.output


def test_login_without_a_browser_prints_the_url(server: Any, db: Path) -> None:
    """The real command in a child process: it prints the URL; we play the browser."""
    command = [
        sys.executable,
        "-c",
        "from nimble_tools.cli import main; main()",
        "auth",
        "login",
        "--no-browser",
        "--account",
        "bob",
        "--base-url",
        server.base_url,
        "--redirect-uri",
        "http://127.0.0.1:0/callback",
        "--store",
        str(db),
        "--timeout",
        "30",
    ]
    env = {**clean_env(), **ENV}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as child:
        assert child.stdout is not None
        url = ""
        for line in child.stdout:
            if line.strip().startswith(server.base_url + "/oauth/authorize?"):
                url = line.strip()
                break
        assert url, child.stderr.read() if child.stderr else ""
        with httpx.Client(follow_redirects=True) as browser:
            page = browser.get(url + "&login_hint=sam%40sandbox.example")
        rest = child.stdout.read()
        assert child.wait(timeout=30) == 0
    assert "Your Nimble account is connected" in page.text
    assert "Connected account 'bob'" in rest
    assert SQLiteTokenStore(db).accounts() == ["bob"]


def test_login_times_out_without_a_redirect(server: Any, db: Path) -> None:
    result = login(server, db, "--no-browser", "--timeout", "0.2")
    assert result.exit_code == 1
    assert "No login redirect arrived within 0.2 seconds" in result.output


def test_login_needs_the_client_credentials(server: Any, db: Path) -> None:
    result = login(server, db, env={"NIMBLE_CLIENT_ID": "", "NIMBLE_CLIENT_SECRET": ""})
    assert result.exit_code == 2
    assert "Set NIMBLE_CLIENT_ID and NIMBLE_CLIENT_SECRET" in result.output


def test_login_refuses_a_redirect_uri_that_is_not_loopback(server: Any, db: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["auth", "login", "--redirect-uri", "https://app.example/callback", "--store", str(db)],
        env=ENV,
    )
    assert result.exit_code == 1
    assert "must be http://127.0.0.1:PORT" in result.output


def test_status_and_logout(monkeypatch: pytest.MonkeyPatch, server: Any, db: Path) -> None:
    runner = CliRunner()
    assert "No account is connected" in runner.invoke(main, ["auth", "status", "--store", str(db)]).output
    fake_browser(monkeypatch)
    assert login(server, db, "--account", "alice").exit_code == 0
    status = runner.invoke(main, ["auth", "status", "--store", str(db)])
    assert status.exit_code == 0
    assert status.output.startswith("account 'alice' (scope basic,contacts,deals; access token expires ")
    assert "refreshable" in status.output
    logout = runner.invoke(main, ["auth", "logout", "--account", "alice", "--store", str(db)])
    assert logout.output == "Forgot account 'alice'.\n"
    again = runner.invoke(main, ["auth", "logout", "--account", "alice", "--store", str(db)])
    assert again.output == "Account 'alice' was not connected.\n"


def test_receiver_ignores_other_paths_and_answers_once() -> None:
    with CallbackReceiver("http://127.0.0.1:0/cb") as receiver, httpx.Client() as browser:
        assert browser.get(receiver.redirect_uri.replace("/cb", "/favicon.ico")).status_code == 404
        answers: list[httpx.Response] = []
        first = threading.Thread(target=lambda: answers.append(browser.get(receiver.redirect_uri + "?code=c&state=s")))
        first.start()
        assert receiver.wait(5) == receiver.redirect_uri + "?code=c&state=s"
        receiver.reply(True, "done <ok>")
        first.join(timeout=5)
        assert answers[0].status_code == 200
        assert "done &lt;ok&gt;" in answers[0].text
        assert browser.get(receiver.redirect_uri + "?code=d&state=t").status_code == 410


def test_call_as_a_connected_account(monkeypatch: pytest.MonkeyPatch, server: Any, db: Path) -> None:
    fake_browser(monkeypatch)
    assert login(server, db, "--account", "alice").exit_code == 0
    env = {**ENV, "NIMBLE_BASE_URL": server.base_url}
    args = ["call", "list_all_nimble_me", "--account", "alice", "--store", str(db), "--json"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    assert '"user_id"' in result.output
    tokens = SQLiteTokenStore(db).load("alice")
    assert tokens is not None and tokens.access_token.reveal() not in result.output

    unknown = CliRunner().invoke(main, [*args[:3], "bob", *args[4:]], env=env)
    assert unknown.exit_code == 1
    assert "bob" in unknown.output and "auth login" in unknown.output


def test_call_with_an_account_needs_the_oauth_app(db: Path) -> None:
    result = CliRunner().invoke(
        main, ["call", "list_all_nimble_me", "--account", "alice", "--store", str(db)], env=clean_env()
    )
    assert result.exit_code == 1
    assert "NIMBLE_CLIENT_ID" in result.output
