"""Running the server: uvicorn with N workers, and with ``--sandbox`` an offline Nimble beside it.

With ``--sandbox`` the parent process serves the embedded sandbox over HTTP on a loopback port (so
every worker, and the person's browser for "Sign in with Nimble", reaches the same Nimble), with its
OAuth app registered for this server's callback, a throwaway secret key and a throwaway store.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nimble_tools import Secret

from ._logs import redact_access_log
from ._settings import HostedSettings, throwaway_secret

__all__ = ["SandboxInfo", "run_server", "sandbox_nimble"]

APP_FACTORY = "nimble_tools_hosted._app:app_from_env"


@dataclass
class SandboxInfo:
    """The served sandbox of ``serve --sandbox``: its URL, the account's API key and each user's own."""

    base_url: str
    api_key: str
    personal_keys: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def sandbox_nimble(settings: HostedSettings) -> Iterator[tuple[HostedSettings, SandboxInfo]]:
    """Serve a seeded sandbox on loopback and give the settings that use it (throwaway key and store)."""
    from nimble_tools.sandbox import DEFAULT_OAUTH_CLIENT_ID, Sandbox, register_oauth_client

    box = Sandbox(seed=True)
    client_secret = secrets.token_urlsafe(24)
    if not settings.secret_keys():
        settings = replace(settings, secret_key=throwaway_secret())
    settings = settings.checked()
    register_oauth_client(
        box.state, DEFAULT_OAUTH_CLIENT_ID, client_secret, [settings.nimble_callback_url], loopback=True
    )
    keys = {str(user["email"]): box.personal_api_key(str(user["email"])) for user in box.state.users.values()}
    workdir = None
    if not settings.store:
        workdir = Path(tempfile.mkdtemp(prefix="nimble-hosted-"))
        settings = replace(settings, store=str(workdir / "hosted.sqlite3"))
    server = box.server("127.0.0.1", 0).start()
    try:
        settings = replace(settings, sandbox_url=server.base_url, nimble_client_secret=Secret(client_secret))
        yield settings.checked(), SandboxInfo(server.base_url, box.api_key, keys)
    finally:
        server.stop()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


def run_server(
    settings: HostedSettings,
    *,
    log_level: str = "info",
    access_log: bool = True,
    announce: Callable[[HostedSettings], None] | None = None,
) -> None:
    """Serve until interrupted: uvicorn, ``settings.workers`` processes, each building the app from the environment."""
    import uvicorn

    os.environ.update(settings.to_env())
    redact_access_log()
    if announce is not None:
        announce(settings)
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "workers": settings.workers,
        "factory": True,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "log_level": log_level,
        "access_log": access_log,
        "timeout_graceful_shutdown": 10,
        "server_header": False,
    }
    uvicorn.run(APP_FACTORY, **options)
