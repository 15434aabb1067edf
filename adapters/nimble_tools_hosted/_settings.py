"""``HostedSettings``: every setting of the hosted server, from flags and the environment.

One table (:data:`SETTINGS`) names each setting, its environment variable, its default and what it
means; the command line's options, the README's table and :meth:`HostedSettings.from_env` all come
from it. Workers started by uvicorn read their settings from the environment the parent set.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nimble_tools import ConfigurationError, Secret
from nimble_tools.auth._cipher import MIN_SECRET_LENGTH

__all__ = ["SETTINGS", "HostedSettings", "Setting"]


@dataclass(frozen=True)
class Setting:
    """One setting: its field in :class:`HostedSettings`, its variable, its flag and its help."""

    name: str
    env: str
    flag: str
    help: str
    default: str = ""


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "NIMBLE_HOSTED_HOST", "--host", "Address to listen on (0.0.0.0 in a container).", "127.0.0.1"),
    Setting("port", "NIMBLE_HOSTED_PORT", "--port", "Port to listen on.", "8080"),
    Setting(
        "public_url",
        "NIMBLE_HOSTED_PUBLIC_URL",
        "--public-url",
        "The address people reach the server at, without /mcp (https://nimble-mcp.example.com behind a proxy).",
        "http://HOST:PORT",
    ),
    Setting(
        "secret_key",
        "NIMBLE_HOSTED_SECRET_KEY",
        "--secret-key",
        f"At least {MIN_SECRET_LENGTH} random characters: encrypts Nimble credentials at rest, signs forms. "
        "Several, comma-separated, rotate keys: the first encrypts, all decrypt.",
        "required (--sandbox: a throwaway one)",
    ),
    Setting(
        "store",
        "NIMBLE_HOSTED_STORE",
        "--store",
        "Where clients, tokens, people and credentials live: a SQLite file path (one machine) or redis://... "
        "(several workers or hosts).",
        "sqlite in $XDG_DATA_HOME/nimble-tools/hosted.sqlite3 (--sandbox: a throwaway file)",
    ),
    Setting("workers", "NIMBLE_HOSTED_WORKERS", "--workers", "uvicorn worker processes.", "1"),
    Setting(
        "access_token_ttl",
        "NIMBLE_HOSTED_ACCESS_TOKEN_TTL",
        "--access-token-ttl",
        "Seconds an MCP access token lives.",
        "3600",
    ),
    Setting(
        "refresh_token_ttl",
        "NIMBLE_HOSTED_REFRESH_TOKEN_TTL",
        "--refresh-token-ttl",
        "Seconds an unused refresh token lives (each refresh replaces it).",
        "2592000",
    ),
    Setting(
        "tool_search",
        "NIMBLE_HOSTED_TOOL_SEARCH",
        "--tool-search",
        "1: offer the two search-and-call meta-tools instead of every tool (within each person's scopes).",
        "0",
    ),
    Setting(
        "metrics_token",
        "NIMBLE_HOSTED_METRICS_TOKEN",
        "--metrics-token",
        "A secret Prometheus sends as Authorization: Bearer to GET /metrics (each worker answers with its own "
        "counts); without it /metrics is off.",
        "",
    ),
    Setting(
        "forwarded_allow_ips",
        "NIMBLE_HOSTED_FORWARDED_ALLOW_IPS",
        "--forwarded-allow-ips",
        "Proxies whose X-Forwarded-* headers are trusted (comma-separated, or *).",
        "127.0.0.1",
    ),
    Setting(
        "nimble_base_url",
        "NIMBLE_BASE_URL",
        "",
        "Nimble's host (--sandbox: the embedded sandbox).",
        "https://app.nimble.com",
    ),
    Setting(
        "nimble_client_id",
        "NIMBLE_CLIENT_ID",
        "",
        "Your Nimble OAuth app; with it (and the secret) people can sign in with Nimble instead of pasting a key. "
        "Register PUBLIC_URL/nimble/callback as its redirect URI.",
        "",
    ),
    Setting("nimble_client_secret", "NIMBLE_CLIENT_SECRET", "", "The Nimble OAuth app's secret.", ""),
)

_BY_NAME = {s.name: s for s in SETTINGS}
SANDBOX_ENV = "NIMBLE_HOSTED_SANDBOX_URL"
"""Set by ``serve --sandbox`` for its workers: the served sandbox they use as Nimble."""
SANDBOX_SECRET_ENV = "NIMBLE_HOSTED_SANDBOX_CLIENT_SECRET"


@dataclass(frozen=True)
class HostedSettings:
    """The hosted server's configuration (see :data:`SETTINGS` for each field)."""

    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""
    secret_key: Secret = field(default_factory=lambda: Secret(""), repr=False)
    store: str = ""
    workers: int = 1
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 30 * 24 * 3600
    tool_search: bool = False
    metrics_token: Secret = field(default_factory=lambda: Secret(""), repr=False)
    forwarded_allow_ips: str = "127.0.0.1"
    nimble_base_url: str = "https://app.nimble.com"
    nimble_client_id: str = ""
    nimble_client_secret: Secret = field(default_factory=lambda: Secret(""), repr=False)
    sandbox_url: str = ""
    """The served sandbox standing in for Nimble (``serve --sandbox``), or empty."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> HostedSettings:
        """Settings from the environment; keyword arguments (flags) win over it.

        Raises:
            ConfigurationError: a value is malformed, or a required one is missing.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            raw = env.get(setting.env)
            if raw is not None and raw.strip() != "":
                values[setting.name] = raw.strip()
        if env.get(SANDBOX_ENV):
            values["sandbox_url"] = env[SANDBOX_ENV]
            values.setdefault("nimble_client_secret", env.get(SANDBOX_SECRET_ENV, ""))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.parse(values)

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> HostedSettings:
        """Check and convert raw values (strings from the environment, or typed ones)."""
        problems: list[str] = []
        typed: dict[str, Any] = {}
        for item in fields(cls):
            if item.name not in values:
                continue
            raw = values[item.name]
            label = _BY_NAME[item.name].env if item.name in _BY_NAME else item.name
            try:
                typed[item.name] = _convert(item.name, raw)
            except ValueError as exc:
                problems.append(f"{label}: {exc}")
        if problems:
            raise ConfigurationError("Invalid hosted server settings: " + "; ".join(problems) + ".")
        settings = cls(**typed)
        return settings.checked()

    def checked(self) -> HostedSettings:
        """These settings with the public URL filled in; ConfigurationError names each problem."""
        problems: list[str] = []
        public = self.public_url or f"http://{_url_host(self.host)}:{self.port}"
        parts = urlsplit(public)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            problems.append(f"NIMBLE_HOSTED_PUBLIC_URL must be an http(s) URL without query, got {public!r}")
        elif parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            problems.append(
                "NIMBLE_HOSTED_PUBLIC_URL must use https unless it is a loopback address (OAuth 2.1 requires it); "
                "put the server behind a TLS-terminating proxy and give its https address"
            )
        keys = self.secret_keys()
        if not keys:
            problems.append(
                "NIMBLE_HOSTED_SECRET_KEY is not set: give at least 32 random characters "
                "(openssl rand -base64 32), or use --sandbox to try the server"
            )
        elif any(len(k.reveal()) < MIN_SECRET_LENGTH for k in keys):
            problems.append(f"NIMBLE_HOSTED_SECRET_KEY: every key needs at least {MIN_SECRET_LENGTH} characters")
        if not 1 <= self.workers <= 64:
            problems.append("NIMBLE_HOSTED_WORKERS must be between 1 and 64")
        if not 60 <= self.access_token_ttl <= 24 * 3600:
            problems.append("NIMBLE_HOSTED_ACCESS_TOKEN_TTL must be between 60 and 86400 seconds")
        if not self.access_token_ttl <= self.refresh_token_ttl <= 365 * 24 * 3600:
            problems.append("NIMBLE_HOSTED_REFRESH_TOKEN_TTL must be at least the access token's and at most a year")
        if bool(self.nimble_client_id) != bool(self.nimble_client_secret.reveal()) and not self.sandbox_url:
            problems.append("NIMBLE_CLIENT_ID and NIMBLE_CLIENT_SECRET go together: set both or neither")
        if problems:
            raise ConfigurationError("Invalid hosted server settings: " + "; ".join(problems) + ".")
        return replace(self, public_url=public.rstrip("/"))

    # -- derived values ----------------------------------------------------------------------

    def secret_keys(self) -> list[Secret]:
        """The secret keys, newest first."""
        return [Secret(k.strip()) for k in self.secret_key.reveal().split(",") if k.strip()]

    @property
    def resource_url(self) -> str:
        """The MCP endpoint: what people add in their clients, and the audience of every token."""
        return f"{self.public_url}/mcp"

    @property
    def nimble_callback_url(self) -> str:
        """Where Nimble's OAuth sends people back."""
        return f"{self.public_url}/nimble/callback"

    @property
    def nimble_url(self) -> str:
        """Nimble's host, or the sandbox's."""
        return (self.sandbox_url or self.nimble_base_url).rstrip("/")

    @property
    def nimble_oauth_enabled(self) -> bool:
        """Whether people can sign in with Nimble (an OAuth app is configured, or the sandbox's)."""
        return bool(self.sandbox_url) or bool(self.nimble_client_id and self.nimble_client_secret.reveal())

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over https (every public deployment)."""
        return self.public_url.startswith("https://")

    def to_env(self) -> dict[str, str]:
        """The environment that makes a worker's :meth:`from_env` give these settings back."""
        env: dict[str, str] = {}
        for setting in SETTINGS:
            value = getattr(self, setting.name)
            if isinstance(value, Secret):
                value = value.reveal()
            elif isinstance(value, bool):
                value = "1" if value else "0"
            env[setting.env] = str(value)
        if self.sandbox_url:
            env[SANDBOX_ENV] = self.sandbox_url
            env[SANDBOX_SECRET_ENV] = self.nimble_client_secret.reveal()
        return env


def default_store_path() -> Path:
    """``$XDG_DATA_HOME/nimble-tools/hosted.sqlite3`` (``~/.local/share/...``)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "nimble-tools" / "hosted.sqlite3"


def throwaway_secret() -> Secret:
    """A random secret key for a sandbox instance (gone with it)."""
    return Secret(secrets.token_urlsafe(48))


def _convert(name: str, raw: Any) -> Any:
    if name in ("secret_key", "nimble_client_secret", "metrics_token"):
        return raw if isinstance(raw, Secret) else Secret(str(raw))
    if name in ("port", "workers", "access_token_ttl", "refresh_token_ttl"):
        try:
            number = int(raw)
        except (TypeError, ValueError):
            raise ValueError(f"expected a whole number, got {raw!r}") from None
        if name == "port" and not 0 <= number <= 65535:
            raise ValueError(f"a port is between 0 and 65535, got {number}")
        return number
    if name == "tool_search":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text not in ("0", "1", "true", "false", "yes", "no", "on", "off"):
            raise ValueError(f"expected 1 or 0, got {raw!r}")
        return text in ("1", "true", "yes", "on")
    return str(raw).strip()


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "", "::"):
        return "localhost"
    return f"[{host}]" if ":" in host else host
