"""Small network facts shared by the client and the servers."""

from __future__ import annotations

import ipaddress
import os

__all__ = ["INSECURE_HTTP_ENV", "check_secure_url", "is_loopback"]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``), in or out of brackets."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


INSECURE_HTTP_ENV = "NIMBLE_ALLOW_INSECURE_HTTP"
"""Set to 1 to allow credentials over plain ``http://`` to a host other than loopback."""


def check_secure_url(url: str, *, what: str, in_process: bool = False, allow_insecure: bool | None = None) -> None:
    """Refuse a plain ``http://`` URL to a host other than loopback: credentials would travel in clear.

    Args:
        url: the base URL credentials will be sent to.
        what: what is sent there, for the message ("the API key", "the client secret").
        in_process: the requests never leave the process (an httpx transport such as the sandbox's).
        allow_insecure: allow it anyway; None reads ``NIMBLE_ALLOW_INSECURE_HTTP``.

    Raises:
        ConfigurationError: for such a URL, saying how to allow it.
    """
    from urllib.parse import urlsplit

    from ._errors import ConfigurationError

    parts = urlsplit(url)
    host = parts.hostname or ""
    # A .invalid name never resolves (RFC 2606): nothing can travel there.
    if parts.scheme != "http" or in_process or is_loopback(host) or host.endswith(".invalid"):
        return
    if allow_insecure is None:
        allow_insecure = os.environ.get(INSECURE_HTTP_ENV, "").strip().lower() in {"1", "true", "yes", "on"}
    if not allow_insecure:
        raise ConfigurationError(
            f"{url} is plain http:// to another host: {what} would travel in clear text. Use https://, or allow "
            f"it explicitly (allow_insecure_http=True, or {INSECURE_HTTP_ENV}=1) for a trusted network."
        )
