"""A hosted, multi-user Nimble MCP server that a team deploys once (``nimble-tools serve``).

Every person adds the same URL in Claude, ChatGPT, Cursor or their own agent, connects their own
Nimble account on a consent page (sign in with Nimble, or a personal API key), and from then on
every tool call runs as them. The server is an OAuth 2.1 protected resource and authorization
server (RFC 9728, 8414, 7591, 7636 S256, 8707, 7009) built on the MCP SDK's auth handlers; its
tools are ``toolkit.emit("mcp")``'s, per person; its state lives in SQLite or Redis, so any number
of uvicorn workers on any number of hosts serve it.

::

    from nimble_tools_hosted import HostedSettings, create_app

    app = create_app(HostedSettings.from_env())   # an ASGI app, for uvicorn or any ASGI server

This package is not imported by ``nimble_tools``; it needs the ``hosted`` extra
(``pip install 'nimble-tools[hosted]'``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import HostedApp, create_app
    from ._settings import SETTINGS, HostedSettings

__all__ = ["SETTINGS", "HostedApp", "HostedSettings", "create_app"]

_LAZY = {"HostedApp": "_app", "create_app": "_app", "HostedSettings": "_settings", "SETTINGS": "_settings"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
